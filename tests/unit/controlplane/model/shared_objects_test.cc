#include "controlplane/model/shared_objects.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "controlplane/model/objects.h"

namespace portico::cp {
namespace {

TEST(SharedObjects, CopiesShareObjectsAndAnEditCopiesFirst) {
  ClusterState a;
  a.namespaces.push_back(Namespace{ObjectMeta{"", "one"}});
  a.namespaces.push_back(Namespace{ObjectMeta{"", "two"}});
  ClusterState b = a;
  EXPECT_EQ(&a.namespaces[0], &b.namespaces[0]) << "a copy shares the objects";
  EXPECT_EQ(b.namespaces.shared(1).use_count(), 2);

  b.namespaces.edit(0).meta.name = "changed";
  EXPECT_EQ(a.namespaces[0].meta.name, "one") << "the other holder keeps its object";
  EXPECT_EQ(b.namespaces[0].meta.name, "changed");
  EXPECT_NE(&a.namespaces[0], &b.namespaces[0]);
  const Namespace* alone = &b.namespaces[0];
  b.namespaces.edit(0).meta.name = "again";
  EXPECT_EQ(&b.namespaces[0], alone) << "an object no one else holds is changed in place";

  // Reads as a vector does.
  std::vector<std::string> names;
  for (const auto& n : a.namespaces) names.push_back(n.meta.name);
  EXPECT_EQ(names, (std::vector<std::string>{"one", "two"}));
  EXPECT_EQ(std::find_if(a.namespaces.begin(), a.namespaces.end(), [](const Namespace& n) { return n.meta.name == "two"; }) -
                a.namespaces.begin(),
            1);
  EXPECT_EQ(a.namespaces.back().meta.name, "two");
}

}  // namespace
}  // namespace portico::cp

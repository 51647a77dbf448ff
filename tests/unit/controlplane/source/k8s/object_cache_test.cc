#include "controlplane/source/k8s/object_cache.h"

#include <gtest/gtest.h>

namespace portico::cp::k8s {
namespace {

std::string route(const std::string& name, const std::string& host) {
  return R"({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute", "metadata": {"name": ")" + name +
         R"(", "namespace": "shop", "generation": 2}, "spec": {"hostnames": [")" + host + R"("]}})";
}

TEST(ObjectCache, UpsertReplacesByKey) {
  ObjectCache cache;
  std::vector<Problem> problems;
  EXPECT_TRUE(cache.upsert("HTTPRoute", "shop/a", route("a", "a.example.com"), problems));
  EXPECT_TRUE(cache.upsert("HTTPRoute", "shop/a", route("a", "b.example.com"), problems));
  const ClusterState s = cache.state();
  ASSERT_EQ(s.httpRoutes.size(), 1u);
  EXPECT_EQ(s.httpRoutes[0].hostnames, std::vector<std::string>{"b.example.com"});
  EXPECT_EQ(s.httpRoutes[0].meta.generation, 2);
  EXPECT_TRUE(problems.empty());
}

TEST(ObjectCache, AnUnreadableVersionDropsTheOldOne) {
  ObjectCache cache;
  std::vector<Problem> problems;
  cache.upsert("HTTPRoute", "shop/a", route("a", "a.example.com"), problems);
  const std::string broken = R"({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
    "metadata": {"name": "a", "namespace": "shop"}, "spec": {"hostnames": "not-a-list"}})";
  EXPECT_FALSE(cache.upsert("HTTPRoute", "shop/a", broken, problems));
  EXPECT_TRUE(cache.state().httpRoutes.empty());
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].field, "spec.hostnames");
  EXPECT_NE(problems[0].object.find("shop/a"), std::string::npos);
}

TEST(ObjectCache, ReplaceIsARelistOfOneKind) {
  ObjectCache cache;
  std::vector<Problem> problems;
  cache.upsert("HTTPRoute", "shop/a", route("a", "a.example.com"), problems);
  cache.upsert("Namespace", "shop", R"({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})", problems);
  cache.replace("HTTPRoute", {{"shop/b", route("b", "b.example.com")}, {"shop/c", route("c", "c.example.com")}}, problems);
  const ClusterState s = cache.state();
  ASSERT_EQ(s.httpRoutes.size(), 2u);
  EXPECT_EQ(s.httpRoutes[0].meta.name, "b");
  EXPECT_EQ(s.namespaces.size(), 1u) << "other kinds are untouched";
  cache.remove("Namespace", "shop");
  EXPECT_TRUE(cache.state().namespaces.empty());
}

TEST(ObjectCache, ChangesWakeWaitersAndSettle) {
  ObjectCache cache;
  const uint64_t seen = cache.changes();
  EXPECT_FALSE(cache.waitForChange(seen, std::chrono::milliseconds(10), std::chrono::milliseconds(0)));
  std::vector<Problem> problems;
  cache.upsert("HTTPRoute", "shop/a", route("a", "a.example.com"), problems);
  EXPECT_TRUE(cache.waitForChange(seen, std::chrono::milliseconds(10), std::chrono::milliseconds(5)));
  EXPECT_EQ(cache.changes(), seen + 1);
}

}  // namespace
}  // namespace portico::cp::k8s

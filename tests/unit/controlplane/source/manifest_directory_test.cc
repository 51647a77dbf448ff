#include "controlplane/source/manifest_directory.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace portico::cp {
namespace {

namespace fs = std::filesystem;

std::string ns(const std::string& name) { return "apiVersion: v1\nkind: Namespace\nmetadata: {name: " + name + "}\n"; }

class ManifestDirectory : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/portico-manifests-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    files_.racyNs = 0;  // files written by the test are trusted at once
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const std::string& name, const std::string& text) {
    fs::create_directories((fs::path(dir_) / name).parent_path());
    std::ofstream(fs::path(dir_) / name, std::ios::trunc) << text;
  }
  std::vector<std::string> names(const ClusterState& s) {
    std::vector<std::string> out;
    for (const auto& n : s.namespaces) out.push_back(n.meta.name + "@" + fs::path(n.meta.source).filename().string());
    return out;
  }
  ClusterState load() {
    problems_.clear();
    bool complete = false;
    ClusterState s = loadManifestDirectory(dir_, problems_, &complete, &files_);
    EXPECT_TRUE(complete);
    return s;
  }

  std::string dir_;
  ManifestFiles files_;
  std::vector<Problem> problems_;
};

TEST_F(ManifestDirectory, OnlyChangedFilesAreReadAgain) {
  write("a.yaml", ns("one") + "---\n" + ns("one"));  // a duplicate within the file
  write("b/c.yaml", ns("two"));
  EXPECT_EQ(names(load()), (std::vector<std::string>{"one@a.yaml (document 1)", "two@c.yaml"}));
  EXPECT_EQ(files_.lastRead, 2u);
  ASSERT_EQ(problems_.size(), 1u);
  const std::string duplicate = problems_[0].toString();

  // Nothing changed: nothing is read, and the same objects and problems come back.
  EXPECT_EQ(names(load()), (std::vector<std::string>{"one@a.yaml (document 1)", "two@c.yaml"}));
  EXPECT_EQ(files_.lastRead, 0u);
  ASSERT_EQ(problems_.size(), 1u);
  EXPECT_EQ(problems_[0].toString(), duplicate);

  write("b/c.yaml", ns("three"));
  EXPECT_EQ(names(load()), (std::vector<std::string>{"one@a.yaml (document 1)", "three@c.yaml"}));
  EXPECT_EQ(files_.lastRead, 1u);

  // A new file naming an object another file holds is the duplicate, read or not.
  write("d.yaml", ns("three"));
  EXPECT_EQ(names(load()), (std::vector<std::string>{"one@a.yaml (document 1)", "three@c.yaml"}));
  EXPECT_EQ(files_.lastRead, 1u);
  EXPECT_EQ(problems_.size(), 2u);
  EXPECT_EQ(names(load()).size(), 2u);
  EXPECT_EQ(files_.lastRead, 0u);
  EXPECT_EQ(problems_.size(), 2u);

  fs::remove(fs::path(dir_) / "b/c.yaml");
  EXPECT_EQ(names(load()), (std::vector<std::string>{"one@a.yaml (document 1)", "three@d.yaml"}));
  EXPECT_EQ(files_.lastRead, 0u);
  EXPECT_EQ(problems_.size(), 1u);
}

// A file that stops being YAML contributes nothing until it is mended.
TEST_F(ManifestDirectory, AFileBrokenThenMended) {
  write("a.yaml", ns("one"));
  write("b.yaml", ns("two"));
  load();
  write("b.yaml", ns("two") + "---\nkind: Gateway\nmetadata: {name: x\n");
  EXPECT_EQ(names(load()), (std::vector<std::string>{"one@a.yaml"}));
  ASSERT_EQ(problems_.size(), 1u);
  EXPECT_NE(problems_[0].message.find("nothing in this file is read"), std::string::npos);
  write("b.yaml", ns("two"));
  EXPECT_EQ(names(load()), (std::vector<std::string>{"one@a.yaml", "two@b.yaml"}));
  EXPECT_TRUE(problems_.empty());
}

// By default a file changed within a second of being read is read again whatever its
// times say: an edit of the same size within one tick of the file clock is not missed.
TEST_F(ManifestDirectory, ARecentFileIsAlwaysReadAgain) {
  files_ = {};
  write("a.yaml", ns("one"));
  load();
  write("a.yaml", ns("two"));  // same size, likely the same timestamps
  EXPECT_EQ(names(load()), (std::vector<std::string>{"two@a.yaml"}));
  EXPECT_EQ(files_.lastRead, 1u);
}

}  // namespace
}  // namespace portico::cp

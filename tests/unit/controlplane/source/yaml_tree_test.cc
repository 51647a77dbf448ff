#include "controlplane/source/yaml_tree.h"

#include <gtest/gtest.h>

namespace portico::cp::yaml {
namespace {

Document one(std::string_view text) {
  Stream stream(text);
  Document doc;
  EXPECT_TRUE(stream.next(doc));
  EXPECT_TRUE(stream.atEnd());
  return doc;
}

TEST(YamlTree, ScalarsNullsAndCollections) {
  const Document doc = one("a: ~\nb: 'null'\nc:\nd: [1, {e: f}]\ng: {}\n");
  const Node root = doc.root();
  ASSERT_TRUE(root.isMap());
  EXPECT_EQ(root.size(), 5u);
  EXPECT_TRUE(root["a"].isNull());
  EXPECT_TRUE(root["b"].isScalar());  // quoted: a string
  EXPECT_EQ(root["b"].scalar(), "null");
  EXPECT_TRUE(root["c"].isNull());
  EXPECT_FALSE(root["missing"]);
  EXPECT_FALSE(root["missing"].isNull());
  ASSERT_TRUE(root["d"].isSequence());
  EXPECT_EQ(root["d"][0].scalar(), "1");
  EXPECT_EQ(root["d"][1]["e"].scalar(), "f");
  EXPECT_FALSE(root["d"][2]);
  EXPECT_TRUE(root["g"].isMap());
  EXPECT_EQ(root["g"].size(), 0u);
  EXPECT_EQ(root.key(3).scalar(), "d");
  EXPECT_TRUE(root.value(3).isSequence());
}

// The conversions yaml-cpp made, which manifests already rely on.
TEST(YamlTree, IntegersAndBooleansReadAsYamlCppReadThem) {
  const Document doc = one("[80, '443', 0x1F, 010, 08, -3, ' 1', 1x, 99999999999999999999, true, False, YES, on, n, tRue, 1]");
  const Node s = doc.root();
  EXPECT_EQ(s[0].integer(), 80);
  EXPECT_EQ(s[1].integer(), 443);
  EXPECT_EQ(s[2].integer(), 31);
  EXPECT_EQ(s[3].integer(), 8);
  EXPECT_FALSE(s[4].integer());
  EXPECT_EQ(s[5].integer(), -3);
  EXPECT_FALSE(s[6].integer());
  EXPECT_FALSE(s[7].integer());
  EXPECT_FALSE(s[8].integer());
  EXPECT_EQ(s[9].boolean(), true);
  EXPECT_EQ(s[10].boolean(), false);
  EXPECT_EQ(s[11].boolean(), true);
  EXPECT_EQ(s[12].boolean(), true);
  EXPECT_EQ(s[13].boolean(), false);
  EXPECT_FALSE(s[14].boolean());
  EXPECT_FALSE(s[15].boolean());
}

TEST(YamlTree, JsonAsTheApiSendsIt) {
  const Document doc = one(R"({"kind":"Service","metadata":{"name":"a\/b","labels":{"x":"y"}},"spec":{"ports":[{"port":80}]}})");
  EXPECT_EQ(doc.root()["metadata"]["name"].scalar(), "a/b");
  EXPECT_EQ(doc.root()["spec"]["ports"][0]["port"].integer(), 80);
}

TEST(YamlTree, AnchorsAndAliases) {
  const Document doc = one("a: &x {k: v}\nb: *x\n");
  EXPECT_EQ(doc.root()["b"]["k"].scalar(), "v");
  for (const char* bad : {"a: *nothing\n", "&x [1, *x]\n"}) {
    Stream stream(bad);
    Document d;
    EXPECT_THROW(stream.next(d), ParseError) << bad;
  }
}

TEST(YamlTree, DocumentsInTurnAndErrorsWithTheirPlace) {
  Stream stream("a: 1\n---\nb: 2\n---\n");
  Document doc;
  ASSERT_TRUE(stream.next(doc));
  EXPECT_FALSE(stream.atEnd());
  ASSERT_TRUE(stream.next(doc));
  EXPECT_EQ(doc.root()["b"].scalar(), "2");
  ASSERT_TRUE(stream.next(doc));  // the empty last document
  EXPECT_TRUE(doc.root().isNull());
  EXPECT_FALSE(stream.next(doc));

  Stream bad("a: 1\nb: [1,\n");
  try {
    bad.next(doc);
    FAIL() << "no error";
  } catch (const ParseError& e) {
    EXPECT_EQ(e.line, 2u);
    EXPECT_EQ(e.message, "while parsing a flow node: did not find expected node content");
  }
  Stream invalid(std::string_view("a: \xff\n", 5));
  EXPECT_THROW(invalid.next(doc), ParseError);
}

}  // namespace
}  // namespace portico::cp::yaml

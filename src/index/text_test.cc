#include "index/text.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace exemplar::index {
namespace {

using nlohmann::json;

TEST(FlattenJson, KeyValueLinesInKeyOrder) {
  json j = {{"question", "What is 2+2?"}, {"context", "arithmetic"}};
  EXPECT_EQ(FlattenJson(j), "context: arithmetic\nquestion: What is 2+2?");
}

TEST(FlattenJson, NestedObjectsAndArraysUseDottedKeys) {
  json j = json::parse(R"({"a":{"b":1,"c":[true,null,"x"]},"d":[],"e":{},"f":2.5})");
  EXPECT_EQ(FlattenJson(j), "a.b: 1\na.c.0: true\na.c.1: null\na.c.2: x\nf: 2.5");
  json messages = json::parse(R"({"messages":[{"role":"user","content":"hi\nthere"}]})");
  EXPECT_EQ(FlattenJson(messages), "messages.0.content: hi\nthere\nmessages.0.role: user");
}

TEST(FlattenJson, ScalarsAndOddInputs) {
  EXPECT_EQ(FlattenJson(json("just text")), "just text");
  EXPECT_EQ(FlattenJson(json(42)), "42");
  EXPECT_EQ(FlattenJson(json::array({"x", "y"})), "0: x\n1: y");
  EXPECT_EQ(FlattenJson(json::object()), "");
  EXPECT_EQ(FlattenJson(json::parse("{bad", nullptr, false)), "");
  EXPECT_EQ(FlattenJson(json{{"k", ""}}), "k: ");
}

TEST(FlattenJson, Deterministic) {
  json a = json::parse(R"({"z":1,"a":{"y":2,"b":3}})");
  json b = json::parse(R"({"a":{"b":3,"y":2},"z":1})");
  EXPECT_EQ(FlattenJson(a), FlattenJson(b));
}

}  // namespace
}  // namespace exemplar::index

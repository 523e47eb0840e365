#include "service/examples/json_text.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "common/json_util.h"
#include "service/examples/example_json.h"

namespace exemplar::service {
namespace {

std::string WrittenString(const std::string& s) {
  JsonTextWriter w;
  w.String(s);
  return w.Take();
}

std::string WrittenDouble(double d) {
  JsonTextWriter w;
  w.Double(d);
  return w.Take();
}

TEST(JsonTextWriter, StringsMatchDumpJsonByteForByte) {
  for (const std::string& s : std::vector<std::string>{"", "plain", "quote \" backslash \\ slash /", "tab\tnew\nline\rfeed\f\b",
                              std::string("nul\0byte", 8), "\x01\x1f\x7f", "caf\xC3\xA9 \xE6\x9D\xB1 \xF0\x9F\x98\x80",
                              "bad \xC3 end", "\xED\xA0\x80 surrogate", "\xC0\xAF overlong", "\xF4\x90\x80\x80 big"}) {
    EXPECT_EQ(WrittenString(s), DumpJson(Json(s))) << s;
  }
  std::mt19937 rng(11);
  for (int round = 0; round < 3000; ++round) {
    std::string s(rng() % 24, '\0');
    for (char& c : s) c = static_cast<char>(rng() % 3 == 0 ? rng() % 0x40 : rng());
    ASSERT_EQ(WrittenString(s), DumpJson(Json(s)));
  }
}

TEST(JsonTextWriter, NumbersMatchDumpJsonByteForByte) {
  std::vector<double> values = {0.0, -0.0, 1.0, -3.0, 0.5, 0.1, 1.0 / 3, 2.5e-5, 1e-4, 1.5e-4, 123456.0,
                                1e15, 1e16, 123456789012345678.0, 1e300, -1e-300, 0.016393442622950821,
                                std::numeric_limits<double>::quiet_NaN(),
                                std::numeric_limits<double>::infinity()};
  std::mt19937_64 rng(5);
  for (int i = 0; i < 5000; ++i) {
    values.push_back(std::ldexp(static_cast<double>(rng() % 1000000) / 1000.0, static_cast<int>(rng() % 80) - 40));
    values.push_back(static_cast<double>(rng() % 100000) / 100.0);
  }
  for (double d : values) ASSERT_EQ(WrittenDouble(d), DumpJson(Json(d))) << d;
  JsonTextWriter w;
  w.BeginArray();
  for (int64_t v : {int64_t{0}, int64_t{-7}, std::numeric_limits<int64_t>::max()}) w.Int(v);
  w.Bool(true);
  w.Null();
  w.EndArray();
  EXPECT_EQ(w.text(), DumpJson(Json::array({0, -7, std::numeric_limits<int64_t>::max(), true, nullptr})));
}

TEST(JsonTextWriter, ExampleMatchesItsJsonDom) {
  Example e;
  e.id = "5b0c3a1e-0000-4000-8000-000000000001";
  e.input_json = DumpJson(Json{{"text", "gain \"drift\"\n"}, {"n", 2.5}, {"list", {1, 2}}});
  e.expected_output_json = DumpJson(Json{{"action", "rework"}});
  e.created_at = 1700000000123;
  e.updated_at = 1700000000456;
  JsonTextWriter bare;
  WriteExampleJson(e, bare);
  EXPECT_EQ(bare.text(), DumpJson(ExampleToJson(e)));

  e.explanation = "why";
  e.databit_id = "db-1";
  e.function_name = "fn_3";
  e.capability_tags = {"a", "b"};
  e.search_keys = {"k"};
  e.attribution_notes = "notes";
  e.quality_score = 0.75;
  e.usage_count = 12;
  e.success_count = 3.5;
  e.failure_count = 1;
  e.embedding_model = "hash-384";
  e.created_by = "me@example.com";
  e.client_id = "c-1";
  e.last_used_at = 1700000000789;
  JsonTextWriter full;
  full.BeginArray();
  WriteExampleJson(e, full);
  WriteExampleJson(e, full);
  full.EndArray();
  EXPECT_EQ(full.text(), DumpJson(Json::array({ExampleToJson(e), ExampleToJson(e)})));
}

}  // namespace
}  // namespace exemplar::service

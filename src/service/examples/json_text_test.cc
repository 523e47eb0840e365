#include "service/examples/json_text.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "common/json_util.h"
#include "service/examples/example_json.h"
#include "storage/columns.h"

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

// Plain ASCII runs are copied 8 bytes at a time: long plain strings with a byte that needs
// attention (quote, backslash, control, DEL, UTF-8, malformed UTF-8) at every position of a
// word, as values and as keys.
TEST(JsonTextWriter, LongPlainRunsWithOneSpecialByteMatchDumpJson) {
  const std::vector<std::string> specials = {"\"", "\\", "\n", std::string(1, '\0'), "\x1f", "\x7f", " ", "~",
                                             "\xC3\xA9", "\xE6\x9D\xB1", "\xF0\x9F\x98\x80", "\xC3", "\xFF"};
  std::mt19937 rng(3);
  for (size_t length : {0, 1, 7, 8, 9, 15, 16, 17, 40, 100}) {
    for (size_t at = 0; at <= length; ++at) {
      for (const std::string& special : specials) {
        std::string s(length, 'a');
        for (char& c : s) c = static_cast<char>(0x20 + rng() % 0x5F);  // printable ASCII, '"' and '\\' too
        s.insert(at, special);
        ASSERT_EQ(WrittenString(s), DumpJson(Json(s))) << s;
        JsonTextWriter w;
        w.BeginObject();
        w.Key(s);
        w.Int(1);
        w.Key("plain_key");
        w.Null();
        w.EndObject();
        ASSERT_EQ(w.text(), "{" + DumpJson(Json(s)) + ":1,\"plain_key\":null}") << s;
      }
    }
  }
}

// PlainKey (the server's own field names) writes what Key writes, nested and after values.
TEST(JsonTextWriter, PlainKeyWritesWhatKeyWrites) {
  auto write = [](bool plain) {
    JsonTextWriter w;
    auto key = [&](std::string_view k) { plain ? w.PlainKey(k) : w.Key(k); };
    w.BeginObject();
    key("a");
    w.Int(1);
    key("effectiveness_used");
    w.BeginObject();
    key("");
    w.Null();
    key("x y-z_0123456789~!#$%&'()*+,./:;<=>?@[]^`{|}");
    w.BeginArray();
    w.String("v");
    w.BeginObject();
    key("deep");
    w.Bool(false);
    w.EndObject();
    w.EndArray();
    w.EndObject();
    key("last");
    w.Double(0.5);
    w.EndObject();
    return w.Take();
  };
  EXPECT_EQ(write(true), write(false));
  EXPECT_EQ(write(true), DumpJson(Json::parse(write(false))));
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
  // The GET body: the same text, timestamps included (formatted without allocation); a
  // timestamp outside years 0-9999 takes the general path and still matches.
  EXPECT_EQ(ExampleJsonText(e), DumpJson(ExampleToJson(e)));
  e.updated_at = -62'135'596'800'001;  // 0000-12-31T23:59:59.999Z, one millisecond before year 1
  e.last_used_at = 253'402'300'800'000;  // year 10000
  EXPECT_EQ(ExampleJsonText(e), DumpJson(ExampleToJson(e)));
  EXPECT_NE(ExampleJsonText(e).find("\"last_used_at\":\"10000-01-01T00:00:00.000Z\""), std::string::npos);
}

// Stored string lists (tags, search keys, PII flags) are read by a fast path for the plain forms;
// every input must decode exactly as the general JSON parser decodes it.
TEST(StringListColumn, FastPathDecodesLikeTheJsonParser) {
  auto reference = [](const std::string& text) {
    std::vector<std::string> out;
    auto j = Json::parse(text, nullptr, false);
    if (!j.is_array()) return out;
    for (const auto& e : j) if (e.is_string()) out.push_back(e.get<std::string>());
    return out;
  };
  for (const std::string text :
       {"[]", "[\"\"]", "[\"a\"]", "[\"a\",\"b c\",\"x]y\"]", "[\"a\",]", "[\"a\"]]", "[\"a\"\"b\"]", "[1]",
        "[\"a\",1]", " [\"a\"]", "[ \"a\" ]", "[\"caf\u00e9\"]", "[\"caf\xC3\xA9\"]", "[\"a\\\"b\"]", "[\"a",
        "[\"", "[", "]", "", "null", "{}", "[\"tab\there\"]", "[\"\xFF\"]"}) {
    EXPECT_EQ(storage::DecodeStringList(text), reference(text)) << text;
  }
  std::mt19937 rng(5);
  for (int round = 0; round < 500; ++round) {
    std::vector<std::string> list(rng() % 4);
    for (auto& item : list) {
      item.resize(rng() % 6);
      for (char& c : item) c = static_cast<char>(rng() % 3 ? 'a' + rng() % 26 : rng() % 128);
    }
    const std::string text = storage::EncodeStringList(list);
    ASSERT_EQ(storage::DecodeStringList(text), reference(text)) << text;
    ASSERT_EQ(storage::DecodeStringList(text), list) << text;
  }
}

}  // namespace
}  // namespace exemplar::service

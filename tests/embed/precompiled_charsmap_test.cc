// The Precompiled normalizer (SentencePiece charsmap) against a real charsmap written by
// tests/embed/charsmap.py (its own darts-clone double-array builder and its own normalization),
// plus hand-built blobs for every malformed shape the loader must refuse.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <string>
#include <vector>

#include "common/json_util.h"
#include "embed/local/precompiled_charsmap.h"
#include "testing/shell.h"

namespace exemplar::embed::local {
namespace {

using exemplar::testing::Shell;

const Json& Written() {
  static const Json* j = [] {
    int code = 0;
    std::string out = Shell(std::string(EXEMPLAR_PYTHON) + " " + EXEMPLAR_CHARSMAP_PY, &code);
    EXPECT_EQ(code, 0) << out;
    return new Json(code == 0 ? Json::parse(out) : Json::object());
  }();
  return *j;
}

std::string Base64Decode(const std::string& in) {
  std::string out;
  uint32_t bits = 0;
  int have = 0;
  for (char c : in) {
    const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t d = alphabet.find(c);
    if (d == std::string::npos) break;
    bits = (bits << 6) | static_cast<uint32_t>(d);
    have += 6;
    if (have >= 8) {
      have -= 8;
      out.push_back(static_cast<char>((bits >> have) & 0xFF));
    }
  }
  return out;
}

void PutLe32(uint32_t v, std::string* out) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

// A blob of `units` and `strings`; `trie_size` defaults to the units' byte size.
std::string Blob(const std::vector<uint32_t>& units, const std::string& strings, int64_t trie_size = -1) {
  std::string out;
  PutLe32(trie_size < 0 ? static_cast<uint32_t>(units.size() * 4) : static_cast<uint32_t>(trie_size), &out);
  for (uint32_t u : units) PutLe32(u, &out);
  return out + strings;
}

// The one-rule trie "a" -> the string at `value`: root base 1, 'a' at 1 ^ 'a' = 96 with base 2,
// the value unit at 2.
std::vector<uint32_t> OneRule(uint32_t value) {
  std::vector<uint32_t> u(256, 0);
  u[0] = (0u ^ 1u) << 10;
  u[96] = 'a' | (1u << 8) | ((96u ^ 2u) << 10);
  u[2] = 0x80000000u | value;
  return u;
}

void ExpectRefused(const Result<PrecompiledCharsmap>& r, const std::string& needle) {
  ASSERT_FALSE(r.ok()) << "accepted; wanted an error naming: " << needle;
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("precompiled_charsmap"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find(needle), std::string::npos) << r.status().message();
}

TEST(PrecompiledCharsmap, MatchesTheIndependentPythonNormalization) {
  auto map = PrecompiledCharsmap::FromBase64(Written()["charsmap"].get<std::string>());
  ASSERT_TRUE(map.ok()) << map.status().ToString();
  EXPECT_GT(Written()["rules"].get<int>(), 500);
  ASSERT_GE(Written()["cases"].size(), 10u);
  for (const auto& c : Written()["cases"]) {
    EXPECT_EQ(map->Normalize(c[0].get<std::string>()), c[1].get<std::string>()) << c[0];
  }
}

TEST(PrecompiledCharsmap, AppliesRulesPerGraphemeClusterAsTokenizersDoes) {
  auto map = PrecompiledCharsmap::FromBase64(Written()["charsmap"].get<std::string>());
  ASSERT_TRUE(map.ok()) << map.status().ToString();
  auto n = [&](const std::string& s) { return map->Normalize(s); };
  // Single code points (NFKC rules, whitespace, controls) and pass-through.
  EXPECT_EQ(n("\uFB01 \uFB03"), "fi ffi");  // "fi" is stored inside "ffi\0" (an offset mid-string)
  EXPECT_EQ(n("\uFF21\uFF22\u2460x"), "AB1x");
  EXPECT_EQ(n("a\u3000b\tc\x07" "d\u200Be"), "a b cde");
  EXPECT_EQ(n("caf\u00E9 \u65E5\u672C \u00C5"), "caf\u00E9 \u65E5\u672C \u00C5");  // no rules: kept
  EXPECT_EQ(n(std::string("x\0\uFF21", 5)), std::string("x\0A", 3));       // NUL ends a key: kept
  // CR LF is one cluster: the shortest key ("\r" -> " ") replaces both bytes.
  EXPECT_EQ(n("a\r\nb"), "a b");
  EXPECT_EQ(n("a\n\rb"), "a  b");
  // A cluster under 6 bytes is looked up whole: a multi-character key ...
  EXPECT_EQ(n("e\u0301"), "\u00E9");
  // ... where the SHORTEST matching key wins and replaces the whole cluster ("ℌ́" has its own rule
  // but "ℌ" -> "H" is shorter; "Ａ́" loses its accent).
  EXPECT_EQ(n("\u210C\u0301"), "H");
  EXPECT_EQ(n("\uFF21\u0301"), "A");
  // A cluster of 6 bytes or more goes code point by code point: the "ｶﾞ" -> "ガ" rule is unused.
  EXPECT_EQ(n("\uFF76\uFF9E"), "\u30AB\u3099");
  EXPECT_EQ(n("\uFF21\u0301\u0301"), "A\u0301\u0301");
  EXPECT_EQ(n("\U0001F468\u200D\U0001F469"), "\U0001F468 \U0001F469");  // ZWJ -> " " inside an emoji cluster
  // Keys spanning two clusters never match.
  EXPECT_EQ(n("\u2460\u2461"), "12");
}

TEST(PrecompiledCharsmap, EmptyMapIsTheIdentity) {
  auto map = PrecompiledCharsmap::FromBase64("");
  ASSERT_TRUE(map.ok()) << map.status().ToString();
  EXPECT_TRUE(map->identity());
  EXPECT_EQ(map->Normalize("\uFF21\t\x07"), "\uFF21\t\x07");
  EXPECT_FALSE(map->Transform("\uFF21").has_value());
}

TEST(PrecompiledCharsmap, HandBuiltTrieLooksUpTheShortestPrefix) {
  auto map = PrecompiledCharsmap::FromBlob(Blob(OneRule(3), std::string("xy\0z\0", 5)));
  ASSERT_TRUE(map.ok()) << map.status().ToString();
  EXPECT_EQ(map->Transform("abc").value_or("-"), "z");
  EXPECT_FALSE(map->Transform("ba").has_value());
  EXPECT_EQ(map->Normalize("banana"), "bznznz");
}

TEST(PrecompiledCharsmap, MalformedBlobsAreRefusedAtLoad) {
  const std::string strings("x\0", 2);
  ExpectRefused(PrecompiledCharsmap::FromBlob(std::string("\x04\x00\x00", 3)), "truncated");
  ExpectRefused(PrecompiledCharsmap::FromBlob(Blob(OneRule(0), strings, 4096)), "trie size 4096 goes beyond");
  ExpectRefused(PrecompiledCharsmap::FromBlob(Blob(OneRule(0), strings, 1022)), "multiple of 4");
  ExpectRefused(PrecompiledCharsmap::FromBlob(Blob(OneRule(0), strings, 0)), "multiple of 4");
  ExpectRefused(PrecompiledCharsmap::FromBlob(Blob(OneRule(2), strings)), "offset 2 is outside the 2-byte strings");
  ExpectRefused(PrecompiledCharsmap::FromBlob(Blob(OneRule(0), "")), "outside the 0-byte strings");
  ExpectRefused(PrecompiledCharsmap::FromBlob(Blob(OneRule(1), std::string("\u00E9\0", 3))),
                "inside a UTF-8 character");
  ExpectRefused(PrecompiledCharsmap::FromBlob(Blob(OneRule(0), std::string("\xFF\0", 2))), "not UTF-8");
  std::vector<uint32_t> units = OneRule(0);
  units[96] = 'a' | (1u << 8) | ((96u ^ 300u) << 10);  // the value unit would be at 300 of 256
  ExpectRefused(PrecompiledCharsmap::FromBlob(Blob(units, strings)), "outside the trie");
}

TEST(PrecompiledCharsmap, SharedAndCyclicNodesAreWalkedOnce) {
  // darts-clone shares suffixes, so a unit can be reached on several paths; a malformed cycle
  // ('a' leading back to the root's base) must neither hang the check nor a lookup.
  std::vector<uint32_t> units = OneRule(0);
  units[96] = 'a' | ((96u ^ 1u) << 10);
  auto map = PrecompiledCharsmap::FromBlob(Blob(units, std::string("x\0", 2)));
  ASSERT_TRUE(map.ok()) << map.status().ToString();
  EXPECT_EQ(map->Normalize(std::string(1000, 'a')), std::string(1000, 'a'));
}

TEST(PrecompiledCharsmap, DamagedRealCharsmapsAreRefused) {
  const std::string blob = Base64Decode(Written()["charsmap"].get<std::string>());
  ASSERT_GT(blob.size(), 1024u);
  auto byte = [&](size_t i) { return static_cast<uint32_t>(static_cast<uint8_t>(blob[i])); };
  const uint32_t trie = byte(0) | byte(1) << 8 | byte(2) << 16 | byte(3) << 24;
  ASSERT_TRUE(PrecompiledCharsmap::FromBlob(blob).ok());
  ExpectRefused(PrecompiledCharsmap::FromBlob(blob.substr(0, 4 + trie / 2)), "goes beyond");
  const size_t first_end = blob.find('\0', 4 + trie) + 1;  // keep only the first replacement string
  ExpectRefused(PrecompiledCharsmap::FromBlob(blob.substr(0, first_end)),
                "is outside the " + std::to_string(first_end - 4 - trie) + "-byte strings blob");
  ExpectRefused(PrecompiledCharsmap::FromBlob(blob.substr(0, 2)), "truncated");
}

TEST(PrecompiledCharsmap, BadBase64IsRefused) {
  const std::string good = Written()["charsmap"].get<std::string>();
  ExpectRefused(PrecompiledCharsmap::FromBase64(good.substr(0, good.size() - 1)), "base64");
  ExpectRefused(PrecompiledCharsmap::FromBase64("AA!A" + good.substr(4)), "base64");
  ExpectRefused(PrecompiledCharsmap::FromBase64("A=AA" + good.substr(4)), "base64");
  ExpectRefused(PrecompiledCharsmap::FromBase64("AAAA===="), "base64");
  ExpectRefused(PrecompiledCharsmap::FromBase64("AAB="), "base64");  // non-zero bits after the last byte
  ExpectRefused(PrecompiledCharsmap::FromBase64("AAAA"), "truncated");  // 3 bytes: no trie size
}

}  // namespace
}  // namespace exemplar::embed::local

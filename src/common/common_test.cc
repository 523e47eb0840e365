#include <gtest/gtest.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <random>
#include <set>

#include "common/config.h"
#include "common/ids.h"
#include "common/json_util.h"
#include "common/sha256.h"
#include "common/time.h"

namespace exemplar {
namespace {

TEST(Ids, UuidsAreValidAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = NewUuid();
    EXPECT_TRUE(IsUuid(id)) << id;
    EXPECT_EQ(id[14], '4');
    EXPECT_TRUE(seen.insert(id).second);
  }
  EXPECT_FALSE(IsUuid("not-a-uuid"));
  EXPECT_FALSE(IsUuid("123e4567-e89b-12d3-a456-42661417400"));
  EXPECT_FALSE(IsUuid("123e4567-e89b-12d3-a456-4266141740001"));
  EXPECT_FALSE(IsUuid("123e4567Xe89b-12d3-a456-426614174000"));
}

// The digit-by-digit formatter writes what gmtime_r + snprintf wrote, over the whole range
// timestamps take (before 1970 included) and at day, month, year and leap boundaries.
TEST(Time, FormatRfc3339MatchesGmtime) {
  auto reference = [](int64_t millis) {
    std::time_t secs = static_cast<std::time_t>(millis / 1000);
    int ms = static_cast<int>(millis % 1000);
    if (ms < 0) {
      ms += 1000;
      secs -= 1;
    }
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
    return std::string(buf);
  };
  std::mt19937_64 rng(3);
  std::uniform_int_distribution<int64_t> any(-62'135'596'800'000, 253'402'300'799'999);  // 0001–9999
  for (int i = 0; i < 200000; ++i) {
    const int64_t t = any(rng);
    ASSERT_EQ(FormatRfc3339(t), reference(t)) << t;
  }
  for (int64_t day = -800; day < 800; ++day) {  // around the epoch, every day and its edges
    for (int64_t t : {day * kMillisPerDay, day * kMillisPerDay - 1, day * kMillisPerDay + 999}) {
      ASSERT_EQ(FormatRfc3339(t), reference(t)) << t;
    }
  }
  EXPECT_EQ(FormatRfc3339(951'782'400'000), "2000-02-29T00:00:00.000Z");
  char buf[kRfc3339BufferSize];
  EXPECT_EQ(std::string_view(buf, FormatRfc3339(951'782'400'000, buf)), "2000-02-29T00:00:00.000Z");
  EXPECT_EQ(std::string_view(buf, FormatRfc3339(253'402'300'800'000, buf)), FormatRfc3339(253'402'300'800'000));
  EXPECT_EQ(FormatRfc3339(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatDate(1'795'000'000'000), "2026-11-18");
}

TEST(Time, RoundTripsRfc3339) {
  int64_t t = 1795740497123;  // 2026-11-27T...
  std::string s = FormatRfc3339(t);
  EXPECT_EQ(s.back(), 'Z');
  EXPECT_EQ(ParseRfc3339(s), t);
  EXPECT_EQ(ParseRfc3339("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseRfc3339("1970-01-01T01:00:00+01:00"), 0);
  EXPECT_EQ(FormatDate(0), "1970-01-01");
  EXPECT_FALSE(ParseRfc3339("yesterday").has_value());
  EXPECT_FALSE(ParseRfc3339("2026-13-01T00:00:00Z").has_value());
}

TEST(JsonBody, MalformedIs400AndDeepIs422) {
  auto bad = ParseJsonBody("{\"a\": ");
  EXPECT_EQ(bad.status().code(), Code::kMalformed);
  std::string deep(40, '[');
  deep += std::string(40, ']');
  auto too_deep = ParseJsonBody(deep);
  EXPECT_EQ(too_deep.status().code(), Code::kInvalidArgument);
  auto ok = ParseJsonBody(R"({"a": "[[[[ not nesting", "b": [1,2]})");
  EXPECT_TRUE(ok.ok());
  std::string big = "{\"s\":\"" + std::string(70000, 'x') + "\"}";
  EXPECT_EQ(ParseJsonBody(big).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ParseJsonBody("{\"s\":\"\xff\"}").status().code(), Code::kMalformed);
}

// SPEC §3: nesting <= 32. Objects and arrays count; a scalar leaf inside the 32nd level does not
// make a 33rd. Checked on both paths: a request body and already parsed content.
TEST(JsonBody, NestingOf32IsAcceptedAnd33Refused) {
  auto nested = [](int levels) { return std::string(levels, '[') + "1" + std::string(levels, ']'); };
  auto thirty_two = ParseJsonBody(nested(32));
  EXPECT_TRUE(thirty_two.ok()) << thirty_two.status().message();
  auto thirty_three = ParseJsonBody(nested(33));
  ASSERT_EQ(thirty_three.status().code(), Code::kInvalidArgument);
  EXPECT_NE(thirty_three.status().message().find("deeper than 32"), std::string::npos);
  EXPECT_TRUE(ParseJsonBody(std::string(32, '[') + std::string(32, ']')).ok());

  auto object_nested = [](int levels) {
    Json v = "leaf";
    for (int i = 0; i < levels; ++i) v = Json{{"a", v}};
    return v;
  };
  Status ok = CheckJsonLimits(object_nested(32), JsonLimits{}, {"body", "input"});
  EXPECT_TRUE(ok.ok()) << ok.message();
  EXPECT_TRUE(CheckJsonLimits(Json::parse(nested(32)), JsonLimits{}, {"body"}).ok());
  EXPECT_EQ(CheckJsonLimits(object_nested(33), JsonLimits{}, {"body", "input"}).code(), Code::kInvalidArgument);
  EXPECT_EQ(CheckJsonLimits(Json::parse(nested(33)), JsonLimits{}, {"body"}).code(), Code::kInvalidArgument);
}

// An object holds at most 1,000 keys, in a body (the parse stops at the first key over the
// limit) and in content parsed elsewhere; the 422 names where the object is.
TEST(JsonBody, ObjectsHoldAtMost1000Keys) {
  auto object_of = [](int keys) {
    Json o = Json::object();
    for (int i = 0; i < keys; ++i) o["k" + std::to_string(i)] = i;
    return o;
  };
  EXPECT_TRUE(ParseJsonBody(Json{{"input", object_of(1000)}}.dump()).ok());
  auto crowded = ParseJsonBody(Json{{"a", Json::array({1, Json{{"b", object_of(1001)}}})}}.dump());
  ASSERT_EQ(crowded.status().code(), Code::kInvalidArgument);
  ASSERT_EQ(crowded.status().field_errors().size(), 1u);
  const FieldError& e = crowded.status().field_errors()[0];
  EXPECT_EQ(e.loc, (std::vector<std::string>{"body", "a", "1", "b"}));
  EXPECT_EQ(e.type, "value_error.dict.max_keys");
  EXPECT_NE(e.msg.find("more than 1000 keys"), std::string::npos) << e.msg;
  EXPECT_EQ(ParseJsonBody(object_of(1001).dump()).status().field_errors().at(0).loc,
            std::vector<std::string>{"body"});

  EXPECT_TRUE(CheckJsonLimits(object_of(1000), JsonLimits{}, {"body", "input"}).ok());
  Status content = CheckJsonLimits(Json{{"q", object_of(1001)}}, JsonLimits{}, {"body", "input"});
  ASSERT_EQ(content.code(), Code::kInvalidArgument);
  EXPECT_EQ(content.field_errors().at(0).loc, (std::vector<std::string>{"body", "input", "q"}));
  EXPECT_EQ(content.field_errors().at(0).type, "value_error.dict.max_keys");
}

// What the parser would change silently is refused: a repeated key (it keeps the last) and an
// integer beyond 64 bits (it keeps a double near it). Everything else is kept as sent.
TEST(JsonBody, RepeatedKeysAndIntegersBeyond64BitsAre422) {
  auto twice = ParseJsonBody(R"({"input": {"q": "A"}, "input": {"q": "B"}})");
  ASSERT_EQ(twice.status().code(), Code::kInvalidArgument);
  EXPECT_NE(twice.status().message().find("input"), std::string::npos);
  EXPECT_EQ(ParseJsonBody(R"({"a": {"k": 1, "k": 2}})").status().code(), Code::kInvalidArgument);
  EXPECT_TRUE(ParseJsonBody(R"({"a": {"k": 1}, "b": {"k": 1}, "c": [{"k": 1}, {"k": 2}]})").ok());
  EXPECT_EQ(ParseJsonBody(R"({"n": 123456789012345678901234567890})").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ParseJsonBody(R"({"n": -9223372036854775809})").status().code(), Code::kInvalidArgument);
  auto edges = ParseJsonBody(R"({"a": 18446744073709551615, "b": -9223372036854775808, "c": 1.5e300, "d": "123456789012345678901234567890", "e": -0.5})");
  ASSERT_TRUE(edges.ok()) << edges.status().message();
  EXPECT_EQ((*edges)["a"].get<uint64_t>(), 18446744073709551615ULL);
  EXPECT_EQ((*edges)["b"].get<int64_t>(), INT64_MIN);
}

TEST(JsonReader, CollectsTypedFieldErrors) {
  Json body = Json::parse(R"({"k": "ten", "score": 1.5, "tags": ["a", 3], "mode": "fuzzy", "ok": true})");
  Validation v;
  JsonReader r(body, v);
  EXPECT_FALSE(r.Int("k", 1, 100));
  EXPECT_FALSE(r.Number("score", 0.0, 1.0));
  EXPECT_FALSE(r.StringList("tags"));
  EXPECT_FALSE(r.Enum("mode", {"vector", "keyword"}));
  EXPECT_EQ(r.Bool("ok"), true);
  EXPECT_FALSE(r.String("missing"));
  ASSERT_EQ(v.errors().size(), 4u);
  EXPECT_EQ(v.errors()[0].loc, (std::vector<std::string>{"body", "k"}));
  EXPECT_EQ(v.errors()[2].loc, (std::vector<std::string>{"body", "tags", "1"}));
}

TEST(Config, PrecedenceFileThenEnvThenFlags) {
  std::string path = ::testing::TempDir() + "/exemplar_cfg_test.toml";
  {
    std::ofstream f(path);
    f << "port = 9001\ndata_dir = \"/from/file\"\n[embedding]\nembed_batch_size = 16\n";
  }
  Config c;
  ASSERT_TRUE(c.LoadToml(path).ok());
  EXPECT_EQ(c.port, 9001);
  EXPECT_EQ(c.embed_batch_size, 16);
  ASSERT_TRUE(c.LoadEnv({{"EXEMPLAR_PORT", "9002"}, {"OTHER", "x"}}).ok());
  EXPECT_EQ(c.port, 9002);
  EXPECT_EQ(c.data_dir, "/from/file");
  ASSERT_TRUE(c.Set("port", "9003").ok());
  EXPECT_EQ(c.port, 9003);
  EXPECT_FALSE(c.Set("port", "70000").ok());
  EXPECT_FALSE(c.Set("nope", "1").ok());
  EXPECT_FALSE(c.LoadEnv({{"EXEMPLAR_PORT", "abc"}}).ok());
  std::remove(path.c_str());
}

TEST(Config, VectorStorageFromTomlAndFlagsOnlyKnownModes) {
  Config c;
  EXPECT_EQ(c.vector_storage, "int8");  // the default (compact codes, re-ranked in f32)
  std::string path = ::testing::TempDir() + "/exemplar_cfg_vs.toml";
  {
    std::ofstream f(path);
    f << "[index]\nvector_storage = \"int8\"\n";
  }
  ASSERT_TRUE(c.LoadToml(path).ok());
  EXPECT_EQ(c.vector_storage, "int8");
  ASSERT_TRUE(c.Set("vector_storage", "f16").ok());
  EXPECT_EQ(c.vector_storage, "f16");
  const Status bad = c.Set("vector_storage", "f64");
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("vector_storage"), std::string::npos);
  EXPECT_EQ(c.vector_storage, "f16");
  std::remove(path.c_str());
}

TEST(Config, MemoryKeysHaveDefaultsAndBounds) {
  Config c;
  EXPECT_EQ(c.sqlite_cache_mb, 16);
  EXPECT_EQ(c.sqlite_reader_cache_mb, 4);
  EXPECT_EQ(c.memory_release_mb, 32);
  std::string path = ::testing::TempDir() + "/exemplar_cfg_memory.toml";
  {
    std::ofstream f(path);
    f << "sqlite_cache_mb = 48\n[storage]\nsqlite_reader_cache_mb = 8\n";
  }
  ASSERT_TRUE(c.LoadToml(path).ok());
  EXPECT_EQ(c.sqlite_cache_mb, 48);
  EXPECT_EQ(c.sqlite_reader_cache_mb, 8);
  ASSERT_TRUE(c.LoadEnv({{"EXEMPLAR_MEMORY_RELEASE_MB", "0"}}).ok());
  EXPECT_EQ(c.memory_release_mb, 0);  // 0 = never release
  const Status zero = c.Set("sqlite_cache_mb", "0");
  EXPECT_FALSE(zero.ok());
  EXPECT_NE(zero.message().find("sqlite_cache_mb"), std::string::npos);
  EXPECT_FALSE(c.Set("sqlite_reader_cache_mb", "-1").ok());
  EXPECT_FALSE(c.Set("memory_release_mb", "lots").ok());
  EXPECT_EQ(c.sqlite_cache_mb, 48);
  std::remove(path.c_str());
}

// Retention of usage evidence (review s22): days and a count, each 0 for "no bound"; a negative
// value, which would read as "prune everything" or nothing at all, is refused by the key's name.
TEST(Config, UsageRetentionKeysRefuseNegativeValues) {
  Config c;
  EXPECT_EQ(c.usage_retention_days, 90);
  EXPECT_EQ(c.max_retrievals_kept, 1'000'000);
  EXPECT_EQ(c.max_usage_events_kept, 10'000'000);
  for (const char* key : {"usage_retention_days", "max_retrievals_kept", "max_usage_events_kept"}) {
    const Status negative = c.Set(key, "-1");
    EXPECT_FALSE(negative.ok()) << key;
    EXPECT_NE(negative.message().find(key), std::string::npos) << negative.message();
    EXPECT_FALSE(c.Set(key, "ten").ok()) << key;
    EXPECT_TRUE(c.Set(key, "0").ok()) << key;
  }
  ASSERT_TRUE(c.LoadEnv({{"EXEMPLAR_USAGE_RETENTION_DAYS", "7"}, {"EXEMPLAR_MAX_RETRIEVALS_KEPT", "5000"}}).ok());
  EXPECT_EQ(c.usage_retention_days, 7);
  EXPECT_EQ(c.max_retrievals_kept, 5000);
  EXPECT_FALSE(c.LoadEnv({{"EXEMPLAR_MAX_RETRIEVALS_KEPT", "-3"}}).ok());
}

// The keyed tables an operator writes: LM providers and proxy roles keep their path.
TEST(Config, LmProvidersAndProxyRolesFromToml) {
  std::string path = ::testing::TempDir() + "/exemplar_cfg_providers.toml";
  {
    std::ofstream f(path);
    f << "trusted_proxy = true\nallowed_hosts = \".databricksapps.com\"\n"
         "[lm_providers.databricks]\nbase_url = \"https://ws.example/serving-endpoints\"\n"
         "model = \"llama\"\nallowed_models = [\"llama\", \"claude\"]\napi_key_env = \"DATABRICKS_TOKEN\"\n"
         "max_retries = 2\n"
         "[proxy_roles]\n\"Ana@Example.com\" = \"write\"\n\"*@admins.example\" = \"admin\"\n";
  }
  Config c;
  Status st = c.LoadToml(path);
  ASSERT_TRUE(st.ok()) << st.ToString();
  ASSERT_TRUE(c.Validate().ok());
  ASSERT_EQ(c.lm_providers.count("databricks"), 1u);
  const LmProviderConfig& p = c.lm_providers["databricks"];
  EXPECT_EQ(p.base_url, "https://ws.example/serving-endpoints");
  EXPECT_EQ(p.allowed_models, (std::vector<std::string>{"llama", "claude"}));
  EXPECT_EQ(p.api_key_env, "DATABRICKS_TOKEN");
  EXPECT_EQ(p.max_retries, 2);
  EXPECT_EQ(c.proxy_roles["ana@example.com"], "write");  // emails compare case-insensitively
  EXPECT_EQ(c.proxy_roles["*@admins.example"], "admin");
  EXPECT_TRUE(c.trusted_proxy);
  EXPECT_EQ(c.allowed_hosts, ".databricksapps.com");
  // Mistakes are named.
  EXPECT_FALSE(c.Set("lm_providers.offline.base_url", "http://x").ok());  // built in
  EXPECT_FALSE(c.Set("lm_providers.x.base_url", "ftp://x").ok());
  EXPECT_FALSE(c.Set("lm_providers.x.colour", "red").ok());
  EXPECT_FALSE(c.Set("proxy_roles.bob@example.com", "boss").ok());
  Config missing;
  ASSERT_TRUE(missing.Set("lm_providers.y.model", "m").ok());
  EXPECT_FALSE(missing.Validate().ok());  // no base_url
  std::remove(path.c_str());
}

// TOML floats are numbers: a key taking a fraction reads them; an integer key refuses them by name.
TEST(Config, TomlFloatsWhereAKeyTakesANumber) {
  std::string path = ::testing::TempDir() + "/exemplar_cfg_floats.toml";
  {
    std::ofstream f(path);
    f << "rate_limit_rps = 2.5\n[limits]\nrate_limit_burst = 10.0\n";
  }
  Config c;
  Status st = c.LoadToml(path);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_DOUBLE_EQ(c.rate_limit_rps, 2.5);
  EXPECT_DOUBLE_EQ(c.rate_limit_burst, 10.0);
  {
    std::ofstream f(path);
    f << "port = 8080.0\n";
  }
  Config bad;
  st = bad.LoadToml(path);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("port: expected an integer"), std::string::npos) << st.message();
  std::remove(path.c_str());
}

// spdlog reads an unknown level as "off": the config refuses it, naming the levels.
TEST(Config, LogLevelIsOneSpdlogKnows) {
  Config c;
  for (const char* level : {"trace", "debug", "info", "warn", "error", "critical", "off"}) {
    EXPECT_TRUE(c.Set("log_level", level).ok()) << level;
  }
  const Status bad = c.LoadEnv({{"EXEMPLAR_LOG_LEVEL", "bogus"}});
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("log_level"), std::string::npos) << bad.message();
  EXPECT_NE(bad.message().find("'bogus'"), std::string::npos) << bad.message();
  EXPECT_EQ(c.log_level, "off");
}


// List-valued keys took anything: a malformed CIDR prefix trusted every peer, a host name or an
// IP that is not one never matched, an origin with a path never matched. Each item is checked at
// start, and the error names the key and the item.
TEST(Config, ListKeysRefuseEntriesThatCouldNeverMatchOrMatchEveryone) {
  auto refused = [](const std::string& key, const std::string& value) {
    Config c;
    Status st = c.Set(key, value);
    EXPECT_FALSE(st.ok()) << key << " = " << value;
    EXPECT_NE(st.message().find("config " + key), std::string::npos) << st.message();
    return st.message();
  };
  for (const char* bad : {"10.0.0.0/", "10.0.0.0/l6", "10.0.0.0/abc", "10.0.0.0/33", "::/129", "localhost", "300.1.1.1",
                          "127.0.0.1, 10.0.0.0/-1"}) {
    refused("trusted_proxy_addresses", bad);
  }
  EXPECT_NE(refused("trusted_proxy_addresses", "10.0.0.0/l6").find("'10.0.0.0/l6'"), std::string::npos);
  for (const char* bad : {"bad host name!", "example.com:8080", "https://app.example", "a..b", "."}) {
    refused("allowed_hosts", bad);
  }
  for (const char* bad : {"not a url", "https://ui.example/", "ftp://ui.example", "https://", "ui.example",
                          "https://UI.Example.com", "https://*.example.org", "https://ui.example:99999",
                          "https://ui.example:", "http://ui.example:0"}) {
    refused("cors_origins", bad);
  }
  refused("rate_limit_burst", "0.5");
  Config c;
  EXPECT_TRUE(c.Set("trusted_proxy_addresses", "10.0.0.0/8, ::1, fd00::/8, 192.168.1.7").ok());
  EXPECT_TRUE(c.Set("trusted_proxy_addresses", "*").ok());
  EXPECT_TRUE(c.Set("allowed_hosts", "app.example, .corp.example, *").ok());
  EXPECT_TRUE(c.Set("cors_origins", "https://ui.example, http://localhost:5173, http://[::1]:8080, *").ok());
  EXPECT_TRUE(c.Set("rate_limit_burst", "0").ok());
  EXPECT_TRUE(c.Set("rate_limit_burst", "1").ok());
  EXPECT_TRUE(c.Set("rate_limit_rps", "0.3").ok());
}

// A mistyped EXEMPLAR_* variable was ignored in silence (an unknown file key is an error): the
// CLI names it with the nearest variable. The scripts' own variables are not named.
TEST(Config, UnknownEnvNamesComeWithAHint) {
  Config c;
  c.lm_providers["gateway"].api_key_env = "EXEMPLAR_GATEWAY_KEY";
  const auto names = c.UnknownEnvNames({{"EXEMPLAR_RATE_LIMIT", "1"},
                                              {"EXEMPLAR_EMBED_API_KEY", "sk-1"},  // embed_api_key_env's default
                                              {"EXEMPLAR_GATEWAY_KEY", "sk-2"},
                                              {"EXEMPLAR_AUTH_MODE", "required"},
                                              {"EXEMPLAR_PROT", "9"},
                                              {"EXEMPLAR_PORT", "8080"},
                                              {"EXEMPLAR_JOBS", "2"},
                                              {"EXEMPLAR_CONFIG", "x.toml"},
                                              {"PATH", "/bin"}});
  ASSERT_EQ(names.size(), 3u) << ::testing::PrintToString(names);
  EXPECT_EQ(names[0], "EXEMPLAR_AUTH_MODE (did you mean EXEMPLAR_AUTH?)");
  EXPECT_EQ(names[1], "EXEMPLAR_PROT (did you mean EXEMPLAR_PORT?)");
  EXPECT_EQ(names[2], "EXEMPLAR_RATE_LIMIT (did you mean EXEMPLAR_RATE_LIMIT_BURST or EXEMPLAR_RATE_LIMIT_RPS?)");
}

// The streamed digest (a snapshot's hf_info checksum, written a page at a time) is the digest of
// the pieces joined; both are checked against the known digest of "abc" (FIPS 180-2).
TEST(Sha256, StreamedPiecesDigestAsTheWhole) {
  const std::string abc_digest = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
  EXPECT_EQ(Sha256Hex("abc"), abc_digest);
  Sha256Stream pieces;
  for (const char* piece : {"a", "", "bc"}) pieces.Update(piece);
  EXPECT_EQ(pieces.HexDigest(), abc_digest);
  Sha256Stream empty;
  EXPECT_EQ(empty.HexDigest(), Sha256Hex(""));
}

}  // namespace
}  // namespace exemplar

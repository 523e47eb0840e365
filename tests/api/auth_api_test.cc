// Auth (SPEC §5, issue 10): beyond loopback, anonymous writes get 401, reader tokens writing get
// 403, agent tokens only retrieve and report, revoked tokens 401; rate limits answer 429 with Retry-After; trusted-proxy users are recorded.
#include <gtest/gtest.h>

#include <tuple>

#include "common/ids.h"
#include "service/auth/auth.h"
#include "testing/test_server.h"

namespace exemplar::testing {
namespace {

Config NonLoopback() {
  Config c;
  c.host = "0.0.0.0";  // auth "auto" → required
  return c;
}

httplib::Headers Bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

TEST(AuthApi, NonLoopbackServerRequiresTokensWithRoles) {
  TestServer server(NonLoopback());
  auto& auth = server.runtime().auth();
  std::string reader = auth.CreateToken(service::Role::kRead, "reader")->second;
  std::string writer = auth.CreateToken(service::Role::kWrite, "writer")->second;
  Json ex = MakeExample("needs auth");

  auto anon = server.Post("/api/v1/examples", ex);
  EXPECT_EQ(anon.status, 401);
  EXPECT_EQ(anon.body["code"], "unauthenticated");
  EXPECT_EQ(server.Get("/api/v1/examples").status, 401);
  EXPECT_EQ(server.Send("POST", "/api/v1/examples", ex, Bearer("exm_wrong")).status, 401);
  EXPECT_EQ(server.Send("POST", "/api/v1/examples", ex, {{"Authorization", "Basic abc"}}).status, 401);
  {  // RFC 9110 §11.6.1: a 401 says which scheme to use.
    httplib::Client cli("127.0.0.1", server.port());
    auto r = cli.Get("/api/v1/examples");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 401);
    EXPECT_EQ(r->get_header_value("WWW-Authenticate"), "Bearer realm=\"exemplar\"");
  }

  auto denied = server.Send("POST", "/api/v1/examples", ex, Bearer(reader));
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(denied.body["code"], "permission_denied");
  EXPECT_EQ(server.Send("GET", "/api/v1/examples", nullptr, Bearer(reader)).status, 200);
  EXPECT_EQ(server.Send("POST", "/api/v1/examples/search", {{"query_text", "x"}}, Bearer(reader)).status, 200);

  auto created = server.Send("POST", "/api/v1/examples", ex, Bearer(writer));
  ASSERT_EQ(created.status, 201);
  EXPECT_EQ(created.body["created_by"], "writer");
  EXPECT_EQ(server.Send("POST", "/api/v1/examples/regenerate-embeddings", Json::object(), Bearer(writer)).status, 403);
  EXPECT_EQ(server.Get("/healthz").status, 200);
  // Anyone may probe readiness; with tokens required it says no more than that (it told anyone the
  // store's size and embedding model).
  auto ready = server.Get("/readyz");
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(ready.body, Json({{"status", "ready"}})) << ready.raw;
  // An unknown query parameter was a 422 listing the route's parameters before the token was
  // asked for; the caller without one gets the 401 first.
  auto unknown = server.Get("/api/v1/templates?access_token=x");
  EXPECT_EQ(unknown.status, 401) << unknown.raw;
  EXPECT_EQ(unknown.raw.find("this route takes"), std::string::npos) << unknown.raw;
  EXPECT_EQ(server.Send("GET", "/api/v1/templates?access_token=x", nullptr, Bearer(reader)).status, 422);

  auto tokens = *auth.ListTokens();
  for (const auto& t : tokens) EXPECT_EQ(t.token_hash.find(writer), std::string::npos);  // only hashes stored
  std::string writer_id;
  for (const auto& t : tokens) {
    if (t.name == "writer") writer_id = t.id;
  }
  ASSERT_TRUE(auth.RevokeToken(writer_id).ok());
  EXPECT_EQ(server.Send("GET", "/api/v1/examples", nullptr, Bearer(writer)).status, 401);
  // Nothing was written by the refused requests.
  EXPECT_EQ(server.Send("GET", "/api/v1/examples", nullptr, Bearer(reader)).body["total"], 1);
}

// An agent's token reads, retrieves and reports outcomes (usage evidence), and changes nothing
// else: a leaked agent token cannot edit, delete or optimize. Read is below it, write above it.
TEST(AuthApi, AgentTokenRetrievesAndReportsButEditsNothing) {
  TestServer server(NonLoopback());
  auto& auth = server.runtime().auth();
  std::string reader = auth.CreateToken(service::Role::kRead, "reader")->second;
  std::string agent = auth.CreateToken(service::Role::kAgent, "support-bot")->second;
  std::string writer = auth.CreateToken(service::Role::kWrite, "writer")->second;
  auto created = server.Send("POST", "/api/v1/examples", MakeExample("fan bearing noise at high load"), Bearer(writer));
  ASSERT_EQ(created.status, 201);
  const std::string id = created.body["example_id"];

  Json query = {{"query", "fan bearing noise"}, {"k", 2}};
  auto refused = server.Send("POST", "/api/v1/examples/retrieve", query, Bearer(reader));
  EXPECT_EQ(refused.status, 403);
  EXPECT_NE(refused.body["detail"].get<std::string>().find("needs agent"), std::string::npos) << refused.raw;

  auto got = server.Send("POST", "/api/v1/examples/retrieve", query, Bearer(agent));
  ASSERT_EQ(got.status, 200) << got.raw;
  ASSERT_EQ(got.body["examples"].size(), 1u);
  EXPECT_EQ(got.body["examples"][0]["example_id"], id);
  auto outcome = server.Send("POST", "/api/v1/examples/outcome",
                             {{"retrieval_id", got.body["retrieval_id"]}, {"outcome", "success"}}, Bearer(agent));
  EXPECT_EQ(outcome.status, 200) << outcome.raw;
  EXPECT_EQ(server.Send("POST", "/api/v1/examples/" + id + "/track", {{"outcome", "failure"}}, Bearer(agent)).status, 204);
  EXPECT_EQ(server.Send("POST", "/api/v1/agents/examples/retrieve", query, Bearer(agent)).status, 200);
  EXPECT_EQ(server.Send("GET", "/api/v1/examples/" + id, nullptr, Bearer(agent)).status, 200);
  EXPECT_EQ(server.Send("POST", "/api/v1/examples/search", {{"query_text", "fan"}}, Bearer(agent)).status, 200);

  auto edit = server.Send("PUT", "/api/v1/examples/" + id, {{"domain", "hijacked"}}, Bearer(agent));
  EXPECT_EQ(edit.status, 403);
  EXPECT_NE(edit.body["detail"].get<std::string>().find("role (agent)"), std::string::npos) << edit.raw;
  EXPECT_EQ(server.Send("POST", "/api/v1/examples", MakeExample("planted by an agent"), Bearer(agent)).status, 403);
  EXPECT_EQ(server.Send("DELETE", "/api/v1/examples/" + id, nullptr, Bearer(agent)).status, 403);
  EXPECT_EQ(server.Send("POST", "/api/v1/templates", {{"name", "t"}}, Bearer(agent)).status, 403);
  EXPECT_EQ(server.Send("POST", "/api/v1/dspy-runs", {{"template_id", id}}, Bearer(agent)).status, 403);

  // The example is as the writer left it, with the agent's evidence: two retrievals and one track.
  auto after = server.Send("GET", "/api/v1/examples/" + id, nullptr, Bearer(reader));
  EXPECT_EQ(after.body["domain"], "general");
  EXPECT_EQ(after.body["version"], 1);
  EXPECT_EQ(after.body["usage_count"], 3);
  // A writer may do what an agent may.
  EXPECT_EQ(server.Send("POST", "/api/v1/examples/retrieve", query, Bearer(writer)).status, 200);
  // The document says which role each route needs.
  Json doc = server.Get("/api/v1/openapi.json").body;
  EXPECT_EQ(doc["paths"]["/api/v1/examples/retrieve"]["post"]["x-required-role"], "agent");
  EXPECT_EQ(doc["paths"]["/api/v1/examples/{id}/track"]["post"]["x-required-role"], "agent");
  EXPECT_EQ(doc["paths"]["/api/v1/examples"]["post"]["x-required-role"], "write");
  EXPECT_EQ(doc["paths"]["/api/v1/audit"]["get"]["x-required-role"], "admin");
  EXPECT_EQ(service::ParseRole("agent"), service::Role::kAgent);
  EXPECT_EQ(service::RoleName(service::Role::kAgent), "agent");
}

// Any agent token moves every example's effectiveness: each retrieval, outcome and track keeps who
// sent it (the audit log's actor), so a team can tell whose evidence an example's score rests on
// (review s22, P2-4). Two named agents, an unnamed token and the local user on loopback.
TEST(AuthApi, UsageEvidenceNamesTheCallerThatSentIt) {
  TestServer server(NonLoopback());
  auto& auth = server.runtime().auth();
  std::string reader = auth.CreateToken(service::Role::kRead, "reader")->second;
  std::string writer = auth.CreateToken(service::Role::kWrite, "writer")->second;
  std::string support = auth.CreateToken(service::Role::kAgent, "support-bot")->second;
  std::string triage = auth.CreateToken(service::Role::kAgent, "triage-bot")->second;
  auto unnamed = *auth.CreateToken(service::Role::kAgent, std::nullopt);
  const std::string unnamed_actor = "token:" + unnamed.first.substr(0, 8);
  auto created = server.Send("POST", "/api/v1/examples", MakeExample("fan bearing noise at high load"), Bearer(writer));
  ASSERT_EQ(created.status, 201);
  const std::string id = created.body["example_id"];
  const Json query = {{"query", "fan bearing noise"}, {"k", 2}};

  // support-bot retrieves and triage-bot reports; then the other way round on the agents' path.
  auto first = server.Send("POST", "/api/v1/examples/retrieve", query, Bearer(support));
  ASSERT_EQ(first.status, 200) << first.raw;
  ASSERT_EQ(first.body["examples"].size(), 1u);
  const std::string rid1 = first.body["retrieval_id"];
  ASSERT_EQ(server.Send("POST", "/api/v1/examples/outcome", {{"retrieval_id", rid1}, {"outcome", "failure"}},
                        Bearer(triage)).status, 200);
  auto second = server.Send("POST", "/api/v1/agents/examples/retrieve", query, Bearer(triage));
  ASSERT_EQ(second.status, 200) << second.raw;
  const std::string rid2 = second.body["retrieval_id"];
  ASSERT_EQ(server.Send("POST", "/api/v1/agents/examples/outcome", {{"retrieval_id", rid2}, {"outcome", "success"}},
                        Bearer(support)).status, 200);
  ASSERT_EQ(server.Send("POST", "/api/v1/examples/" + id + "/track", {{"outcome", "success"}}, Bearer(support)).status,
            204);
  ASSERT_EQ(server.Send("POST", "/api/v1/examples/" + id + "/track?outcome=failure", Json::object(),
                        Bearer(unnamed.second)).status, 204);

  auto r1 = server.Send("GET", "/api/v1/examples/retrievals/" + rid1, nullptr, Bearer(reader));
  ASSERT_EQ(r1.status, 200) << r1.raw;
  EXPECT_EQ(r1.body["actor"], "support-bot") << r1.raw;
  EXPECT_EQ(r1.body["outcome_actor"], "triage-bot") << r1.raw;
  auto r2 = server.Send("GET", "/api/v1/examples/retrievals/" + rid2, nullptr, Bearer(reader));
  EXPECT_EQ(r2.body["actor"], "triage-bot") << r2.raw;
  EXPECT_EQ(r2.body["outcome_actor"], "support-bot") << r2.raw;

  // The example's events, newest first, each with who sent it.
  auto usage = server.Send("GET", "/api/v1/examples/" + id + "/usage", nullptr, Bearer(reader));
  ASSERT_EQ(usage.status, 200) << usage.raw;
  const std::vector<std::tuple<std::string, std::string, std::string>> expected = {
      {"tracked", unnamed_actor, ""}, {"tracked", "support-bot", ""},  {"outcome", "support-bot", rid2},
      {"retrieved", "triage-bot", rid2}, {"outcome", "triage-bot", rid1}, {"retrieved", "support-bot", rid1}};
  const Json& events = usage.body["events"];
  ASSERT_EQ(events.size(), expected.size()) << usage.raw;
  for (size_t i = 0; i < expected.size(); ++i) {
    const auto& [kind, actor, rid] = expected[i];
    EXPECT_EQ(events[i]["kind"], kind) << i << " " << usage.raw;
    EXPECT_EQ(events[i]["actor"], actor) << i << " " << usage.raw;
    if (!rid.empty()) EXPECT_EQ(events[i]["retrieval_id"], rid) << i;
  }
  EXPECT_EQ(events[2]["outcome"], "success");
  EXPECT_EQ(events[4]["outcome"], "failure");
  EXPECT_TRUE(usage.body["next_before_id"].is_null()) << usage.raw;

  // One caller's evidence; pages by before_id.
  auto triaged = server.Send("GET", "/api/v1/examples/" + id + "/usage?actor=triage-bot", nullptr, Bearer(reader));
  ASSERT_EQ(triaged.body["events"].size(), 2u) << triaged.raw;
  auto page1 = server.Send("GET", "/api/v1/examples/" + id + "/usage?limit=4", nullptr, Bearer(reader));
  ASSERT_EQ(page1.body["events"].size(), 4u) << page1.raw;
  const int64_t before = page1.body["next_before_id"].get<int64_t>();
  auto page2 = server.Send("GET", "/api/v1/examples/" + id + "/usage?limit=4&before_id=" + std::to_string(before),
                           nullptr, Bearer(reader));
  ASSERT_EQ(page2.body["events"].size(), 2u) << page2.raw;
  EXPECT_EQ(page2.body["events"][1]["actor"], "support-bot");
  EXPECT_EQ(page2.body["events"][1]["kind"], "retrieved");
  EXPECT_EQ(server.Send("GET", "/api/v1/examples/" + id + "/usage?before_id=0", nullptr, Bearer(reader)).status, 422);
  EXPECT_EQ(server.Send("GET", "/api/v1/examples/" + NewUuid() + "/usage", nullptr, Bearer(reader)).status, 404);
  EXPECT_EQ(server.Get("/api/v1/examples/" + id + "/usage").status, 401);

  // On loopback without tokens the local user sends it, as the audit log names them.
  TestServer local;
  const std::string lid = local.Post("/api/v1/examples", MakeExample("fan bearing noise")).body["example_id"];
  ASSERT_EQ(local.Post("/api/v1/examples/" + lid + "/track", {{"outcome", "partial"}}).status, 204);
  auto mine = local.Get("/api/v1/examples/" + lid + "/usage");
  ASSERT_EQ(mine.body["events"].size(), 1u) << mine.raw;
  EXPECT_EQ(mine.body["events"][0]["actor"], "local") << mine.raw;
}

TEST(AuthApi, RateLimitAnswers429WithRetryAfter) {
  Config c;
  c.rate_limit_rps = 1;
  c.rate_limit_burst = 3;
  TestServer server(c);
  int limited = 0;
  for (int i = 0; i < 6; ++i) {
    auto r = server.Get("/api/v1/examples");
    if (r.status == 429) {
      ++limited;
      EXPECT_EQ(r.body["code"], "resource_exhausted");
    }
  }
  EXPECT_GE(limited, 2);
  httplib::Client cli("127.0.0.1", server.port());
  auto r = cli.Get("/api/v1/examples");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 429);
  EXPECT_FALSE(r->get_header_value("Retry-After").empty());
}

// A rate below 0.5 per second made the default bucket (twice the rate) smaller than the one token
// a request takes: every request was a 429 for ever. The bucket holds at least one.
TEST(AuthApi, ASlowRateStillAdmitsARequest) {
  Config c;
  c.rate_limit_rps = 0.3;
  TestServer server(c);
  EXPECT_EQ(server.Get("/api/v1/examples").status, 200);
  auto second = server.Get("/api/v1/examples");
  EXPECT_EQ(second.status, 429);
}

// A malformed prefix in trusted_proxy_addresses read as /0 and trusted every peer (its forwarded
// identity became anyone's). It matches no one; the config refuses it at start (common_test).
TEST(AuthApi, AMalformedProxyPatternTrustsNoOne) {
  for (const char* pattern : {"10.0.0.0/", "10.0.0.0/l6", "10.0.0.0/abc", "127.0.0.0/x", "::/"}) {
    EXPECT_FALSE(service::AddressMatches("127.0.0.1", pattern)) << pattern;
    EXPECT_FALSE(service::AddressMatches("::1", pattern)) << pattern;
  }
  EXPECT_TRUE(service::AddressMatches("127.0.0.1", "127.0.0.0/8"));
  EXPECT_TRUE(service::AddressMatches("::1", "::/0"));
  EXPECT_FALSE(service::AddressMatches("10.1.2.3", "127.0.0.0/8"));
  EXPECT_TRUE(service::AddressMatches("fd00::5", "fd00::/8"));
}

// Behind the proxy each user the proxy vouches for has a bucket of their own: one user's burst
// does not lock everyone else out.
TEST(AuthApi, RateLimitIsPerForwardedUser) {
  Config c;
  c.trusted_proxy = true;
  c.rate_limit_rps = 0.2;
  c.rate_limit_burst = 3;
  c.proxy_roles["ana@example.com"] = "write";
  TestServer server(c);
  auto as = [&](const std::string& who) {
    return server.Send("GET", "/api/v1/templates", nullptr, {{"X-Forwarded-Email", who}}).status;
  };
  int limited = 0;
  for (int i = 0; i < 5; ++i) limited += as("mallory@example.com") == 429;
  EXPECT_GE(limited, 2);
  EXPECT_EQ(as("ana@example.com"), 200);
  EXPECT_EQ(as("boss@corp.example"), 200);
  EXPECT_EQ(as("mallory@example.com"), 429);
}

TEST(AuthApi, TrustedProxyUserBecomesCreatedBy) {
  Config c;
  c.trusted_proxy = true;
  c.proxy_roles["ana@example.com"] = "write";  // the identity alone would be read-only
  TestServer server(c);
  auto r = server.Send("POST", "/api/v1/examples", MakeExample("from the proxy"),
                       {{"X-Forwarded-Email", "ana@example.com"}});
  ASSERT_EQ(r.status, 201);
  EXPECT_EQ(r.body["created_by"], "ana@example.com");
}

// A 403 names the caller as the server knows it: a user the proxy vouches for has no token, so
// "this token's role" would send them looking for one (review s24 attack3 P2-5).
TEST(AuthApi, ProxyUsersRefusalNamesTheUser) {
  Config c;
  c.trusted_proxy = true;
  TestServer server(c);
  auto r = server.Send("POST", "/api/v1/examples", MakeExample("read-only user"),
                       {{"X-Forwarded-Email", "r@example.com"}});
  ASSERT_EQ(r.status, 403) << r.raw;
  EXPECT_EQ(r.body["detail"],
            "the role of user r@example.com (read) cannot POST /api/v1/examples; it needs write")
      << r.raw;
}

// The web UI hides the controls a caller's role cannot use, so it asks who it is: each role sees
// its own, with the token's name (an unnamed token has none) and never the token's id or hash.
TEST(AuthApi, MeAnswersEachCallerItsOwnRole) {
  TestServer server(NonLoopback());
  auto& auth = server.runtime().auth();
  for (auto role : {service::Role::kRead, service::Role::kAgent, service::Role::kWrite, service::Role::kAdmin}) {
    const std::string name = service::RoleName(role) + "-bot";
    auto created = *auth.CreateToken(role, name);
    auto me = server.Send("GET", "/api/v1/auth/me", nullptr, Bearer(created.second));
    ASSERT_EQ(me.status, 200) << me.raw;
    EXPECT_EQ(me.body, Json({{"role", service::RoleName(role)}, {"user", name}, {"auth_required", true}})) << me.raw;
    EXPECT_EQ(me.raw.find(created.first.substr(0, 8)), std::string::npos) << me.raw;
  }
  auto unnamed = *auth.CreateToken(service::Role::kRead, std::nullopt);
  auto me = server.Send("GET", "/api/v1/auth/me", nullptr, Bearer(unnamed.second));
  ASSERT_EQ(me.status, 200) << me.raw;
  EXPECT_EQ(me.body, Json({{"role", "read"}, {"user", nullptr}, {"auth_required", true}})) << me.raw;
  EXPECT_EQ(me.raw.find(unnamed.first.substr(0, 8)), std::string::npos) << me.raw;

  EXPECT_EQ(server.Get("/api/v1/auth/me").status, 401);
  EXPECT_EQ(server.Send("GET", "/api/v1/auth/me", nullptr, Bearer("exm_wrong")).status, 401);
}

// On loopback without tokens the local user owns the server; behind a trusted proxy the user is
// the one it names, with the operator's role for them.
TEST(AuthApi, MeOnLoopbackAndBehindTheProxy) {
  {
    TestServer server;
    auto me = server.Get("/api/v1/auth/me");
    ASSERT_EQ(me.status, 200) << me.raw;
    EXPECT_EQ(me.body, Json({{"role", "admin"}, {"user", nullptr}, {"auth_required", false}})) << me.raw;
  }
  Config c;
  c.trusted_proxy = true;
  c.proxy_roles["ana@example.com"] = "write";
  TestServer server(c);
  auto ana = server.Send("GET", "/api/v1/auth/me", nullptr, {{"X-Forwarded-Email", "ana@example.com"}});
  ASSERT_EQ(ana.status, 200) << ana.raw;
  EXPECT_EQ(ana.body, Json({{"role", "write"}, {"user", "ana@example.com"}, {"auth_required", false}})) << ana.raw;
  auto bob = server.Send("GET", "/api/v1/auth/me", nullptr, {{"X-Forwarded-Email", "bob@example.com"}});
  ASSERT_EQ(bob.status, 200) << bob.raw;
  EXPECT_EQ(bob.body["role"], "read") << bob.raw;
}

}  // namespace
}  // namespace exemplar::testing

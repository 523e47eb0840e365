// Auth (SPEC §5, issue 10): beyond loopback, anonymous writes get 401, reader tokens writing get
// 403, revoked tokens 401; rate limits answer 429 with Retry-After; trusted-proxy users are recorded.
#include <gtest/gtest.h>

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
  EXPECT_EQ(server.Get("/readyz").status, 200);

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

}  // namespace
}  // namespace exemplar::testing

// Connection-level limits found by the outside review of 2026-12-07 (s22): a caller without
// credentials cannot make an auth-required server hold request bodies (401 from the head), the
// bodies held at once are capped server-wide (503 + Retry-After beyond max_buffered_body_bytes),
// CORS lets a cross-origin page use ETag / If-Match / Last-Event-ID, a JSON object holds at most
// 1,000 keys, and an empty Host header is refused like any other foreign one.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include "testing/raw_connection.h"
#include "testing/test_server.h"

namespace exemplar::testing {
namespace {

using std::chrono::milliseconds;

httplib::Headers Bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

// The head of a POST /api/v1/examples declaring `length` body bytes, with `extra` header lines.
std::string PostHead(uint64_t length, const std::string& extra = "", const std::string& path = "/api/v1/examples") {
  return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" + extra +
         "Content-Length: " + std::to_string(length) + "\r\n\r\n";
}

Config AuthRequired() {
  Config c;
  c.auth = "required";
  return c;
}

// The reproduction: Content-Length 8388592 and all but a few bytes withheld. The server answered
// only after the whole body (never sent) or request_timeout_s, holding 8 MiB per connection.
TEST(HttpHardening, BodyWithoutCredentialsGets401FromTheHeadAndIsNotRead) {
  TestServer server(AuthRequired());
  const std::string writer = server.runtime().auth().CreateToken(service::Role::kWrite, "writer")->second;
  const uint64_t kNearlyMax = 8388592;
  const std::string start = "{\"input\": {\"q\": \"";

  struct Case {
    std::string extra;
    std::string path;
    std::string status;
  };
  const Case cases[] = {
      {"", "/api/v1/examples", "HTTP/1.1 401"},                                 // no credentials
      {"Authorization: Basic YWxhZGRpbjpvcGVu\r\n", "/api/v1/examples", "HTTP/1.1 401"},  // not a bearer token
      {"Expect: 100-continue\r\n", "/api/v1/examples", "HTTP/1.1 401"},         // no 100 Continue first
      {"X-Forwarded-Email: a@example.com\r\n", "/api/v1/examples", "HTTP/1.1 401"},  // no trusted proxy
      {"", "/api/v1/no-such-route", "HTTP/1.1 404"},                            // nothing would read it
  };
  for (const auto& c : cases) {
    RawConnection conn(server.port());
    ASSERT_TRUE(conn.Send(PostHead(kNearlyMax, c.extra, c.path) + start)) << c.extra;
    const auto t0 = std::chrono::steady_clock::now();
    const std::string reply = conn.ReadUntil("}", milliseconds(5000));
    EXPECT_EQ(reply.rfind(c.status, 0), 0u) << c.extra << c.path << reply;
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3)) << c.extra;
    EXPECT_NE(reply.find("Connection: close"), std::string::npos) << reply;
    EXPECT_EQ(reply.find("100 Continue"), std::string::npos) << reply;
    if (c.status == "HTTP/1.1 401") {
      EXPECT_NE(reply.find("WWW-Authenticate: Bearer"), std::string::npos) << reply;
    }
    // The body is not waited for: the connection ends (after a short linger) without it.
    conn.ReadToClose(milliseconds(10000));
    EXPECT_TRUE(conn.closed()) << c.extra;
  }

  // The site checks still come first: a foreign Host is a 421, from the head too.
  RawConnection foreign(server.port());
  ASSERT_TRUE(foreign.Send("POST /api/v1/examples HTTP/1.1\r\nHost: attacker.example\r\nContent-Type: "
                           "application/json\r\nContent-Length: 8388592\r\n\r\n{"));
  EXPECT_EQ(foreign.ReadUntil("}", milliseconds(5000)).rfind("HTTP/1.1 421", 0), 0u);

  // A caller with a token has its body read and answered as before: created, or refused by the
  // token lookup after the body.
  EXPECT_EQ(server.Send("POST", "/api/v1/examples", MakeExample("with a token"), Bearer(writer)).status, 201);
  EXPECT_EQ(server.Send("POST", "/api/v1/examples", MakeExample("bad token"), Bearer("exm_wrong")).status, 401);
  // Public routes and bodiless requests are unchanged.
  EXPECT_EQ(server.Get("/healthz").status, 200);
  EXPECT_EQ(server.Get("/api/v1/examples").status, 401);
}

// Behind a trusted proxy the head decides as the guard does (service::RefusalFromHeaders): a
// forwarded user without a role is refused 403 and a malformed identity 401, bodies unread; a
// user the operator mapped to a role has the body read and the example created.
TEST(HttpHardening, ForwardedIdentityIsJudgedFromTheHead) {
  Config c = AuthRequired();
  c.trusted_proxy = true;
  c.proxy_default_role = "none";
  c.proxy_roles["ana@example.com"] = "write";
  TestServer server(c);
  const struct {
    std::string email;
    std::string status;
  } cases[] = {{"mallory@example.com", "HTTP/1.1 403"}, {"a@b.example, ana@example.com", "HTTP/1.1 401"}};
  for (const auto& k : cases) {
    RawConnection conn(server.port());
    ASSERT_TRUE(conn.Send(PostHead(8388592, "X-Forwarded-Email: " + k.email + "\r\n") + "{\"input\": {"));
    const auto t0 = std::chrono::steady_clock::now();
    const std::string reply = conn.ReadUntil("}", milliseconds(5000));
    EXPECT_EQ(reply.rfind(k.status, 0), 0u) << k.email << reply;
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3)) << k.email;
    conn.ReadToClose(milliseconds(10000));
    EXPECT_TRUE(conn.closed()) << k.email;
  }
  auto created = server.Send("POST", "/api/v1/examples", MakeExample("from the proxy"),
                             {{"X-Forwarded-Email", "ana@example.com"}});
  ASSERT_EQ(created.status, 201);
  EXPECT_EQ(created.body["created_by"], "ana@example.com");
}

// Review s24 (P0): fields a chunked body ends with (trailers) went into the same list as the
// head's, and the request took the last copy of each, after the head's checks: a reader's trailer
// `Authorization` of an admin token, or a trailer `X-Forwarded-Email` behind a trusted proxy, chose
// the caller; a trailer Host, Origin or Content-Type replaced what the checks had passed. A
// request is now what its head says; trailers are dropped (RFC 9110 §6.5.1).
TEST(HttpHardening, TrailersNeverReplaceTheHead) {
  Config c = AuthRequired();
  c.trusted_proxy = true;
  c.proxy_default_role = "read";
  c.proxy_roles["boss@example.com"] = "admin";
  TestServer server(c);
  const std::string reader = server.runtime().auth().CreateToken(service::Role::kRead, "reader")->second;
  const std::string writer = server.runtime().auth().CreateToken(service::Role::kWrite, "writer")->second;
  const std::string admin = server.runtime().auth().CreateToken(service::Role::kAdmin, "admin")->second;
  const std::string body = MakeExample("sent in chunks").dump();
  // A chunked request: `head_lines` in the head, `trailer_lines` after the last chunk.
  auto exchange = [&](const std::string& method, const std::string& path, const std::string& head_lines,
                      const std::string& trailer_lines) {
    RawConnection conn(server.port());
    std::ostringstream chunk;
    chunk << std::hex << body.size();
    EXPECT_TRUE(conn.Send(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
                          head_lines + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + chunk.str() +
                          "\r\n" + body + "\r\n0\r\n" + trailer_lines + "\r\n"));
    return conn.ReadUntil("\r\n\r\n", milliseconds(5000));
  };
  auto status_of = [](const std::string& reply) { return reply.substr(0, std::min<size_t>(12, reply.size())); };
  const std::string bearer = "Authorization: Bearer ";
  // A reader's write with an admin token in a trailer: the reader's 403.
  EXPECT_EQ(status_of(exchange("POST", "/api/v1/examples", bearer + reader + "\r\n", bearer + admin + "\r\n")),
            "HTTP/1.1 403");
  // A forwarded reader naming the admin in a trailer: the audit log stays closed, and a write too.
  EXPECT_EQ(status_of(exchange("GET", "/api/v1/audit?limit=1", "X-Forwarded-Email: r@example.com\r\n",
                               "X-Forwarded-Email: boss@example.com\r\n")),
            "HTTP/1.1 403");
  EXPECT_EQ(status_of(exchange("POST", "/api/v1/examples", "X-Forwarded-Email: r@example.com\r\n",
                               "X-Forwarded-Email: boss@example.com\r\n")),
            "HTTP/1.1 403");
  // The other way round, a trailer cannot take a good head's identity away or fail its checks:
  // a bad token, a foreign Host or Origin and another Content-Type in trailers change nothing.
  for (const char* trailer : {"Authorization: Bearer exm_wrong\r\n", "Host: evil.example\r\n",
                              "Origin: https://evil.example\r\n", "Content-Type: text/plain\r\n"}) {
    EXPECT_EQ(status_of(exchange("POST", "/api/v1/examples", bearer + writer + "\r\n", trailer)), "HTTP/1.1 201")
        << trailer;
  }
  // Nothing was written by the refused requests: the four writer's examples only.
  auto listed = server.Send("GET", "/api/v1/examples", Json(nullptr), Bearer(admin));
  ASSERT_EQ(listed.status, 200) << listed.raw;
  EXPECT_EQ(listed.body["total"], 4) << listed.raw;
}

// Bodies held at once are capped server-wide: callers with (here invalid) tokens, whose bodies are
// read before the token is looked up, cannot make the server hold more than
// max_buffered_body_bytes; beyond it a new body gets 503 + Retry-After from its head (or as a
// chunked one grows past it), while a small authenticated request is still served.
TEST(HttpHardening, BodiesHeldAtOnceAreCappedServerWide) {
  Config c = AuthRequired();
  c.max_body_bytes = 1024 * 1024;
  c.max_buffered_body_bytes = 1536 * 1024;
  TestServer server(c);
  const std::string writer = server.runtime().auth().CreateToken(service::Role::kWrite, "writer")->second;
  const std::string bogus = "Authorization: Bearer exm_not_a_token\r\n";

  // The hog's 100 Continue says its body is held (the server counts a body before it asks for
  // it); a second body sent before that could be held first and get the hog refused instead. (A
  // 100 Continue needs a token that passes the guard: a wrong one gets its 401 instead.)
  auto hog = std::make_unique<RawConnection>(server.port());
  ASSERT_TRUE(hog->Send(PostHead(1000 * 1000, "Authorization: Bearer " + writer + "\r\nExpect: 100-continue\r\n")));
  ASSERT_EQ(hog->ReadUntil("\r\n\r\n", milliseconds(5000)).rfind("HTTP/1.1 100 Continue", 0), 0u);
  ASSERT_TRUE(hog->Send("{\"input\": "));
  std::string refused;
  for (int i = 0; i < 50 && refused.rfind("HTTP/1.1 503", 0) != 0; ++i) {
    RawConnection over(server.port());
    ASSERT_TRUE(over.Send(PostHead(600 * 1000, bogus) + "{"));
    refused = over.ReadUntil("}", milliseconds(2000));
    if (refused.rfind("HTTP/1.1 503", 0) != 0) std::this_thread::sleep_for(milliseconds(100));
  }
  ASSERT_EQ(refused.rfind("HTTP/1.1 503", 0), 0u) << refused;
  EXPECT_NE(refused.find("Retry-After: 1"), std::string::npos) << refused;
  EXPECT_NE(refused.find("max_buffered_body_bytes"), std::string::npos) << refused;

  // A chunked body is counted as it arrives.
  RawConnection chunked(server.port());
  ASSERT_TRUE(chunked.Send("POST /api/v1/examples HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
                           bogus + "Transfer-Encoding: chunked\r\n\r\n"));
  const std::string piece(700 * 1000, ' ');
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
  chunked.Send(size + piece + "\r\n");
  const std::string chunked_reply = chunked.ReadUntil("}", milliseconds(5000));
  EXPECT_EQ(chunked_reply.rfind("HTTP/1.1 503", 0), 0u) << chunked_reply.substr(0, 300);

  // Small bodies (up to 64 KiB) are not counted: an authenticated write still succeeds.
  EXPECT_EQ(server.Send("POST", "/api/v1/examples", MakeExample("small write"), Bearer(writer)).status, 201);
  EXPECT_EQ(server.Get("/healthz").status, 200);

  // Once the hog leaves, its bytes are free again: the same large body is read (and refused for
  // its token, after the body).
  hog.reset();
  const std::string big = "\"" + std::string(600 * 1000 - 2, 'x') + "\"";
  int status = 0;
  for (int i = 0; i < 50 && status != 401; ++i) {
    status = server.Send("POST", "/api/v1/examples", Json::parse(big), Bearer("exm_not_a_token")).status;
    if (status != 401) std::this_thread::sleep_for(milliseconds(100));
  }
  EXPECT_EQ(status, 401);
}

// Review s23: a client sending "Expect: 100-continue" with a wrong token was asked for its body
// (100 Continue) before the token was looked up, and only then refused. A request its route
// refuses from the head (token, role, Host, rate limit) now gets that final status instead of the
// 100, its body unread; one that passes gets the 100, then its answer, charged once.
TEST(HttpHardening, HundredContinueOnlyAfterTheGuardPasses) {
  Config c = AuthRequired();
  c.rate_limit_rps = 0.01;  // two requests, then one per 100 s
  c.rate_limit_burst = 2;
  TestServer server(c);
  const std::string writer = server.runtime().auth().CreateToken(service::Role::kWrite, "writer")->second;
  const std::string reader = server.runtime().auth().CreateToken(service::Role::kRead, "reader")->second;
  const std::string body = MakeExample("sent after 100 Continue").dump();
  const std::string expect = "Expect: 100-continue\r\n";
  auto bearer = [](const std::string& token) { return "Authorization: Bearer " + token + "\r\n"; };

  struct Case {
    std::string extra;
    std::string status;
  };
  const Case refused[] = {
      {bearer("exm_not_a_token"), "HTTP/1.1 401"},  // a well-formed header, a token the store lacks
      {bearer(reader), "HTTP/1.1 403"},             // a role that cannot write
  };
  for (const auto& c : refused) {
    RawConnection conn(server.port());
    ASSERT_TRUE(conn.Send(PostHead(body.size(), c.extra + expect)));
    const std::string reply = conn.ReadUntil("}", milliseconds(5000));
    EXPECT_EQ(reply.rfind(c.status, 0), 0u) << c.extra << reply;
    EXPECT_EQ(reply.find("100 Continue"), std::string::npos) << reply;
    // The body is not waited for: the connection ends (after a short linger) without it.
    conn.ReadToClose(milliseconds(10000));
    EXPECT_TRUE(conn.closed()) << c.extra;
  }
  // A foreign Host with a good token: the site check's 421.
  RawConnection foreign(server.port());
  ASSERT_TRUE(foreign.Send("POST /api/v1/examples HTTP/1.1\r\nHost: attacker.example\r\nContent-Type: "
                           "application/json\r\n" + bearer(writer) + expect +
                           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n"));
  const std::string host_reply = foreign.ReadUntil("}", milliseconds(5000));
  EXPECT_EQ(host_reply.rfind("HTTP/1.1 421", 0), 0u) << host_reply;

  // A request that passes gets the 100, then its answer once the body is sent: twice (the burst),
  // each charged once.
  for (int i = 0; i < 2; ++i) {
    RawConnection ok(server.port());
    ASSERT_TRUE(ok.Send(PostHead(body.size(), bearer(writer) + expect)));
    const std::string go = ok.ReadUntil("\r\n\r\n", milliseconds(5000));
    ASSERT_EQ(go, "HTTP/1.1 100 Continue\r\n\r\n") << i;
    ok.Forget();
    ASSERT_TRUE(ok.Send(body));
    const std::string created = ok.ReadUntil("}", milliseconds(5000));
    EXPECT_EQ(created.rfind("HTTP/1.1 201", 0), 0u) << i << created;
  }
  // The rate limit is spent: the 429 comes instead of the 100.
  RawConnection limited(server.port());
  ASSERT_TRUE(limited.Send(PostHead(body.size(), bearer(writer) + expect)));
  const std::string too_many = limited.ReadUntil("}", milliseconds(5000));
  EXPECT_EQ(too_many.rfind("HTTP/1.1 429", 0), 0u) << too_many;
  EXPECT_NE(too_many.find("Retry-After: "), std::string::npos) << too_many;
  EXPECT_EQ(too_many.find("100 Continue"), std::string::npos) << too_many;
}

// A cross-origin page sends If-Match (templates, examples), If-None-Match and Last-Event-ID
// (resuming a run's event stream), and reads the ETag it must send back.
TEST(HttpHardening, CorsAllowsConditionalAndResumeHeadersAndExposesETag) {
  Config c;
  c.cors_origins = "https://ui.example";
  TestServer server(c);
  httplib::Client cli("127.0.0.1", server.port());
  auto pre = cli.Options("/api/v1/examples/x",
                         {{"Origin", "https://ui.example"}, {"Access-Control-Request-Method", "PUT"},
                          {"Access-Control-Request-Headers", "if-match, content-type"}});
  ASSERT_TRUE(pre);
  EXPECT_EQ(pre->status, 204);
  const std::string allowed = pre->get_header_value("Access-Control-Allow-Headers");
  for (const char* h : {"Authorization", "Content-Type", "X-Request-Id", "If-Match", "If-None-Match", "Last-Event-ID"}) {
    EXPECT_NE(allowed.find(h), std::string::npos) << h << " in " << allowed;
  }

  auto created = cli.Post("/api/v1/examples", {{"Origin", "https://ui.example"}}, MakeExample("cors etag").dump(),
                          "application/json");
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 201) << created->body;
  const std::string id = Json::parse(created->body)["example_id"];
  auto got = cli.Get("/api/v1/examples/" + id, {{"Origin", "https://ui.example"}});
  ASSERT_TRUE(got);
  EXPECT_FALSE(got->get_header_value("ETag").empty());
  const std::string exposed = got->get_header_value("Access-Control-Expose-Headers");
  for (const char* h : {"ETag", "Retry-After", "X-Request-Id"}) {
    EXPECT_NE(exposed.find(h), std::string::npos) << h << " in " << exposed;
  }
  // Not to an origin the operator did not list.
  auto other = cli.Get("/api/v1/examples/" + id, {{"Origin", "https://other.example"}});
  ASSERT_TRUE(other);
  EXPECT_TRUE(other->get_header_value("Access-Control-Expose-Headers").empty());
}

// The reproduction: an input of 500,000 keys was stored (8-13 s of CPU) and every list page
// showing it weighed 38 MB.
TEST(HttpHardening, ObjectOfMoreThan1000KeysIs422NamingIt) {
  TestServer server;
  Json ex = MakeExample("many keys");
  for (int i = 0; i < 1500; ++i) ex["input"]["k" + std::to_string(i)] = "v";
  auto refused = server.Post("/api/v1/examples", ex);
  ASSERT_EQ(refused.status, 422) << refused.raw.substr(0, 300);
  EXPECT_EQ(refused.body["detail"][0]["loc"], Json::array({"body", "input"})) << refused.raw.substr(0, 300);
  EXPECT_EQ(refused.body["detail"][0]["type"], "value_error.dict.max_keys");

  Json fits = MakeExample("many keys");
  for (int i = 0; i < 999; ++i) fits["input"]["k" + std::to_string(i)] = "v";
  ASSERT_EQ(fits["input"].size(), 1000u);
  EXPECT_EQ(server.Post("/api/v1/examples", fits).status, 201);
}

// README: the Host must name the listen address, localhost, an IP literal or an allowed host. An
// empty one names none of them (it was answered 200).
TEST(HttpHardening, EmptyHostHeaderIsRefused) {
  TestServer server;
  RawConnection empty(server.port());
  ASSERT_TRUE(empty.Send("GET /api/v1/auth/me HTTP/1.1\r\nHost: \r\n\r\n"));
  const std::string reply = empty.ReadUntil("}", milliseconds(5000));
  EXPECT_EQ(reply.rfind("HTTP/1.1 421", 0), 0u) << reply;
  // An HTTP/1.0 request may still have none, and a proper one is answered.
  RawConnection old(server.port());
  ASSERT_TRUE(old.Send("GET /api/v1/auth/me HTTP/1.0\r\n\r\n"));
  EXPECT_EQ(old.ReadUntil("}", milliseconds(5000)).rfind("HTTP/1.0 200", 0), 0u);
  RawConnection named(server.port());
  ASSERT_TRUE(named.Send("GET /api/v1/auth/me HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  EXPECT_EQ(named.ReadUntil("}", milliseconds(5000)).rfind("HTTP/1.1 200", 0), 0u);
}

}  // namespace
}  // namespace exemplar::testing

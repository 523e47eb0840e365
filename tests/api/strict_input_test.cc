// Strict input (the charter: bad input gets a clear 4xx and loses nothing; unknown keys are 422s
// naming the key): bodies of action routes, optional bodies that must be objects, the types of
// server-assigned fields, identity that cannot change, parameters given twice or both ways, ids
// that are not UUIDs, limits inside content, and the HTTP details of 405, HEAD and Host.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "testing/test_server.h"

namespace exemplar::testing {
namespace {

const std::string kOtherId = "00000000-0000-4000-8000-0000000000aa";

class BadInputStrict : public ::testing::Test {
 protected:
  // A draft template with a text → label signature, and `n` examples of it.
  std::string Template(const std::string& name, int n = 0) {
    auto t = server_.Post("/api/v1/templates", {{"name", name},
                                                {"input_schema", {{{"name", "text"}, {"type", "string"}}}},
                                                {"output_schema", {{{"name", "label"}, {"type", "string"}}}}});
    EXPECT_EQ(t.status, 201) << t.raw;
    const std::string id = t.body.value("id", "");
    for (int i = 0; i < n; ++i) {
      Json e = MakeExample("ticket number " + std::to_string(i) + " about topic " + std::to_string(i % 3));
      e["expected_output"]["label"] = "topic" + std::to_string(i % 3);
      e["databit_id"] = id;
      EXPECT_EQ(server_.Post("/api/v1/examples", e).status, 201);
    }
    return id;
  }
  std::string Example(const std::string& text) {
    auto r = server_.Post("/api/v1/examples", MakeExample(text));
    EXPECT_EQ(r.status, 201) << r.raw;
    return r.body.value("example_id", "");
  }
  // The first error's loc, as the client sees it.
  static Json Loc(const HttpResult& r) {
    return r.body.is_object() && r.body["detail"].is_array() && !r.body["detail"].empty() ? r.body["detail"][0]["loc"]
                                                                                          : Json();
  }
  HttpResult PostJson(const std::string& path, const std::string& raw) {
    return server_.PostRaw(path, raw, "application/json");
  }
  // One request over a fresh connection, answered in full (the server closes it after).
  std::string Raw(const std::string& request) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(server_.port()));
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    timeval tv{10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string out;
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size())) {
      char buf[4096];
      for (ssize_t n; (n = recv(fd, buf, sizeof buf, 0)) > 0;) out.append(buf, static_cast<size_t>(n));
    }
    close(fd);
    return out;
  }
  static std::string HeaderOf(const std::string& response, const std::string& name) {
    const size_t at = response.find("\r\n" + name + ": ");
    if (at == std::string::npos) return "";
    const size_t start = at + name.size() + 4;
    return response.substr(start, response.find("\r\n", start) - start);
  }
  TestServer server_;
};

TEST_F(BadInputStrict, ActionRoutesTakeAnEmptyBodyOrAnEmptyObjectOnly) {
  const std::string tid = Template("lifecycle");
  const std::string tpl = "/api/v1/templates/" + tid;
  auto unknown = server_.Post(tpl + "/publish", {{"zzz", 1}});
  ASSERT_EQ(unknown.status, 422) << unknown.raw;
  EXPECT_EQ(Loc(unknown), Json::array({"body", "zzz"}));
  EXPECT_EQ(PostJson(tpl + "/publish", "[]").status, 422);
  EXPECT_EQ(PostJson(tpl + "/publish", "\"x\"").status, 422);
  EXPECT_EQ(server_.Get(tpl).body["status"], "draft");  // the refused publish changed nothing
  EXPECT_EQ(PostJson(tpl + "/publish", "").status, 200);
  EXPECT_EQ(server_.Post(tpl + "/version", {{"bump", "major"}}).status, 422);
  auto v2 = server_.Post(tpl + "/version", Json::object());
  ASSERT_EQ(v2.status, 201) << v2.raw;
  EXPECT_EQ(server_.Post(tpl + "/archive", {{"reason", "old"}}).status, 422);
  EXPECT_EQ(server_.Post(tpl + "/archive", Json::object()).status, 200);

  // A finished run: every action refuses a key before doing anything.
  auto launched = server_.Post("/api/v1/dspy-runs", {{"template_id", Template("optimized", 6)},
                                                     {"optimizer_type", "LabeledFewShot"},
                                                     {"metric", "exact_match"},
                                                     {"lm", {{"provider", "offline"}}},
                                                     {"budget", {{"max_trials", 2}}}});
  ASSERT_EQ(launched.status, 201) << launched.raw;
  const std::string run = "/api/v1/dspy-runs/" + launched.body["run_id"].get<std::string>();
  std::string status;
  for (int i = 0; i < 600 && status != "completed" && status != "failed"; ++i) {
    status = server_.Get(run).body.value("status", "");
    if (status != "completed" && status != "failed") std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(status, "completed");
  for (const char* action : {"sync", "accept", "reject", "cancel"}) {
    auto r = server_.Post(run + "/" + action, {{"zzz", 1}});
    EXPECT_EQ(r.status, 422) << action << ": " << r.raw;
    EXPECT_EQ(Loc(r), Json::array({"body", "zzz"})) << action;
    EXPECT_EQ(PostJson(run + "/" + action, "null").status, 422) << action;
  }
  EXPECT_EQ(server_.Get(run).body["synced"], false);
  EXPECT_EQ(server_.Post(run + "/sync", Json::object()).status, 200);
  EXPECT_EQ(PostJson(run + "/accept", "").status, 201);
  // Deleting takes no body fields either.
  const std::string body = R"({"cascade": "all"})";
  auto del = Raw("DELETE /api/v1/examples/" + Example("kept") +
                 " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\n"
                 "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  EXPECT_EQ(del.rfind("HTTP/1.1 422", 0), 0u) << del;
}

TEST_F(BadInputStrict, OptionalBodiesAreObjectsWhenGiven) {
  const std::string path = "/api/v1/examples/regenerate-embeddings";
  for (const char* body : {"\"force\"", "[]", "null", "123", "true"}) {
    auto r = PostJson(path, body);
    EXPECT_EQ(r.status, 422) << body << ": " << r.raw;
    EXPECT_EQ(Loc(r), Json::array({"body"})) << body;
  }
  EXPECT_EQ(PostJson(path, "").status, 200);
  EXPECT_EQ(PostJson(path, "{}").status, 200);
  // The same option both ways is ambiguous.
  auto both = server_.Post(path + "?force=true", {{"force", false}});
  EXPECT_EQ(both.status, 422) << both.raw;
  EXPECT_EQ(Loc(both), Json::array({"query", "force"}));
  const std::string tid = Template("export", 2);
  EXPECT_EQ(PostJson("/api/v1/templates/" + tid + "/export-dspy", "[]").status, 422);
  EXPECT_EQ(PostJson("/api/v1/examples/" + Example("restorable") + "/restore", "[]").status, 422);
}

TEST_F(BadInputStrict, ServerAssignedFieldsKeepTheirTypesAndIdentityCannotChange) {
  const std::string tid = Template("typed", 2);
  auto wrong = server_.Post("/api/v1/templates/" + tid + "/export-dspy",
                            {{"format", "python_module"}, {"optimizer_type", Json::object()}});
  EXPECT_EQ(wrong.status, 422) << wrong.raw;
  EXPECT_EQ(Loc(wrong), Json::array({"body", "optimizer_type"}));
  auto both = server_.Post("/api/v1/templates/" + tid + "/export-dspy",
                           {{"format", "python_module"}, {"include_optimizer", true},
                            {"optimizer_type", "MIPROv2"}, {"optimizer", {{"type", "BootstrapFewShot"}}}});
  EXPECT_EQ(both.status, 422) << both.raw;
  EXPECT_EQ(server_.Post("/api/v1/templates/" + tid + "/export-dspy?download=maybe", Json::object()).status, 422);

  const std::vector<std::pair<std::string, Json>> mistyped = {
      {"version", Json::object()}, {"success_count", Json::array()}, {"has_embedding", "yes"},
      {"created_at", 5},           {"pii_flags", "email"},          {"warnings", 1}};
  for (const auto& [key, value] : mistyped) {
    Json e = MakeExample("typed fields");
    e[key] = value;
    auto r = server_.Post("/api/v1/examples", e);
    EXPECT_EQ(r.status, 422) << key << ": " << r.raw;
    EXPECT_EQ(Loc(r), Json::array({"body", key})) << key;
  }
  EXPECT_EQ(server_.Get("/api/v1/examples").body["total"], 2);  // none of them was stored

  // A GET body goes back as a PUT (the wire form round-trips); another id in it does not.
  const std::string id = Example("round trip");
  Json got = server_.Get("/api/v1/examples/" + id).body;
  got["explanation"] = "edited";
  auto put = server_.Put("/api/v1/examples/" + id, got);
  ASSERT_EQ(put.status, 200) << put.raw;
  EXPECT_EQ(put.body["explanation"], "edited");
  auto moved = server_.Put("/api/v1/examples/" + id, {{"example_id", kOtherId}, {"explanation", "lost?"}});
  EXPECT_EQ(moved.status, 422) << moved.raw;
  EXPECT_EQ(Loc(moved), Json::array({"body", "example_id"}));
  EXPECT_EQ(server_.Put("/api/v1/examples/" + id, {{"client_id", "someone-else"}}).status, 422);
  EXPECT_EQ(server_.Get("/api/v1/examples/" + id).body["explanation"], "edited");

  // Templates are created as drafts; status changes through publish and archive.
  auto published = server_.Post("/api/v1/templates", {{"name", "born published"}, {"status", "published"}});
  EXPECT_EQ(published.status, 422) << published.raw;
  EXPECT_EQ(Loc(published), Json::array({"body", "status"}));
  EXPECT_EQ(server_.Post("/api/v1/templates", {{"name", "born a draft"}, {"status", "draft"}}).status, 201);
  EXPECT_EQ(server_.Post("/api/v1/templates", {{"name", "typed version"}, {"version", 2}}).status, 422);
  Json tpl = server_.Get("/api/v1/templates/" + tid).body;
  tpl["description"] = "edited";
  EXPECT_EQ(server_.Put("/api/v1/templates/" + tid, tpl).status, 200);
  tpl["status"] = "archived";
  EXPECT_EQ(server_.Put("/api/v1/templates/" + tid, tpl).status, 422);
  tpl["status"] = "draft";
  tpl["id"] = kOtherId;
  EXPECT_EQ(server_.Put("/api/v1/templates/" + tid, tpl).status, 422);
}

TEST_F(BadInputStrict, ParametersGivenTwiceAndIdsThatAreNotUuids) {
  const std::string id = Example("tracked");
  auto twice = server_.Get("/api/v1/examples?sort_by=bogus&sort_by=created_at");
  ASSERT_EQ(twice.status, 422) << twice.raw;
  EXPECT_EQ(Loc(twice), Json::array({"query", "sort_by"}));
  EXPECT_NE(twice.body["detail"][0]["msg"].get<std::string>().find("more than once"), std::string::npos);
  EXPECT_EQ(server_.Get("/api/v1/examples?page_size=5&page_size=5").status, 422);
  EXPECT_EQ(server_.Get("/api/v1/templates?status=draft&status=published").status, 422);
  // Lists and content filters repeat by design.
  EXPECT_EQ(server_.Get("/api/v1/examples?capability_tags=a&capability_tags=b").status, 200);
  EXPECT_EQ(server_.Get("/api/v1/examples?input.text=a&input.text=b").status, 200);

  const std::string track = "/api/v1/examples/" + id + "/track";
  auto conflict = server_.Post(track + "?outcome=failure", {{"outcome", "success"}});
  EXPECT_EQ(conflict.status, 422) << conflict.raw;
  EXPECT_EQ(Loc(conflict), Json::array({"query", "outcome"}));
  EXPECT_EQ(server_.Post(track + "?outcome=failure", {{"outcome", "failure"}}).status, 422);
  EXPECT_EQ(server_.Post(track + "?outcome=failure&outcome=success", Json::object()).status, 422);
  auto stats = server_.Get("/api/v1/examples/" + id + "/effectiveness").body;
  EXPECT_EQ(stats["success_count"].get<double>() + stats["failure_count"].get<double>(), 0.0);  // nothing recorded
  EXPECT_EQ(server_.PostRaw(track + "?outcome=failure", "", "").status, 204);
  EXPECT_EQ(server_.Post(track + "?model_id=m1", {{"outcome", "success"}}).status, 204);

  EXPECT_EQ(server_.Get("/api/v1/examples/databit/not-a-uuid").status, 404);
  auto retrieve = server_.Post("/api/v1/examples/retrieve", {{"query", "tracked"}, {"example_ids", {id, "not-uuid"}}});
  EXPECT_EQ(retrieve.status, 422) << retrieve.raw;
  EXPECT_EQ(Loc(retrieve), Json::array({"body", "example_ids", 1}));
  EXPECT_EQ(server_.Post("/api/v1/examples/search", {{"example_ids", {"x"}}, {"mode", "metadata"}}).status, 422);
  EXPECT_EQ(server_.Post("/api/v1/examples/retrieve", {{"query", "tracked"}, {"example_ids", {id}}}).status, 200);
}

TEST_F(BadInputStrict, LimitsHoldForKeysAndNestedListsInsideContent) {
  const std::string long_key(70000, 'k');
  Json e = MakeExample("long key");
  e["input"][long_key] = 1;
  auto key = server_.Post("/api/v1/examples", e);
  EXPECT_EQ(key.status, 422) << key.raw.substr(0, 300);
  for (const char* field : {"input", "expected_output"}) {
    Json list = MakeExample(std::string("long list in ") + field);
    list[field]["items"] = Json::array();
    for (int i = 0; i < 1001; ++i) list[field]["items"].push_back(i);
    auto r = server_.Post("/api/v1/examples", list);
    EXPECT_EQ(r.status, 422) << field << ": " << r.raw.substr(0, 300);
    EXPECT_EQ(Loc(r), Json::array({"body", field, "items"})) << field;
    Json nested = MakeExample(std::string("nested list in ") + field);
    nested[field]["deep"] = {{"rows", Json::array({list[field]["items"]})}};
    auto n = server_.Post("/api/v1/examples", nested);
    EXPECT_EQ(n.status, 422) << field;
    EXPECT_EQ(Loc(n), Json::array({"body", field, "deep", "rows", 0})) << field;
  }
  Json batch = {{"examples", Json::array({MakeExample("fine"), e})}};
  EXPECT_EQ(server_.Post("/api/v1/examples/batch", batch).status, 422);
  const std::string id = Example("at the limit");
  Json at_limit = Json::array();
  for (int i = 0; i < 1000; ++i) at_limit.push_back(i);
  EXPECT_EQ(server_.Put("/api/v1/examples/" + id, {{"input", {{"items", at_limit}}}}).status, 200);
  at_limit.push_back(1000);
  EXPECT_EQ(server_.Put("/api/v1/examples/" + id, {{"input", {{"items", at_limit}}}}).status, 422);
  EXPECT_EQ(server_.Get("/api/v1/examples/" + id).body["input"]["items"].size(), 1000u);
  EXPECT_EQ(server_.Get("/api/v1/examples").body["total"], 1);
}

// A content key that reads as a number ("1", "-1") is an object key, not a list index: a loc
// through it says so with a string (it was written as an integer), and list indexes stay integers.
// A body of many keys gets a short answer: at most 20 unknown keys are named (a 4.7 MB body of
// unknown keys drew a 30 MB 422 after 4 s), an object of more than 1,000 keys is one error, and a
// search holds at most 100 content filters (200,000 took 37 s of a handler).
TEST_F(BadInputStrict, ManyKeysGetAShortAnswer) {
  Json unknown = {{"query_text", "fan"}};
  for (int i = 0; i < 999; ++i) unknown["k" + std::to_string(i)] = 1;
  auto r = server_.Post("/api/v1/examples/search", unknown);
  ASSERT_EQ(r.status, 422) << r.raw.substr(0, 300);
  ASSERT_EQ(r.body["detail"].size(), 21u);
  EXPECT_EQ(r.body["detail"][20]["msg"], "979 more unknown fields (999 in all; the first 20 are named)");
  EXPECT_LT(r.raw.size(), 8000u);
  for (int i = 999; i < 20000; ++i) unknown["k" + std::to_string(i)] = 1;
  r = server_.Post("/api/v1/examples/search", unknown);
  ASSERT_EQ(r.status, 422) << r.raw.substr(0, 300);
  ASSERT_EQ(r.body["detail"].size(), 1u);
  EXPECT_EQ(r.body["detail"][0]["type"], "value_error.dict.max_keys");
  EXPECT_EQ(r.body["detail"][0]["loc"], Json::array({"body"}));
  EXPECT_LT(r.raw.size(), 1000u);

  Json filters = {{"query_text", "fan"}};
  for (int i = 0; i < 101; ++i) filters["input.f" + std::to_string(i)] = std::to_string(i);
  r = server_.Post("/api/v1/examples/search", filters);
  ASSERT_EQ(r.status, 422) << r.raw.substr(0, 300);
  ASSERT_EQ(r.body["detail"].size(), 1u) << r.raw.substr(0, 300);
  EXPECT_NE(r.body["detail"][0]["msg"].get<std::string>().find("at most 100 content filters"), std::string::npos);
  filters.erase("input.f0");
  EXPECT_EQ(server_.Post("/api/v1/examples/search", filters).status, 200);
}

TEST_F(BadInputStrict, DigitKeysInLocationsStayStringsAndIndexesIntegers) {
  for (const std::string key : {"1", "-1", "007"}) {
    Json e = MakeExample("digit key " + key);
    e["input"][key] = {{"rows", Json::array({Json::array()})}};
    for (int i = 0; i < 1001; ++i) e["input"][key]["rows"][0].push_back(i);
    auto one = server_.Post("/api/v1/examples", e);
    EXPECT_EQ(one.status, 422);
    EXPECT_EQ(Loc(one), Json::array({"body", "input", key, "rows", 0})) << one.raw.substr(0, 300);
    auto batch = server_.Post("/api/v1/examples/batch", {{"examples", Json::array({MakeExample("fine"), e})}});
    EXPECT_EQ(batch.status, 422);
    EXPECT_EQ(Loc(batch), Json::array({"body", "examples", 1, "input", key, "rows", 0})) << batch.raw.substr(0, 300);
    auto unknown = server_.Post("/api/v1/examples/search", {{key, 1}});
    EXPECT_EQ(unknown.status, 422);
    EXPECT_EQ(Loc(unknown), Json::array({"body", key})) << unknown.raw.substr(0, 300);
  }
}

TEST_F(BadInputStrict, MethodNotAllowedHeadAndHost) {
  auto allow = Raw("DELETE /api/v1/examples HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  ASSERT_EQ(allow.rfind("HTTP/1.1 405", 0), 0u) << allow;
  EXPECT_EQ(HeaderOf(allow, "Allow"), "GET, POST, HEAD, OPTIONS") << allow;
  // A literal segment is its own resource: /examples/search is not /examples/{id}.
  for (const char* method : {"HEAD", "GET"}) {
    auto r = Raw(std::string(method) + " /api/v1/examples/search HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(r.rfind("HTTP/1.1 405", 0), 0u) << method << ": " << r;
    EXPECT_EQ(HeaderOf(r, "Allow"), "POST, OPTIONS") << method;
  }
  auto head_get = Raw("HEAD /api/v1/examples HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(head_get.rfind("HTTP/1.1 200", 0), 0u) << head_get;
  auto no_host = Raw("GET /api/v1/examples HTTP/1.1\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(no_host.rfind("HTTP/1.1 400", 0), 0u) << no_host;
  auto two_hosts = Raw("GET /api/v1/examples HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(two_hosts.rfind("HTTP/1.1 400", 0), 0u) << two_hosts;
  for (const char* identity : {"Authorization: Bearer a", "X-Forwarded-Email: a@example.com"}) {
    auto twice = Raw("GET /api/v1/examples HTTP/1.1\r\nHost: 127.0.0.1\r\n" + std::string(identity) + "\r\n" +
                     identity + "x\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(twice.rfind("HTTP/1.1 400", 0), 0u) << identity << ": " << twice;
  }
  auto absolute = Raw("GET http://evil.example/api/v1/examples HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(absolute.rfind("HTTP/1.1 400", 0), 0u) << absolute;
  // The asterisk form is OPTIONS's alone: "GET *" got the web app's index.html with a 200.
  auto asterisk = Raw("GET * HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(asterisk.rfind("HTTP/1.1 400", 0), 0u) << asterisk;
  EXPECT_EQ(HeaderOf(asterisk, "X-Frame-Options"), "DENY") << asterisk;  // refusals too
  auto options = Raw("OPTIONS * HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(options.rfind("HTTP/1.1 204", 0), 0u) << options;
  // No reply may be framed by another site or sniffed as another type (an outside review framed
  // the loopback UI, acting as admin, from another port).
  for (const auto& reply : {head_get, options, Raw("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")}) {
    EXPECT_EQ(HeaderOf(reply, "X-Frame-Options"), "DENY") << reply;
    EXPECT_EQ(HeaderOf(reply, "Content-Security-Policy"), "frame-ancestors 'none'") << reply;
    EXPECT_EQ(HeaderOf(reply, "X-Content-Type-Options"), "nosniff") << reply;
  }
  auto old = Raw("GET /api/v1/examples HTTP/1.0\r\n\r\n");
  EXPECT_EQ(old.rfind("HTTP/1.0 200", 0), 0u) << old;
}

// The Host check read "localhost:1@evil.com" as localhost (the part before the first ':'). A Host
// header is host[:port] exactly, else the 421 a foreign host gets.
TEST_F(BadInputStrict, HostHeaderIsHostAndDigitsOnly) {
  auto get = [&](const std::string& host) {
    return Raw("GET /api/v1/examples HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n");
  };
  for (const std::string& host : {"localhost:1@evil.com", "localhost@evil.com", "user@localhost", "evil.com@localhost",
                                  "127.0.0.1:1@evil.com", "localhost:80x", "localhost:+80", "localhost:1:2", "localhost:",
                                  "localhost:123456", "local host", "localhost/x", "localhost%2f", "[::1]x", "[::1]:8o",
                                  "[evil.com]", "[::1", "localhost:80 evil.com"}) {
    const std::string r = get(host);
    EXPECT_EQ(r.rfind("HTTP/1.1 421", 0), 0u) << host << ": " << r;
    EXPECT_NE(r.find("misdirected_request"), std::string::npos) << host;
  }
  for (const std::string& host : std::vector<std::string>{"localhost", "LOCALHOST:8080", "127.0.0.1", "127.0.0.1:" + std::to_string(server_.port()),
                                  "[::1]", "[::1]:80"}) {
    const std::string r = get(host);
    EXPECT_EQ(r.rfind("HTTP/1.1 200", 0), 0u) << host << ": " << r;
  }
}

// Query parameters skipped the checks body text gets: a NUL, text that is not UTF-8 once decoded
// and a '%' without two hex digits all reached the handler (200). NUL and UTF-8 are 422s naming the
// parameter, as in a body; a broken percent-encoding is malformed syntax, 400 as broken JSON is.
TEST_F(BadInputStrict, QueryTextIsUtf8WithoutNulAndWellEncoded) {
  for (const char* path : {"/api/v1/examples?input.a%00b=x", "/api/v1/examples?domain=a%00b", "/api/v1/examples?domain=%ff%fe",
                           "/api/v1/examples?domain=%C0%AF", "/api/v1/examples?input.%ff=x"}) {
    auto r = server_.Get(path);
    EXPECT_EQ(r.status, 422) << path << " " << r.raw;
    EXPECT_EQ(Loc(r)[0], "query") << path << " " << r.raw;
  }
  EXPECT_EQ(Loc(server_.Get("/api/v1/examples?domain=a%00b"))[1], "domain");
  EXPECT_EQ(Loc(server_.Get("/api/v1/examples?input.a%00b=x"))[1], "input.a%00b");  // the name as sent
  EXPECT_EQ(Loc(server_.Get("/api/v1/examples?%ff=1"))[1], "%ff");  // not UTF-8 before it is unknown
  EXPECT_NE(server_.Get("/api/v1/examples?domain=%ff%fe").raw.find("UTF-8"), std::string::npos);
  for (const char* path : {"/api/v1/examples?domain=%", "/api/v1/examples?domain=%zz", "/api/v1/examples?domain=a%4",
                           "/api/v1/examples?dom%xxain=a"}) {
    auto r = server_.Get(path);
    EXPECT_EQ(r.status, 400) << path << " " << r.raw;
    EXPECT_NE(r.body.value("detail", "").find("query parameter"), std::string::npos) << r.raw;
  }
  EXPECT_NE(server_.Get("/api/v1/examples?domain=%zz").body.value("detail", "").find("'domain'"), std::string::npos);
  // Encoded text that is fine stays fine, the connection too (the refusal does not close it).
  for (const char* path : {"/api/v1/examples?domain=caf%C3%A9", "/api/v1/examples?domain=100%25", "/api/v1/examples?domain=a+b"}) {
    EXPECT_EQ(server_.Get(path).status, 200) << path;
  }
  auto two = Raw("GET /api/v1/examples?domain=%zz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                 "GET /api/v1/examples HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(two.rfind("HTTP/1.1 400", 0), 0u) << two;
  EXPECT_NE(two.find("HTTP/1.1 200"), std::string::npos) << two;
}

// The path had none of the query's checks: "/api/v1/examples/%zz" was looked up as the id "%zz"
// and "%00" reached the store as a NUL. Both, and text that is not UTF-8, are 400s that say why;
// an encoded path that is fine still routes.
TEST_F(BadInputStrict, PathTextIsUtf8WithoutNulAndWellEncoded) {
  for (const char* path : {"/api/v1/examples/%zz", "/api/v1/examples/ab%4", "/api/v1/examples/%", "/api/v1/examples/a%00b",
                           "/api/v1/examples/%ff%fe", "/api/v1/templates/%C0%AF/versions"}) {
    auto r = server_.Get(path);
    EXPECT_EQ(r.status, 400) << path << " " << r.raw;
    EXPECT_NE(r.body.value("detail", "").find("path"), std::string::npos) << path << " " << r.raw;
  }
  EXPECT_NE(server_.Get("/api/v1/examples/%zz").body.value("detail", "").find("%25"), std::string::npos);
  EXPECT_EQ(server_.Get("/api/v1/example%73").status, 200);
  EXPECT_EQ(server_.Get("/api/v1/examples/caf%C3%A9").status, 404);
}

// Query parameters a route does not declare are 422s naming them, as unknown body keys are (a typo
// like ?limit= for ?page_size= was silently ignored); declared ones, content filters included, work.
TEST_F(BadInputStrict, UnknownQueryParametersAreNamed) {
  for (const char* path : {"/api/v1/examples?limit=5", "/api/v1/examples?caf%C3%A9=1", "/api/v1/templates?page=1&statuss=draft",
                           "/api/v1/examples/export?format=jsonl&redacted=true", "/api/v1/dspy-runs?bogus=1",
                           "/api/v1/openapi.json?format=yaml"}) {
    auto r = server_.Get(path);
    EXPECT_EQ(r.status, 422) << path << " " << r.raw;
    EXPECT_EQ(Loc(r)[0], "query") << path;
    EXPECT_NE(r.raw.find("unknown query parameter"), std::string::npos) << r.raw;
  }
  EXPECT_EQ(Loc(server_.Get("/api/v1/examples?limit=5"))[1], "limit");
  // The other routes' name for a thing points to this route's (runs say template_id, examples
  // databit_id; retrieval says query, search query_text); search filters are top-level keys.
  EXPECT_NE(server_.Get("/api/v1/examples?template_id=x").raw.find("did you mean `databit_id`?"), std::string::npos);
  EXPECT_NE(server_.Post("/api/v1/examples/search", {{"query", "crack"}}).raw.find("did you mean `query_text`?"),
            std::string::npos);
  EXPECT_NE(server_.Post("/api/v1/examples/retrieve", {{"query", "crack"}, {"template_id", kOtherId}})
                .raw.find("did you mean `databit_id`?"),
            std::string::npos);
  EXPECT_NE(server_.Post("/api/v1/examples/search", {{"filters", {{"domain", "x"}}}}).raw.find("top-level keys"),
            std::string::npos);
  // An export is every matching row in created_at order: paging and sorting would be ignored.
  for (const char* param : {"page_size=5", "page=2", "cursor=abc", "sort_by=created_at", "sort_desc=true"}) {
    auto r = server_.Get(std::string("/api/v1/examples/export?") + param);
    EXPECT_EQ(r.status, 422) << param << " " << r.raw;
    EXPECT_EQ(Loc(r), Json::array({"query", std::string(param).substr(0, std::string(param).find('='))})) << r.raw;
  }
  EXPECT_EQ(server_.Post("/api/v1/examples/search?mode=keyword", {{"query_text", "x"}}).status, 422);
  for (const char* path : {"/api/v1/examples?page=1&page_size=5&sort_by=created_at&domain=x&input.text=a",
                           "/api/v1/examples/export?format=csv&redact=true&output.label=b", "/api/v1/templates?status=draft",
                           "/api/v1/openapi.json"}) {
    EXPECT_EQ(server_.Get(path).status, 200) << path;
  }
}

// GET /examples/databit/{databit_id}: the path names the template. An unknown one is a 404 like a
// malformed one (it was an empty page), and a databit_id query parameter is a 422 naming it (it
// was silently overwritten by the path).
TEST_F(BadInputStrict, DatabitRouteNamesItsTemplateOnlyInThePath) {
  const std::string a = Template("databit_a", 2);
  const std::string b = Template("databit_b", 1);
  auto page = server_.Get("/api/v1/examples/databit/" + a + "?page_size=5");
  ASSERT_EQ(page.status, 200) << page.raw;
  EXPECT_EQ(page.body["total"], 2);
  auto unknown = server_.Get("/api/v1/examples/databit/" + kOtherId);
  EXPECT_EQ(unknown.status, 404) << unknown.raw;
  auto both = server_.Get("/api/v1/examples/databit/" + a + "?databit_id=" + b);
  ASSERT_EQ(both.status, 422) << both.raw;
  EXPECT_EQ(Loc(both), Json::array({"query", "databit_id"}));
}

// A Transfer-Encoding other than a lone "chunked" leaves the body's end unknown: read as no body,
// the body's bytes ran as a second request (a smuggled write). Each is a 400 that closes the
// connection, and nothing in the body is stored.
TEST_F(BadInputStrict, TransferCodingsOtherThanChunkedAreRefusedAndNothingIsSmuggled) {
  const std::string body = MakeExample("smuggled write").dump();
  const std::string inner = "POST /api/v1/examples HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                            "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  for (const char* coding : {"xchunked", "gzip", "identity", "chunked, identity", "gzip, chunked"}) {
    for (bool with_length : {false, true}) {
      std::string head = std::string("POST /api/v1/examples/search HTTP/1.1\r\nHost: 127.0.0.1\r\n") +
                         "Transfer-Encoding: " + coding + "\r\n";
      if (with_length) head += "Content-Length: " + std::to_string(inner.size()) + "\r\n";
      auto r = Raw(head + "\r\n" + inner);
      EXPECT_EQ(r.rfind("HTTP/1.1 400", 0), 0u) << coding << ": " << r;
      EXPECT_EQ(r.find("HTTP/1.1 201"), std::string::npos) << coding << ": " << r;
    }
  }
  auto two = Raw("POST /api/v1/examples/search HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
                 "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n");
  EXPECT_EQ(two.rfind("HTTP/1.1 400", 0), 0u) << two;
  EXPECT_EQ(server_.Get("/api/v1/examples").body["total"], 0);
  // A lone "chunked", in any case, still works.
  const std::string query = R"({"query_text":"smuggled"})";
  char size[16];
  std::snprintf(size, sizeof size, "%zx", query.size());
  auto chunked = Raw("POST /api/v1/examples/search HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding:  Chunked \r\n"
                     "Content-Type: application/json\r\nConnection: close\r\n\r\n" + std::string(size) + "\r\n" +
                     query + "\r\n0\r\n\r\n");
  EXPECT_EQ(chunked.rfind("HTTP/1.1 200", 0), 0u) << chunked;
}

}  // namespace
}  // namespace exemplar::testing

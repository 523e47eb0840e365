// Operational limits (issue 10, SPEC §3): the cap on concurrent expensive requests answers 503
// with Retry-After while cheap requests keep answering, and recovers after the load; a body that
// stalls past the request deadline gets a 408 and the server stays healthy; /metrics counts a web-app
// deep link as a 200 of the web app, not as an unmatched 404.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <fstream>
#include <future>
#include <mutex>
#include <thread>

#include "common/ids.h"
#include "testing/test_server.h"

namespace exemplar::testing {
namespace {

constexpr int kDim = 8;

// An OpenAI-compatible /embeddings provider on loopback. While the gate is closed, every call
// blocks until it opens: a search waiting here is an expensive request in flight.
class GatedProvider {
 public:
  GatedProvider() {
    server_.Post("/v1/embeddings", [this](const httplib::Request& req, httplib::Response& res) {
      {
        std::unique_lock lock(mu_);
        ++waiting_;
        cv_.notify_all();
        cv_.wait_for(lock, std::chrono::seconds(30), [this] { return open_; });
        --waiting_;
      }
      Json request = Json::parse(req.body, nullptr, false);
      Json data = Json::array();
      for (size_t i = 0; i < request["input"].size(); ++i) {
        std::vector<double> v(kDim, 0.1);
        v[i % kDim] = 1.0;
        data.push_back({{"object", "embedding"}, {"index", i}, {"embedding", v}});
      }
      res.set_content(Json{{"object", "list"}, {"data", data}, {"model", "fake"}}.dump(), "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::yield();
  }
  ~GatedProvider() {
    SetOpen(true);
    server_.stop();
    thread_.join();
  }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  void SetOpen(bool open) {
    std::lock_guard lock(mu_);
    open_ = open;
    cv_.notify_all();
  }
  // Waits until `n` calls are blocked at the closed gate.
  bool AwaitWaiting(int n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(20), [&] { return waiting_ >= n; });
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = true;
  int waiting_ = 0;
};

Config ProviderConfig(const GatedProvider& provider, int max_expensive) {
  Config c;
  c.embedder = "openai";
  c.embed_base_url = provider.base_url();
  c.embed_model = "fake";
  c.embed_dimensions = kDim;
  c.embed_retries = 0;
  c.max_concurrent_expensive = max_expensive;
  return c;
}

struct SearchReply {
  int status = 0;
  Json body;
  std::string raw;
  std::string retry_after;
};

// A search as `token`'s caller ("": anonymous).
SearchReply Search(int port, const std::string& text, const std::string& token = "") {
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(60, 0);
  httplib::Headers headers;
  if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
  auto r = c.Post("/api/v1/examples/search", headers, Json{{"query_text", text}, {"mode", "vector"}, {"k", 3}}.dump(),
                  "application/json");
  SearchReply out;
  if (!r) return out;
  out.status = r->status;
  out.raw = r->body;
  out.body = Json::parse(r->body, nullptr, false);
  out.retry_after = r->get_header_value("Retry-After");
  return out;
}

TEST(Limits, SaturatedExpensiveCapAnswers503WhileCheapRequestsAnswer) {
  GatedProvider provider;
  TestServer server(ProviderConfig(provider, 2));
  auto created = server.Post("/api/v1/examples", MakeExample("bias voltage drift"));
  ASSERT_EQ(created.status, 201) << created.raw;
  std::string id = created.body["example_id"];

  provider.SetOpen(false);
  // Two searches take both slots: each waits for its query embedding at the closed gate.
  auto first = std::async(std::launch::async, [&] { return Search(server.port(), "first query"); });
  auto second = std::async(std::launch::async, [&] { return Search(server.port(), "second query"); });
  ASSERT_TRUE(provider.AwaitWaiting(2));

  // Every expensive route is refused at once with 503, Retry-After and a JSON error body.
  for (int i = 0; i < 3; ++i) {
    SearchReply busy = Search(server.port(), "third query " + std::to_string(i));
    ASSERT_EQ(busy.status, 503) << busy.raw;
    EXPECT_EQ(busy.retry_after, "1");
    EXPECT_EQ(busy.body["code"], "unavailable");
    EXPECT_NE(busy.body["detail"].get<std::string>().find("busy"), std::string::npos) << busy.raw;
  }
  EXPECT_EQ(server.Post("/api/v1/examples/retrieve", {{"query", "drift"}}).status, 503);
  EXPECT_EQ(server.Get("/api/v1/examples/export").status, 503);
  // Cheap requests still answer.
  EXPECT_EQ(server.Get("/healthz").status, 200);
  EXPECT_EQ(server.Get("/api/v1/examples/" + id).status, 200);
  EXPECT_EQ(server.Get("/api/v1/examples").status, 200);

  // After the load the slots are free again.
  provider.SetOpen(true);
  EXPECT_EQ(first.get().status, 200);
  EXPECT_EQ(second.get().status, 200);
  std::vector<std::future<SearchReply>> after;
  for (int i = 0; i < 2; ++i) {
    after.push_back(std::async(std::launch::async, [&, i] { return Search(server.port(), "after " + std::to_string(i)); }));
  }
  for (auto& f : after) EXPECT_EQ(f.get().status, 200);
  EXPECT_EQ(server.Get("/api/v1/examples/export").status, 200);
  std::string metrics = server.Get("/metrics").raw;
  EXPECT_NE(metrics.find("route=\"/api/v1/examples/search\",status=\"503\"} 3\n"), std::string::npos) << metrics;
}

// One client could take every expensive slot (40 exports it never read, 32 duplicate reports) and
// shut every other client out with 503s. A caller gets at most three quarters of the slots; over
// its share it alone gets 429, and the rest stay for others.
TEST(Limits, OneCallerCannotTakeEveryExpensiveSlot) {
  GatedProvider provider;
  TestServer server(ProviderConfig(provider, 4));
  auto& auth = server.runtime().auth();
  const std::string greedy = auth.CreateToken(service::Role::kRead, "greedy")->second;
  const std::string other = auth.CreateToken(service::Role::kRead, "other")->second;
  ASSERT_EQ(server.Post("/api/v1/examples", MakeExample("bias voltage drift")).status, 201);

  provider.SetOpen(false);
  std::vector<std::future<SearchReply>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::async(std::launch::async, [&, i] { return Search(server.port(), "q" + std::to_string(i), greedy); }));
  }
  ASSERT_TRUE(provider.AwaitWaiting(3));
  SearchReply over = Search(server.port(), "one more", greedy);
  EXPECT_EQ(over.status, 429) << over.raw;
  EXPECT_EQ(over.retry_after, "1");
  EXPECT_NE(over.raw.find("share per caller"), std::string::npos) << over.raw;
  // Another caller still gets the slot left; once all are taken, everyone gets 503.
  held.push_back(std::async(std::launch::async, [&] { return Search(server.port(), "their drift", other); }));  // a content word: it is embedded
  ASSERT_TRUE(provider.AwaitWaiting(4)) << "the other caller found no free slot";
  EXPECT_EQ(Search(server.port(), "full", other).status, 503);
  provider.SetOpen(true);
  for (auto& f : held) EXPECT_EQ(f.get().status, 200);
  EXPECT_EQ(Search(server.port(), "after", greedy).status, 200);
}

// Point reads and health checks run on the event loop (Route::quick), so they answer even when
// every handler worker is held: here the only worker waits on a search's query embedding.
TEST(Limits, PointReadsAnswerWhileEveryWorkerIsBusy) {
  GatedProvider provider;
  Config c = ProviderConfig(provider, 1);
  c.threads = 1;
  TestServer server(c);
  auto created = server.Post("/api/v1/examples", MakeExample("bias voltage drift"));
  ASSERT_EQ(created.status, 201) << created.raw;
  std::string id = created.body["example_id"];

  provider.SetOpen(false);
  auto held = std::async(std::launch::async, [&] { return Search(server.port(), "held query"); });
  ASSERT_TRUE(provider.AwaitWaiting(1));
  httplib::Client client("127.0.0.1", server.port());
  client.set_read_timeout(10, 0);  // a read queued behind the held worker would wait for the gate
  auto got = client.Get(("/api/v1/examples/" + id).c_str());
  ASSERT_TRUE(got) << "GET by id waited behind the busy worker";
  EXPECT_EQ(got->status, 200);
  auto health = client.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(held.wait_for(std::chrono::seconds(0)), std::future_status::timeout) << "the search was not held";

  provider.SetOpen(true);
  EXPECT_EQ(held.get().status, 200);
}

TEST(Limits, ExpensiveCapDefaultsToHalfTheWorkers) {
  Config c;
  c.threads = 64;
  EXPECT_EQ(c.ExpensiveLimit(), 32);
  ASSERT_TRUE(c.Set("max_concurrent_expensive", "5").ok());
  EXPECT_EQ(c.ExpensiveLimit(), 5);
  EXPECT_FALSE(c.Set("max_concurrent_expensive", "-1").ok());
  EXPECT_FALSE(c.Set("read_timeout_s", "0").ok());
}

int Connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  timeval tv{15, 0};  // the test's own bound on waiting for the server's answer
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

TEST(Limits, StalledBodyGets408AtTheRequestDeadlineAndServerStaysHealthy) {
  Config c;
  c.request_timeout_s = 1;
  TestServer server(c);
  int fd = Connect(server.port());
  ASSERT_GE(fd, 0);
  std::string head =
      "POST /api/v1/examples HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\n"
      "Content-Length: 1000\r\n\r\n{\"input\": {\"text\": \"slow";
  ASSERT_EQ(send(fd, head.data(), head.size(), 0), static_cast<ssize_t>(head.size()));
  auto start = std::chrono::steady_clock::now();
  // While the body stalls, other clients are served.
  EXPECT_EQ(server.Get("/healthz").status, 200);
  // Read one whole response: the head, then Content-Length bytes.
  std::string reply;
  char buf[4096];
  for (ssize_t n; (n = recv(fd, buf, sizeof buf, 0)) > 0;) {
    reply.append(buf, static_cast<size_t>(n));
    size_t head_end = reply.find("\r\n\r\n");
    size_t cl = reply.find("Content-Length: ");
    if (head_end != std::string::npos && cl != std::string::npos &&
        reply.size() >= head_end + 4 + std::stoul(reply.substr(cl + 16))) {
      break;
    }
  }
  close(fd);
  double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_EQ(reply.rfind("HTTP/1.1 408", 0), 0u) << reply;
  EXPECT_NE(reply.find("request_timeout_s"), std::string::npos) << reply;
  EXPECT_LT(waited, 10.0);  // cut off by the 1 s request deadline, not by the test's own 15 s bound
  EXPECT_EQ(server.Get("/healthz").status, 200);
  EXPECT_EQ(server.Get("/api/v1/examples").body["total"], 0);
  EXPECT_EQ(server.Post("/api/v1/examples", MakeExample("fast")).status, 201);
}

// Reads from `fd` until the server closes it or `seconds` pass; what arrived.
std::string ReadUntilClosed(int fd, int seconds) {
  timeval tv{seconds, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string reply;
  char buf[4096];
  for (ssize_t n; (n = recv(fd, buf, sizeof buf, 0)) > 0;) reply.append(buf, static_cast<size_t>(n));
  return reply;
}

// A body declared over max_body_bytes is refused from the head alone: the 413 came only after
// request_timeout_s (the server waited for a body it would discard), and a client that sent
// Expect: 100-continue got neither a 100 nor the 413.
TEST(Limits, OversizedDeclaredBodyGets413AtOnceWithOrWithoutExpectContinue) {
  Config c;
  c.request_timeout_s = 20;  // far beyond the 5 s the test waits
  TestServer server(c);
  for (const char* expect : {"", "Expect: 100-continue\r\n"}) {
    int fd = Connect(server.port());
    ASSERT_GE(fd, 0);
    const std::string head = std::string("POST /api/v1/examples HTTP/1.1\r\nHost: 127.0.0.1\r\n") +
                             "Content-Type: application/json\r\nContent-Length: 20971520\r\n" + expect + "\r\n";
    ASSERT_EQ(send(fd, head.data(), head.size(), MSG_NOSIGNAL), static_cast<ssize_t>(head.size()));
    const auto start = std::chrono::steady_clock::now();
    const std::string reply = ReadUntilClosed(fd, 5);  // closed by the server, not cut by the timeout
    const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    close(fd);
    EXPECT_EQ(reply.rfind("HTTP/1.1 413", 0), 0u) << expect << reply;
    EXPECT_NE(reply.find("max_body_bytes"), std::string::npos) << reply;
    EXPECT_NE(reply.find("Connection: close"), std::string::npos) << reply;
    EXPECT_EQ(reply.find("100 Continue"), std::string::npos) << reply;
    EXPECT_LT(waited, 4.0) << expect;
  }
  // A client that sends the oversized body anyway still reads its 413 (not a reset).
  {
    int fd = Connect(server.port());
    ASSERT_GE(fd, 0);
    const std::string body(9 * 1024 * 1024, ' ');
    const std::string request = "POST /api/v1/examples HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                                "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    std::thread sender([&] { send(fd, request.data(), request.size(), MSG_NOSIGNAL); });
    const std::string reply = ReadUntilClosed(fd, 10);
    sender.join();
    close(fd);
    EXPECT_EQ(reply.rfind("HTTP/1.1 413", 0), 0u) << reply;
  }
  // Within the limit, Expect: 100-continue gets its 100 before the body is sent.
  int fd = Connect(server.port());
  ASSERT_GE(fd, 0);
  const std::string body = MakeExample("sent after 100 Continue").dump();
  const std::string head = "POST /api/v1/examples HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                           "Content-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: " +
                           std::to_string(body.size()) + "\r\n\r\n";
  ASSERT_EQ(send(fd, head.data(), head.size(), MSG_NOSIGNAL), static_cast<ssize_t>(head.size()));
  char buf[256];
  const ssize_t n = recv(fd, buf, sizeof buf, 0);
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(buf, static_cast<size_t>(n)), "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_EQ(send(fd, body.data(), body.size(), MSG_NOSIGNAL), static_cast<ssize_t>(body.size()));
  const std::string reply = ReadUntilClosed(fd, 10);
  close(fd);
  EXPECT_EQ(reply.rfind("HTTP/1.1 201", 0), 0u) << reply;
}

TEST(Metrics, WebAppDeepLinkCountsAsServedNotUnmatched) {
  std::filesystem::path web = std::filesystem::path(::testing::TempDir()) / ("exemplar_web_" + NewUuid());
  std::filesystem::create_directories(web);
  std::ofstream(web / "index.html") << "<!doctype html><title>Exemplar</title>";
  Config c;
  c.web_dir = web.string();
  {
    TestServer server(c);
    auto page = server.Get("/examples/6f9619ff-8b86-d011-b42d-00c04fc964ff");
    EXPECT_EQ(page.status, 200);
    EXPECT_NE(page.raw.find("<title>Exemplar</title>"), std::string::npos);
    EXPECT_EQ(server.Get("/api/v1/no-such-route").status, 404);
    std::string metrics = server.Get("/metrics").raw;
    EXPECT_NE(metrics.find("exemplar_http_requests_total{method=\"GET\",route=\"web_app\",status=\"200\"} 1\n"),
              std::string::npos)
        << metrics;
    EXPECT_NE(metrics.find("exemplar_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"} 1\n"),
              std::string::npos)
        << metrics;
    // Made-up methods share one label: each distinct one was a series kept for good (52 MB
    // of /metrics after 400 requests with 7,000-letter methods).
    const size_t before = metrics.size();
    for (int i = 0; i < 50; ++i) {
      const std::string method = "M" + std::to_string(i) + std::string(2000, 'A');
      int fd = Connect(server.port());
      ASSERT_GE(fd, 0);
      const std::string request = method + " /x HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
      ASSERT_EQ(send(fd, request.data(), request.size(), MSG_NOSIGNAL), static_cast<ssize_t>(request.size()));
      char buf[1024];
      while (recv(fd, buf, sizeof buf, 0) > 0) {
      }
      close(fd);
    }
    metrics = server.Get("/metrics").raw;
    EXPECT_EQ(metrics.find("M7AAAA"), std::string::npos);
    EXPECT_NE(metrics.find("method=\"other\",route=\"unmatched\""), std::string::npos) << metrics;
    EXPECT_LT(metrics.size(), before + 10000);
  }
  std::error_code ec;
  std::filesystem::remove_all(web, ec);
}

// The web directory's files and nothing else: a path whose first name is empty ("//etc/passwd")
// once joined onto the web directory named the root instead, and served any file to anyone.
TEST(WebDir, ServesNoFileOutsideTheWebDirectoryWhateverThePathsSpelling) {
  namespace fs = std::filesystem;
  const fs::path root = fs::path(::testing::TempDir()) / ("exemplar_webroot_" + NewUuid());
  const fs::path web = root / "web";
  fs::create_directories(web / "assets");
  std::ofstream(web / "index.html") << "<!doctype html><title>Exemplar</title>";
  std::ofstream(web / "assets" / "app.js") << "console.log('app')";
  std::ofstream(root / "secret.txt") << "TOPSECRET";
  Config c;
  c.web_dir = web.string();
  {
    TestServer server(c);
    auto raw_get = [&](const std::string& path) {
      int fd = Connect(server.port());
      EXPECT_GE(fd, 0);
      const std::string req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
      EXPECT_EQ(send(fd, req.data(), req.size(), 0), static_cast<ssize_t>(req.size()));
      std::string reply;
      char buf[4096];
      for (ssize_t n; (n = recv(fd, buf, sizeof buf, 0)) > 0;) reply.append(buf, static_cast<size_t>(n));
      close(fd);
      return reply;
    };
    EXPECT_NE(raw_get("/assets/app.js").find("console.log('app')"), std::string::npos);  // the build is served
    const std::string secret = (root / "secret.txt").string();
    for (const std::string& path : std::vector<std::string>{"/" + secret, "//" + secret.substr(1), "/assets/" + secret, "/assets//" + secret,
                                    "/%2F" + secret.substr(1), "/./../secret.txt", "/assets/../../secret.txt",
                                    "//etc/passwd", "/%2e%2e/secret.txt", "/..%2Fsecret.txt"}) {
      const std::string reply = raw_get(path);
      EXPECT_EQ(reply.find("TOPSECRET"), std::string::npos) << path;
      EXPECT_EQ(reply.find("root:"), std::string::npos) << path;
    }
  }
  std::error_code ec;
  fs::remove_all(root, ec);
}

// /metrics reports where memory goes (issue 24, item 2): malloc's heap and SQLite's share.
// A missing file of the build is a 404: answered with index.html and 200, a stale page's script
// request got HTML it could not run. The app's own deep links still load the app.
TEST(WebDir, MissingFilesAre404AndDeepLinksLoadTheApp) {
  namespace fs = std::filesystem;
  const fs::path web = fs::path(::testing::TempDir()) / ("exemplar_web_" + NewUuid());
  fs::create_directories(web / "assets");
  std::ofstream(web / "index.html") << "<!doctype html><title>Exemplar</title>";
  std::ofstream(web / "assets" / "app.js") << "console.log('app')";
  Config c;
  c.web_dir = web.string();
  {
    TestServer server(c);
    for (const char* missing : {"/assets/missing.js", "/assets/deep/chunk", "/favicon.ico", "/examples/logo.png",
                                "/robots.txt"}) {
      auto r = server.Get(missing);
      EXPECT_EQ(r.status, 404) << missing;
      EXPECT_EQ(r.raw.find("<title>Exemplar</title>"), std::string::npos) << missing;
      EXPECT_NE(r.body.value("detail", "").find(missing), std::string::npos) << r.raw;
    }
    for (const char* page : {"/", "/examples/6f9619ff-8b86-d011-b42d-00c04fc964ff", "/templates", "/examples/123",
                             "/runs/", "/snapshots"}) {
      auto r = server.Get(page);
      EXPECT_EQ(r.status, 200) << page;
      EXPECT_NE(r.raw.find("<title>Exemplar</title>"), std::string::npos) << page;
    }
    EXPECT_EQ(server.Get("/assets/app.js").raw, "console.log('app')");
  }
  std::error_code ec;
  fs::remove_all(web, ec);
}

TEST(Metrics, MemoryGaugesArePresentAndPlausible) {
  TestServer server{Config{}};
  ASSERT_EQ(server.Post("/api/v1/examples", MakeExample("bias voltage drift")).status, 201);
  const std::string metrics = server.Get("/metrics").raw;
  auto gauge = [&](const std::string& name) {
    const auto at = metrics.find("\n" + name + " ");
    if (at == std::string::npos) return -1.0;
    return std::stod(metrics.substr(at + name.size() + 2));
  };
  EXPECT_GT(gauge("exemplar_memory_malloc_in_use_bytes"), 0) << metrics;
  EXPECT_GE(gauge("exemplar_memory_malloc_free_bytes"), 0);
  EXPECT_GE(gauge("exemplar_memory_malloc_arena_bytes"), gauge("exemplar_memory_malloc_in_use_bytes"));
  EXPECT_GE(gauge("exemplar_memory_malloc_arenas"), 1);
  EXPECT_GT(gauge("exemplar_memory_sqlite_bytes"), 0);  // the store's connections hold schema and pages
  // The per-example structures: one example's catalog entry and keyword postings.
  const double catalog = gauge("exemplar_index_catalog_bytes"), keywords = gauge("exemplar_index_keyword_bytes");
  EXPECT_GT(catalog, 0);
  EXPECT_GT(keywords, 0);
  for (const char* text : {"gain shift after power cycle", "dead channel on the left module"}) {
    ASSERT_EQ(server.Post("/api/v1/examples", MakeExample(text)).status, 201);
  }
  const std::string after = server.Get("/metrics").raw;
  const auto at = after.find("\nexemplar_index_catalog_bytes ");
  ASSERT_NE(at, std::string::npos);
  EXPECT_GE(std::stod(after.substr(at + 30)), catalog);  // two more entries
}

}  // namespace
}  // namespace exemplar::testing

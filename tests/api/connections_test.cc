// The event-driven HTTP layer (issue 16): connections that are idle, slow or streaming hold no
// worker, so cheap requests on fresh connections are still answered while more connections than
// workers are held open; a request head that trickles in gets 408 at the request deadline; a POST
// without body or Content-Length has an empty body; exports stream with chunked encoding and stop
// when their client leaves; many open event streams neither block /healthz nor exceed
// max_event_streams; HEAD on a streamed route gets the head alone.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "testing/lm_catcher.h"
#include "testing/raw_connection.h"
#include "testing/seed_fixture.h"
#include "testing/test_server.h"

namespace exemplar::testing {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// The slowest of `n` rounds of GET /healthz and GET by id, each on a fresh connection (a held
// keep-alive connection would not show a starved accept path).
double SlowestCheapRequestMs(int port, const std::string& id, int n) {
  double worst = 0;
  for (int i = 0; i < n; ++i) {
    for (const std::string& path : {std::string("/healthz"), "/api/v1/examples/" + id}) {
      httplib::Client fresh("127.0.0.1", port);
      fresh.set_read_timeout(20, 0);
      auto t0 = Clock::now();
      auto r = fresh.Get(path.c_str());
      double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
      EXPECT_TRUE(r && r->status == 200) << path;
      worst = std::max(worst, ms);
    }
  }
  return worst;
}

TEST(Connections, HeldConnectionsBeyondTheWorkerPoolDoNotStarveCheapRequests) {
  TestServer server;  // 16 handler workers
  auto created = server.Post("/api/v1/examples", MakeExample("held connections"));
  ASSERT_EQ(created.status, 201) << created.raw;
  std::string id = created.body["example_id"];

  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < 60; ++i) held.push_back(std::make_unique<RawConnection>(server.port()));  // idle
  for (int i = 0; i < 20; ++i) {  // slow heads: a header line that never ends
    held.push_back(std::make_unique<RawConnection>(server.port()));
    EXPECT_TRUE(held.back()->Send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: a"));
  }
  for (int i = 0; i < 20; ++i) {  // slow bodies: 10 of 1000 declared bytes
    held.push_back(std::make_unique<RawConnection>(server.port()));
    EXPECT_TRUE(held.back()->Send("POST /api/v1/examples HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                                  "Content-Length: 1000\r\n\r\n{\"input\": "));
  }
  for (const auto& c : held) ASSERT_TRUE(c->ok());
  // One more byte on each slow head, as a slowloris client sends them.
  for (int i = 60; i < 80; ++i) EXPECT_TRUE(held[i]->Send("a"));

  // 100 connections are held open against 16 workers; fresh clients are still answered at once.
  double worst = SlowestCheapRequestMs(server.port(), id, 10);
  EXPECT_LT(worst, 2000) << "a cheap request waited behind held connections";
  // The held connections are still open (not shed to make room): an idle one can still ask.
  ASSERT_TRUE(held[0]->Send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  EXPECT_EQ(held[0]->ReadUntil("\r\n\r\n", milliseconds(10000)).rfind("HTTP/1.1 200", 0), 0u);
}

TEST(Connections, TrickledRequestHeadGets408AtTheRequestDeadline) {
  Config c;
  c.request_timeout_s = 1;
  TestServer server(c);
  RawConnection slow(server.port());
  ASSERT_TRUE(slow.Send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "));
  auto start = Clock::now();
  std::string reply;
  // One header byte every 200 ms: each read makes progress, so only a deadline on the whole head
  // stops it. Bounded by 50 bytes (10 s).
  for (int i = 0; i < 50 && reply.find("\r\n\r\n") == std::string::npos; ++i) {
    slow.Send("a");
    reply = slow.ReadUntil("\r\n\r\n", milliseconds(200));
  }
  double waited = std::chrono::duration<double>(Clock::now() - start).count();
  ASSERT_EQ(reply.rfind("HTTP/1.1 408", 0), 0u) << reply;
  EXPECT_LT(waited, 5.0);
  reply = slow.ReadToClose(milliseconds(5000));
  EXPECT_NE(reply.find("request_timeout_s"), std::string::npos) << reply;
  EXPECT_TRUE(slow.closed());
  EXPECT_EQ(server.Get("/healthz").status, 200);
}

TEST(Connections, IdleKeepAliveConnectionIsClosedAfterItsTimeout) {
  Config c;
  c.keep_alive_timeout_s = 1;
  TestServer server(c);
  RawConnection idle(server.port());
  ASSERT_TRUE(idle.Send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  EXPECT_EQ(idle.ReadUntil("\r\n\r\n", milliseconds(5000)).rfind("HTTP/1.1 200", 0), 0u);
  auto start = Clock::now();
  idle.ReadToClose(milliseconds(10000));
  EXPECT_TRUE(idle.closed());
  EXPECT_LT(std::chrono::duration<double>(Clock::now() - start).count(), 5.0);
}

TEST(Connections, BodilessPostWithoutContentLengthIsAnEmptyBody) {
  TestServer server;
  // RFC 9112 §6.3: a request without Content-Length or Transfer-Encoding has no body.
  RawConnection c(server.port());
  ASSERT_TRUE(c.Send("POST /api/v1/dspy-runs/00000000-0000-4000-8000-000000000000/cancel HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  std::string reply = c.ReadUntil("}", milliseconds(10000));
  EXPECT_EQ(reply.rfind("HTTP/1.1 404", 0), 0u) << reply;  // the run is unknown; the request is fine
  // The connection stays usable: the empty body did not swallow the next request.
  c.Forget();
  ASSERT_TRUE(c.Send("POST /api/v1/examples/regenerate-embeddings HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"));
  reply = c.ReadToClose(milliseconds(10000));
  EXPECT_EQ(reply.rfind("HTTP/1.1 200", 0), 0u) << reply;
  EXPECT_NE(reply.find("\"serving_model\""), std::string::npos) << reply;  // the embedding status: nothing due
}

TEST(Connections, ExportStreamsEveryRowWithChunkedEncoding) {
  TestServer server;
  constexpr int kRows = 1100;  // more than two of the export's 500-row pages
  for (int start = 0; start < kRows; start += 550) {
    Json items = Json::array();
    for (int i = start; i < start + 550; ++i) items.push_back(MakeExample("export row " + std::to_string(i)));
    ASSERT_EQ(server.Post("/api/v1/examples/batch", {{"examples", items}}).status, 201);
  }
  httplib::Client c("127.0.0.1", server.port());
  c.set_read_timeout(60, 0);
  auto jsonl = c.Get("/api/v1/examples/export?format=jsonl");
  ASSERT_TRUE(jsonl);
  ASSERT_EQ(jsonl->status, 200);
  EXPECT_EQ(jsonl->get_header_value("Transfer-Encoding"), "chunked");
  EXPECT_FALSE(jsonl->has_header("Content-Length"));
  size_t lines = std::count(jsonl->body.begin(), jsonl->body.end(), '\n');
  EXPECT_EQ(lines, static_cast<size_t>(kRows));
  // Every row exactly once: pages follow a keyset cursor over (created_at, row), and a batch's
  // rows share one created_at, so a page boundary inside a batch must neither skip nor repeat.
  for (int i = 0; i < kRows; ++i) {
    const std::string row = "export row " + std::to_string(i) + "\"";
    const size_t at = jsonl->body.find(row);
    ASSERT_NE(at, std::string::npos) << row;
    EXPECT_EQ(jsonl->body.find(row, at + 1), std::string::npos) << row << " twice";
  }

  auto csv = c.Get("/api/v1/examples/export?format=csv");
  ASSERT_TRUE(csv);
  EXPECT_EQ(csv->get_header_value("Transfer-Encoding"), "chunked");
  EXPECT_EQ(csv->body.rfind("example_id,", 0), 0u);
}

TEST(Connections, ExportStopsWhenItsClientLeaves) {
  Config c;
  c.max_concurrent_expensive = 1;  // the export holds the only slot while it streams
  TestServer server(c);
  for (int start = 0; start < 2000; start += 500) {
    Json items = Json::array();
    for (int i = start; i < start + 500; ++i) {
      items.push_back(MakeExample("a long enough export row to fill socket buffers, number " + std::to_string(i) +
                                  std::string(200, 'x')));
    }
    ASSERT_EQ(server.Post("/api/v1/examples/batch", {{"examples", items}}).status, 201);
  }
  ASSERT_EQ(server.Post("/api/v1/examples/search", {{"query_text", "number 7"}}).status, 200);  // floor measured
  // A client with a tiny receive window that reads only the response head: the export then stalls
  // on a full socket. Its head (200, not 503) proves it holds the slot; the probes below cannot
  // take the slot before it, since they start only after that.
  int fd = -1;
  std::string head;
  for (int attempt = 0; attempt < 20 && head.rfind("HTTP/1.1 200", 0) != 0; ++attempt) {
    if (fd >= 0) close(fd);
    fd = socket(AF_INET, SOCK_STREAM, 0);
    int tiny = 2048;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &tiny, sizeof tiny);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(server.port()));
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    std::string request = "GET /api/v1/examples/export HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    ASSERT_EQ(send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
    head.clear();
    char buf[16];
    pollfd pfd{fd, POLLIN, 0};
    while (head.size() < 12 && poll(&pfd, 1, 10000) > 0) {
      ssize_t n = recv(fd, buf, std::min<size_t>(sizeof buf, 12 - head.size()), 0);
      if (n <= 0) break;
      head.append(buf, static_cast<size_t>(n));
    }
  }
  ASSERT_EQ(head.rfind("HTTP/1.1 200", 0), 0u) << head;
  // While it is stalled, its slot is taken: another export is refused.
  int status = 0;
  for (int i = 0; i < 100 && status != 503; ++i) {
    status = server.Get("/api/v1/examples/export").status;
    if (status != 503) std::this_thread::sleep_for(milliseconds(50));  // the rest fits the socket buffers
  }
  ASSERT_EQ(status, 503) << "the stalled export did not hold its slot";
  // A plain search is answered on the event loop and takes no slot (README, max_concurrent_expensive;
  // review s22: they were refused behind others' exports and MMR searches).
  auto plain = server.Post("/api/v1/examples/search", {{"query_text", "number 1234"}, {"k", 3}});
  EXPECT_EQ(plain.status, 200) << plain.raw;
  EXPECT_EQ(server.Post("/api/v1/examples/search", {{"query_text", "number 1234"}, {"mmr", {{"lambda", 0.5}}}}).status, 503);
  // The client leaves: the server notices, drops the export and frees the slot.
  close(fd);
  for (int i = 0; i < 100 && status != 200; ++i) {
    status = server.Get("/api/v1/examples/export").status;
    if (status != 200) std::this_thread::sleep_for(milliseconds(50));  // the close reaches the server
  }
  EXPECT_EQ(status, 200) << "the export of a departed client still holds its slot";
}

// An OpenAI-compatible chat LM that holds every call until released, so a run stays running
// with its event streams open and quiet.
class HeldLm {
 public:
  HeldLm() {
    server_.Post("/v1/chat/completions", [this](const httplib::Request&, httplib::Response& res) {
      std::unique_lock lock(mu_);
      ++calls_;
      cv_.notify_all();
      cv_.wait_for(lock, std::chrono::seconds(60), [this] { return released_; });
      res.status = 500;
      res.set_content("{\"error\": \"released\"}", "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::yield();
  }
  ~HeldLm() {
    Release();
    server_.stop();
    thread_.join();
  }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  bool AwaitCall() {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(30), [this] { return calls_ > 0; });
  }
  void Release() {
    std::lock_guard lock(mu_);
    released_ = true;
    cv_.notify_all();
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  int calls_ = 0;
  bool released_ = false;
};

TEST(Connections, OpenEventStreamsDoNotBlockHealthzAndAreCapped) {
  HeldLm lm;
  Config c;
  constexpr int kStreams = 40;  // more than the 16 workers
  c.max_event_streams = kStreams;
  c.lm_providers["held"] = OneTryProvider(lm.base_url(), "held");  // an LM that holds every call
  TestServer server(c);
  auto ids = SeedThroughApi(server, EXEMPLAR_SEED_DIR);
  auto launched = server.Post("/api/v1/dspy-runs",
                              {{"template_id", ids["7d3e9a52-1c4b-4f8e-8a6d-2b5c9e0f1a01"]},
                               {"optimizer_type", "LabeledFewShot"},
                               {"lm", {{"provider", "held"}, {"timeout_ms", 60000}}}});
  ASSERT_EQ(launched.status, 201) << launched.raw;
  std::string run_id = launched.body["run_id"];
  ASSERT_TRUE(lm.AwaitCall());  // the run is running, blocked on its LM
  std::string request = "GET /api/v1/dspy-runs/" + run_id + "/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

  // One client address holds at most three quarters of the slots (30 of 40): beyond that it gets
  // 429 while another client still finds the rest.
  std::vector<std::unique_ptr<RawConnection>> streams;
  constexpr int kShare = kStreams - kStreams / 4;
  for (int i = 0; i < kStreams; ++i) {
    if (i == kShare) {
      RawConnection greedy(server.port());
      ASSERT_TRUE(greedy.Send(request));
      std::string over = greedy.ReadUntil("\r\n\r\n", milliseconds(10000));
      EXPECT_EQ(over.rfind("HTTP/1.1 429", 0), 0u) << over;
    }
    streams.push_back(std::make_unique<RawConnection>(server.port(), i < kShare ? "127.0.0.1" : "127.0.0.2"));
    ASSERT_TRUE(streams.back()->Send(request));
    std::string first = streams.back()->ReadUntil("\n\n", milliseconds(10000));
    ASSERT_EQ(first.rfind("HTTP/1.1 200", 0), 0u) << "stream " << i << ": " << first;
    EXPECT_NE(first.find("Transfer-Encoding: chunked"), std::string::npos);
    EXPECT_NE(first.find("event: status"), std::string::npos);
  }
  // One stream beyond max_event_streams is refused at once, from any address.
  RawConnection extra(server.port(), "127.0.0.3");
  ASSERT_TRUE(extra.Send(request));
  std::string refused = extra.ReadUntil("\r\n\r\n", milliseconds(10000));
  EXPECT_EQ(refused.rfind("HTTP/1.1 503", 0), 0u) << refused;
  EXPECT_NE(refused.find("Retry-After"), std::string::npos) << refused;

  // The open streams hold no worker.
  auto example = server.Post("/api/v1/examples", MakeExample("while streams are open"));
  ASSERT_EQ(example.status, 201);
  EXPECT_LT(SlowestCheapRequestMs(server.port(), example.body["example_id"], 10), 2000);

  // The run fails once its LM answers: every stream gets the final status and ends.
  lm.Release();
  for (int i = 0; i < kStreams; ++i) {
    std::string all = streams[i]->ReadToClose(milliseconds(30000));
    EXPECT_TRUE(streams[i]->closed()) << "stream " << i;
    EXPECT_NE(all.find("\"failed\""), std::string::npos) << "stream " << i << ": " << all;
    EXPECT_NE(all.find("\r\n0\r\n\r\n"), std::string::npos) << "stream " << i << " lacks the last chunk";
  }
  // Their slots are free again.
  RawConnection after(server.port());
  ASSERT_TRUE(after.Send(request));
  EXPECT_EQ(after.ReadUntil("\r\n\r\n", milliseconds(10000)).rfind("HTTP/1.1 200", 0), 0u);
}

// HEAD on a streamed route: the head GET would get, then the end of the connection; no body is
// produced, so no export page is sent and no event-stream slot is held.
TEST(Connections, HeadOnAStreamedRouteSendsTheHeadAlone) {
  HeldLm lm;
  Config c;
  c.max_event_streams = 1;  // a HEAD holding the one slot would shut the GET below out
  c.lm_providers["held"] = OneTryProvider(lm.base_url(), "held");
  TestServer server(c);
  auto ids = SeedThroughApi(server, EXEMPLAR_SEED_DIR);
  // The head of a reply ends at its blank line; a HEAD reply ends there too.
  auto head_alone = [](const std::string& reply) {
    const size_t end = reply.find("\r\n\r\n");
    return end != std::string::npos && end + 4 == reply.size();
  };
  for (const std::string format : {"jsonl", "csv"}) {
    RawConnection head(server.port());
    ASSERT_TRUE(head.Send("HEAD /api/v1/examples/export?format=" + format + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
    const std::string reply = head.ReadToClose(milliseconds(10000));
    EXPECT_TRUE(head.closed()) << format;
    EXPECT_EQ(reply.rfind("HTTP/1.1 200", 0), 0u) << reply;
    EXPECT_NE(reply.find("Transfer-Encoding: chunked"), std::string::npos) << reply;  // as GET says
    EXPECT_TRUE(head_alone(reply)) << format << " export sent a body to HEAD: " << reply.substr(0, 400);
  }

  auto launched = server.Post("/api/v1/dspy-runs", {{"template_id", ids["7d3e9a52-1c4b-4f8e-8a6d-2b5c9e0f1a01"]},
                                                    {"optimizer_type", "LabeledFewShot"},
                                                    {"lm", {{"provider", "held"}, {"timeout_ms", 60000}}}});
  ASSERT_EQ(launched.status, 201) << launched.raw;
  const std::string events = "/api/v1/dspy-runs/" + launched.body["run_id"].get<std::string>() + "/events";
  ASSERT_TRUE(lm.AwaitCall());  // the run is running: a GET of its events would stay open
  RawConnection head(server.port());
  ASSERT_TRUE(head.Send("HEAD " + events + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  const std::string reply = head.ReadToClose(milliseconds(5000));
  EXPECT_TRUE(head.closed()) << "a HEAD of an event stream stayed open";
  EXPECT_EQ(reply.rfind("HTTP/1.1 200", 0), 0u) << reply;
  EXPECT_NE(reply.find("Content-Type: text/event-stream"), std::string::npos) << reply;
  EXPECT_TRUE(head_alone(reply)) << "events sent to HEAD: " << reply;
  // The one event-stream slot is free for a real stream.
  RawConnection get(server.port());
  ASSERT_TRUE(get.Send("GET " + events + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  const std::string first = get.ReadUntil("\n\n", milliseconds(10000));
  EXPECT_EQ(first.rfind("HTTP/1.1 200", 0), 0u) << first;
  EXPECT_NE(first.find("event: status"), std::string::npos) << first;
  lm.Release();
}

}  // namespace
}  // namespace exemplar::testing

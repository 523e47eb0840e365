// A lost PostgreSQL server (review s22): while it cannot be reached, the store's log gets one line
// when it is lost, then at most a summary every 10 s, and one line when it is back, instead of a
// line for every retry of every caller (~25 a second per replica). The lease renewals of running
// optimization runs are summarised the same way (review s23).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <regex>
#include <sstream>
#include <thread>
#include <vector>

#include "common/ids.h"
#include "common/time.h"
#include "service/runs/run_lease.h"
#include "storage/store.h"
#include "testing/pg_test_db.h"

namespace exemplar::testing {
namespace {

// Forwards loopback TCP connections to 127.0.0.1:target until Cut(), which closes every
// connection and the listening socket (new connections are refused); Resume() listens again on
// the same port.
class TcpForwarder {
 public:
  explicit TcpForwarder(int target) : target_(target) { Listen(0); }
  ~TcpForwarder() { Cut(); }
  int port() const { return port_; }

  void Cut() {
    stop_ = true;
    if (acceptor_.joinable()) acceptor_.join();
    std::vector<std::thread> pumps;
    {
      std::lock_guard lock(mu_);
      for (int fd : open_) shutdown(fd, SHUT_RDWR);
      pumps.swap(pumps_);
    }
    for (auto& t : pumps) t.join();
    std::lock_guard lock(mu_);
    for (int fd : open_) close(fd);
    open_.clear();
  }
  void Resume() { Listen(port_); }

 private:
  void Listen(int port) {
    listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    ASSERT_EQ(bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ASSERT_EQ(listen(listen_fd_, 64), 0);
    socklen_t len = sizeof addr;
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    stop_ = false;
    acceptor_ = std::thread([this] { Accept(); });
  }
  void Accept() {
    while (!stop_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (poll(&p, 1, 20) <= 0) continue;
      const int client = accept(listen_fd_, nullptr, nullptr);
      if (client < 0) continue;
      const int server = socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      addr.sin_port = htons(static_cast<uint16_t>(target_));
      if (connect(server, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        close(client);
        close(server);
        continue;
      }
      std::lock_guard lock(mu_);
      open_.push_back(client);
      open_.push_back(server);
      pumps_.emplace_back([client, server] { Pump(client, server); });
    }
    close(listen_fd_);
  }
  // Copies bytes both ways until either side closes.
  static void Pump(int a, int b) {
    char buf[16384];
    for (;;) {
      pollfd p[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
      if (poll(p, 2, -1) <= 0) return;
      for (int i = 0; i < 2; ++i) {
        if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        const ssize_t n = read(p[i].fd, buf, sizeof buf);
        if (n <= 0) return;
        for (ssize_t sent = 0; sent < n;) {
          const ssize_t w = write(p[1 - i].fd, buf + sent, static_cast<size_t>(n - sent));
          if (w <= 0) return;
          sent += w;
        }
      }
    }
  }

  const int target_;
  int port_ = 0;
  int listen_fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<int> open_;             // GUARDED_BY(mu_)
  std::vector<std::thread> pumps_;    // GUARDED_BY(mu_)
};

// Captures the default logger's lines while it lives.
class LogCapture {
 public:
  LogCapture() : previous_(spdlog::default_logger()) {
    auto logger = std::make_shared<spdlog::logger>("capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(out_));
    logger->set_level(spdlog::level::info);
    logger->set_pattern("%v");
    spdlog::set_default_logger(logger);
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  std::vector<std::string> Lines(const std::string& containing) {
    spdlog::default_logger()->flush();
    std::vector<std::string> lines;
    std::istringstream in(out_.str());
    for (std::string line; std::getline(in, line);) {
      if (line.find(containing) != std::string::npos) lines.push_back(line);
    }
    return lines;
  }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

// The port of a postgres:// URL, and the URL with another port.
int ServerPort(const std::string& url) {
  std::smatch m;
  EXPECT_TRUE(std::regex_search(url, m, std::regex(R"(:(\d+)/)"))) << url;
  return m.empty() ? 0 : std::stoi(m[1]);
}
std::string ThroughPort(const std::string& url, int port) {
  return std::regex_replace(url, std::regex(R"(:\d+/)"), ":" + std::to_string(port) + "/",
                            std::regex_constants::format_first_only);
}

TEST(PgOutage, ALostServerIsLoggedOnceAndItsReturnToo) {
  PgTestDb db;
  TcpForwarder forwarder(ServerPort(db.url()));
  const std::string url = ThroughPort(db.url(), forwarder.port());
  auto store = storage::OpenPostgresStore(url, 2);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  const std::string id = NewUuid();
  ASSERT_TRUE((*store)->GetRun(id).status().IsNotFound());

  LogCapture log;
  forwarder.Cut();
  int failed = 0;
  for (auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2); std::chrono::steady_clock::now() < until;) {
    failed += (*store)->GetRun(id).status().code() == Code::kUnavailable;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_GE(failed, 10) << "the server was not lost";
  auto lines = log.Lines("postgres:");
  ASSERT_EQ(lines.size(), 1u) << "one line per retry: " << lines.size() << " lines for " << failed << " failed calls";
  EXPECT_NE(lines[0].find("retrying"), std::string::npos) << lines[0];

  forwarder.Resume();
  bool back = false;
  for (int i = 0; i < 500 && !back; ++i) {
    back = (*store)->GetRun(id).status().IsNotFound();
    if (!back) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(back) << "the server never came back";
  lines = log.Lines("postgres:");
  ASSERT_EQ(lines.size(), 2u) << lines.back();
  EXPECT_NE(lines[1].find("available again"), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find("failed attempts"), std::string::npos) << lines[1];
}

// The lease of a run being executed is renewed every lease / 3 (here every 100 ms): while the
// server is lost, its failures are one line, then a summary every 10 s, and one line when a
// renewal succeeds again; the run is still this replica's.
TEST(PgOutage, ALeaseThatCannotBeRenewedIsLoggedOnceAndItsReturnToo) {
  PgTestDb db;
  TcpForwarder forwarder(ServerPort(db.url()));
  const std::string url = ThroughPort(db.url(), forwarder.port());
  auto store = storage::OpenPostgresStore(url, 2);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  RunRecord run;
  run.id = NewUuid();
  run.template_id = NewUuid();
  run.created_at = run.updated_at = NowMillis();
  ASSERT_TRUE((*store)->InsertRun(run).ok());
  constexpr int64_t kLeaseMs = 300;
  // Claimed with a long lease, so that it stays this replica's through the outage.
  ASSERT_TRUE(*(*store)->ClaimRun(run.id, "me", 60 * 1000, &run));

  LogCapture log;
  service::RunLease lease(**store, run.id, "me", kLeaseMs);
  forwarder.Cut();
  std::this_thread::sleep_for(std::chrono::seconds(2));
  auto lines = log.Lines("its lease");
  ASSERT_EQ(lines.size(), 1u) << "a line per failed renewal";
  EXPECT_NE(lines[0].find("cannot renew its lease"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("summarised"), std::string::npos) << lines[0];

  forwarder.Resume();
  bool back = false;
  for (int i = 0; i < 500 && !back; ++i) {
    back = log.Lines("its lease").size() >= 2;
    if (!back) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(back) << "no renewal succeeded after the server came back";
  lines = log.Lines("its lease");
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[1].find("renewed again"), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find("failed renewals"), std::string::npos) << lines[1];
  EXPECT_FALSE(lease.lost());
  lease.Stop();
}

}  // namespace
}  // namespace exemplar::testing

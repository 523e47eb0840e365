// The bench's lean HTTP client against a real httplib server on a free loopback port: it must
// count what the server answered, not what it hoped for — every request reaches the server once,
// non-200 answers and unreadable (chunked) responses are errors, and a closed connection is
// reopened.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "cli/bench_http_load.h"

namespace exemplar {
namespace {

class LeanLoadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.Get("/ok", [this](const httplib::Request&, httplib::Response& res) {
      ++hits_;
      res.set_content(std::string(20000, 'x'), "text/plain");  // larger than one read
    });
    server_.Post("/echo", [this](const httplib::Request& req, httplib::Response& res) {
      ++hits_;
      res.set_content(req.body, "application/json");
    });
    server_.Get("/missing", [this](const httplib::Request&, httplib::Response& res) {
      ++hits_;
      res.status = 404;
      res.set_content("{}", "application/json");
    });
    server_.Get("/chunked", [](const httplib::Request&, httplib::Response& res) {
      res.set_chunked_content_provider("text/plain", [](size_t, httplib::DataSink& sink) {
        sink.write("abc", 3);
        sink.done();
        return true;
      });
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  void TearDown() override {
    server_.stop();
    thread_.join();
  }

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<int> hits_{0};
};

TEST_F(LeanLoadTest, EveryRequestIsAnsweredOnceOverKeptConnections) {
  const std::string get = cli::RawRequest("/ok");
  const cli::HttpLoad load = cli::RunLeanLoad(port_, 3, 300, [&](int) -> const std::string& { return get; });
  EXPECT_EQ(load.requests, 300);
  EXPECT_EQ(load.errors, 0);
  EXPECT_EQ(hits_.load(), 300);
  EXPECT_GT(load.qps, 0);
}

TEST_F(LeanLoadTest, PostBodiesArriveWhole) {
  const std::string body = R"({"query_text":"a b c","k":10})";
  const std::string post = cli::RawRequest("/echo", body);
  EXPECT_NE(post.find("Content-Length: " + std::to_string(body.size())), std::string::npos);
  const cli::HttpLoad load = cli::RunLeanLoad(port_, 2, 50, [&](int) -> const std::string& { return post; });
  EXPECT_EQ(load.errors, 0);
  EXPECT_EQ(hits_.load(), 50);
}

TEST_F(LeanLoadTest, NonOkAndUnreadableAnswersAreErrors) {
  const std::string ok = cli::RawRequest("/ok"), missing = cli::RawRequest("/missing"),
                    chunked = cli::RawRequest("/chunked");
  // Every third request gets a 404, every fifth (not third) a chunked answer the client cannot read
  // by length: it counts the error and reconnects for the next request.
  int expected_errors = 0;
  for (int i = 0; i < 60; ++i) expected_errors += (i % 3 == 0 || i % 5 == 0) ? 1 : 0;
  const cli::HttpLoad load = cli::RunLeanLoad(port_, 1, 60, [&](int i) -> const std::string& {
    return i % 3 == 0 ? missing : i % 5 == 0 ? chunked : ok;
  });
  EXPECT_EQ(load.requests, 60);
  EXPECT_EQ(load.errors, expected_errors);
}

TEST(LeanLoad, AServerThatIsNotThereGivesErrorsNotAHang) {
  // A port that was free a moment ago and has no listener: connections are refused.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  const int port = ntohs(addr.sin_port);
  const std::string get = cli::RawRequest("/ok");
  const cli::HttpLoad load = cli::RunLeanLoad(port, 2, 10, [&](int) -> const std::string& { return get; });
  EXPECT_EQ(load.errors, 10);
}

}  // namespace
}  // namespace exemplar

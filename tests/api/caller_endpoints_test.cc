// Caller LM endpoints (allow_caller_lm_endpoints) and the network around them: a caller's endpoint
// is called directly even when the server's environment names a proxy (which would get the
// caller's key and reach the host by name, bypassing the checked addresses), while the operator's
// providers keep honouring it; an IPv6 literal endpoint is called at all (its curl RESOLVE entry
// used to be malformed, so every such run failed before a byte was sent).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "testing/lm_catcher.h"
#include "testing/seed_fixture.h"

namespace exemplar::testing {
namespace {

const char* kDefectTemplate = "7d3e9a52-1c4b-4f8e-8a6d-2b5c9e0f1a01";

// A forward proxy on loopback that records the request line of every request it receives and
// answers 502: whatever reaches it went through the proxy.
class FakeProxy {
 public:
  FakeProxy() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    listen(fd_, 16);
    socklen_t len = sizeof addr;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~FakeProxy() {
    stop_ = true;
    thread_.join();
    close(fd_);
  }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<std::string> Seen() {
    std::lock_guard lock(mu_);
    return seen_;
  }

 private:
  void Serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      const int c = accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      std::string head;
      char buf[4096];
      pollfd in{c, POLLIN, 0};
      while (head.find("\r\n") == std::string::npos && poll(&in, 1, 2000) > 0) {
        const ssize_t n = recv(c, buf, sizeof buf, 0);
        if (n <= 0) break;
        head.append(buf, static_cast<size_t>(n));
      }
      {
        std::lock_guard lock(mu_);
        seen_.push_back(head.substr(0, head.find("\r\n")));
      }
      const std::string reply = "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      send(c, reply.data(), reply.size(), MSG_NOSIGNAL);
      close(c);
    }
  }

  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::string> seen_;
};

// Points libcurl's proxy variables at `proxy` (and clears NO_PROXY) while it lives; the previous
// values come back after. libcurl reads them on each transfer.
class ProxyEnvironment {
 public:
  explicit ProxyEnvironment(const std::string& proxy) {
    for (const char* name : {"http_proxy", "https_proxy", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"}) Set(name, proxy);
    for (const char* name : {"no_proxy", "NO_PROXY"}) Set(name, std::nullopt);
  }
  ~ProxyEnvironment() {
    for (const auto& [name, value] : saved_) {
      if (value) setenv(name.c_str(), value->c_str(), 1);
      else unsetenv(name.c_str());
    }
  }

 private:
  void Set(const char* name, const std::optional<std::string>& value) {
    const char* old = std::getenv(name);
    saved_[name] = old ? std::optional<std::string>(old) : std::nullopt;
    if (value) setenv(name, value->c_str(), 1);
    else unsetenv(name);
  }
  std::map<std::string, std::optional<std::string>> saved_;
};

Json LabeledRun(const std::string& tid, Json lm) {
  return {{"template_id", tid}, {"optimizer_type", "LabeledFewShot"}, {"lm", std::move(lm)},
          {"budget", {{"max_trials", 1}}}};
}

Config CallerEndpointsOnLoopback() {
  Config c;
  c.allow_caller_lm_endpoints = true;
  c.lm_allow_private_networks = true;  // the fake endpoints are on loopback
  return c;
}

TEST(CallerEndpoints, NeverGoThroughTheEnvironmentsProxy) {
  Catcher lm;
  FakeProxy proxy;
  ProxyEnvironment env(proxy.Url());
  TestServer server(CallerEndpointsOnLoopback());
  auto ids = SeedThroughApi(server, EXEMPLAR_SEED_DIR);
  auto r = server.Post("/api/v1/dspy-runs", LabeledRun(ids[kDefectTemplate], {{"base_url", lm.Url()}, {"model", "x"},
                                                                             {"max_retries", 0}, {"api_key", "caller-key-5"}}));
  ASSERT_EQ(r.status, 201) << r.raw;
  EXPECT_EQ(WaitForRun(server, r.body["run_id"])["status"], "failed");  // the catcher answers 500
  auto seen = lm.All();
  ASSERT_GE(seen.size(), 1u) << "the caller's endpoint was not called directly";
  EXPECT_EQ(seen[0].path, "/v1/chat/completions");
  EXPECT_EQ(seen[0].authorization, "Bearer caller-key-5");
  EXPECT_TRUE(proxy.Seen().empty()) << "the proxy received: " << proxy.Seen().front();
}

TEST(CallerEndpoints, TheOperatorsProvidersHonourTheEnvironmentsProxy) {
  Catcher lm;
  FakeProxy proxy;
  ProxyEnvironment env(proxy.Url());
  Config c;
  c.lm_providers["ops"] = OneTryProvider(lm.Url(), "m1");
  TestServer server(c);
  auto ids = SeedThroughApi(server, EXEMPLAR_SEED_DIR);
  auto r = server.Post("/api/v1/dspy-runs", LabeledRun(ids[kDefectTemplate], {{"provider", "ops"}}));
  ASSERT_EQ(r.status, 201) << r.raw;
  EXPECT_EQ(WaitForRun(server, r.body["run_id"])["status"], "failed");  // the proxy answers 502
  auto seen = proxy.Seen();
  ASSERT_GE(seen.size(), 1u);
  EXPECT_EQ(seen[0], "POST " + lm.Url() + "/chat/completions HTTP/1.1");
  EXPECT_TRUE(lm.All().empty());
}

TEST(CallerEndpoints, AnIpv6LiteralEndpointIsCalled) {
  Catcher lm("::1");
  if (!lm.ok()) GTEST_SKIP() << "no IPv6 loopback here";
  TestServer server(CallerEndpointsOnLoopback());
  auto ids = SeedThroughApi(server, EXEMPLAR_SEED_DIR);
  auto r = server.Post("/api/v1/dspy-runs", LabeledRun(ids[kDefectTemplate], {{"base_url", lm.Url()}, {"model", "x"},
                                                                             {"max_retries", 0}}));
  ASSERT_EQ(r.status, 201) << r.raw;
  const Json run = WaitForRun(server, r.body["run_id"]);
  auto seen = lm.All();
  ASSERT_GE(seen.size(), 1u) << "no call reached [::1]; the run says: " << run.value("error", "");
  EXPECT_EQ(seen[0].path, "/v1/chat/completions");
  // Without lm_allow_private_networks the literal is still checked: ::1 and ::ffff:0:127.0.0.1 are
  // refused at launch.
  Config strict;
  strict.allow_caller_lm_endpoints = true;
  TestServer refusing(strict);
  auto strict_ids = SeedThroughApi(refusing, EXEMPLAR_SEED_DIR);
  for (const std::string& url : {lm.Url(), std::string("http://[::ffff:0:127.0.0.1]:9/v1")}) {
    auto refused = refusing.Post("/api/v1/dspy-runs", LabeledRun(strict_ids[kDefectTemplate], {{"base_url", url}, {"model", "x"}}));
    EXPECT_EQ(refused.status, 422) << url << ": " << refused.raw;
  }
}

}  // namespace
}  // namespace exemplar::testing

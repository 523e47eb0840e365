// Catcher: a loopback HTTP server that records every POST it receives and answers 500, standing
// in for an LM endpoint (or an internal service an attacker would like the server to call).
#pragma once

#include <httplib.h>

#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/config.h"

namespace exemplar::testing {

// An operator's LM provider at `base_url` that tries each call once (a test sees every call).
inline LmProviderConfig OneTryProvider(const std::string& base_url, const std::string& model) {
  LmProviderConfig p;
  p.base_url = base_url;
  p.model = model;
  p.max_retries = 0;
  return p;
}

class Catcher {
 public:
  struct Seen {
    std::string path, authorization, body;
  };
  // `host`: the loopback address to listen on ("127.0.0.1", or "::1" for an IPv6 endpoint).
  explicit Catcher(std::string host = "127.0.0.1") : host_(std::move(host)) {
    svr_.Post(R"(/.*)", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu_);
      seen_.push_back({req.path, req.get_header_value("Authorization"), req.body});
      res.status = 500;
      res.set_content("{\"error\": \"catcher\"}", "application/json");
    });
    port_ = svr_.bind_to_any_port(host_);
    thread_ = std::thread([this] { svr_.listen_after_bind(); });
  }
  ~Catcher() {
    svr_.stop();
    thread_.join();
  }
  bool ok() const { return port_ > 0; }
  std::string Url() const {
    const bool v6 = host_.find(':') != std::string::npos;
    return "http://" + (v6 ? "[" + host_ + "]" : host_) + ":" + std::to_string(port_) + "/v1";
  }
  // Waits (bounded) until at least n requests arrived; returns what arrived.
  std::vector<Seen> WaitFor(size_t n, int seconds = 60) {
    for (int i = 0; i < seconds * 20; ++i) {
      {
        std::lock_guard lock(mu_);
        if (seen_.size() >= n) return seen_;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::lock_guard lock(mu_);
    return seen_;
  }
  std::vector<Seen> All() {
    std::lock_guard lock(mu_);
    return seen_;
  }

 private:
  std::string host_;
  httplib::Server svr_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::vector<Seen> seen_;
};

}  // namespace exemplar::testing

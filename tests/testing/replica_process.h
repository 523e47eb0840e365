// ReplicaProcess: a replica as a separate `exemplar serve` process on PostgreSQL, so that a test
// can kill it (SIGKILL) or stop it (SIGTERM) mid-run and start it again under the same name.
// Needs EXEMPLAR_BINARY (the path of the built `exemplar`).
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "common/ids.h"
#include "testing/child_process.h"
#include "testing/test_server.h"

namespace exemplar::testing {

class ReplicaProcess {
 public:
  // Starts `exemplar serve --replica-id name` on `db_url` with run_lease_s = lease_s and waits
  // until it is ready. port 0: a free one.
  ReplicaProcess(const std::string& db_url, const std::string& name, int lease_s, int port = 0)
      : port_(port > 0 ? port : FreePort()),
        dir_(std::filesystem::path(::testing::TempDir()) / ("replica_" + NewUuid())) {
    std::filesystem::create_directories(dir_);
    child_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{EXEMPLAR_BINARY, "serve", "--port", std::to_string(port_), "--data-dir", dir_.string(),
                                 "--db", db_url, "--replica-id", name},
        ChildProcess::Options{.env = {"EXEMPLAR_RUN_LEASE_S=" + std::to_string(lease_s), "EXEMPLAR_LOG_LEVEL=warn"}});
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
    client_->set_read_timeout(30, 0);
    for (int i = 0; i < 1500; ++i) {
      if (auto r = client_->Get("/readyz"); r && r->status == 200) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << "replica process did not become ready";
  }
  ~ReplicaProcess() {
    child_->Kill();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  // kill -9, and waits for it to be gone.
  void Kill() { child_->Kill(); }
  // SIGTERM (a graceful shutdown), and waits for the process to exit.
  void Terminate() { child_->Terminate(); }
  int port() const { return port_; }
  HttpResult Post(const std::string& path, const Json& body) {
    HttpResult out;
    if (auto r = client_->Post(path.c_str(), body.dump(), "application/json")) {
      out.status = r->status;
      out.raw = r->body;
      out.body = Json::parse(r->body, nullptr, false);
    }
    return out;
  }
  HttpResult Get(const std::string& path) {
    HttpResult out;
    if (auto r = client_->Get(path.c_str())) {
      out.status = r->status;
      out.raw = r->body;
      out.body = Json::parse(r->body, nullptr, false);
    }
    return out;
  }

 private:
  int port_;
  std::filesystem::path dir_;
  std::unique_ptr<ChildProcess> child_;
  std::unique_ptr<httplib::Client> client_;
};

}  // namespace exemplar::testing

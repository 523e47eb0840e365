// ReplicaProcess: a replica as a separate `exemplar serve` process on PostgreSQL, so that a test
// can kill it (SIGKILL) or stop it (SIGTERM) mid-run and start it again under the same name.
// Needs EXEMPLAR_BINARY (the path of the built `exemplar`).
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "common/ids.h"
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
    // Everything exec needs is built before fork: the child only calls exec.
    std::vector<std::string> args = {EXEMPLAR_BINARY, "serve", "--port", std::to_string(port_), "--data-dir",
                                     dir_.string(), "--db", db_url, "--replica-id", name};
    std::vector<std::string> env = {"EXEMPLAR_RUN_LEASE_S=" + std::to_string(lease_s), "EXEMPLAR_LOG_LEVEL=warn"};
    for (char** e = environ; *e; ++e) env.emplace_back(*e);
    std::vector<char*> argv, envp;
    for (auto& a : args) argv.push_back(a.data());
    for (auto& e : env) envp.push_back(e.data());
    argv.push_back(nullptr);
    envp.push_back(nullptr);
    pid_ = fork();
    if (pid_ == 0) {
      execve(EXEMPLAR_BINARY, argv.data(), envp.data());
      _exit(127);
    }
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
    client_->set_read_timeout(30, 0);
    for (int i = 0; i < 1500; ++i) {
      if (auto r = client_->Get("/readyz"); r && r->status == 200) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << "replica process did not become ready";
  }
  ~ReplicaProcess() {
    Kill();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  // kill -9, and waits for it to be gone.
  void Kill() { Signal(SIGKILL); }
  // SIGTERM (a graceful shutdown), and waits for the process to exit.
  void Terminate() { Signal(SIGTERM); }
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
  void Signal(int sig) {
    if (pid_ > 0) {
      kill(pid_, sig);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }

  int port_;
  std::filesystem::path dir_;
  pid_t pid_ = -1;
  std::unique_ptr<httplib::Client> client_;
};

}  // namespace exemplar::testing

// ChildProcess: a program a test runs as a separate process (`exemplar serve`), so that it can be
// stopped with a signal and its exit code and log read. Killed (SIGKILL) when destroyed.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace exemplar::testing {

class ChildProcess {
 public:
  struct Options {
    std::vector<std::string> env;       // added to this process's environment (earlier entries win)
    std::filesystem::path log;          // the child's stderr goes here; empty: inherited
    std::optional<rlim_t> nofile;       // RLIMIT_NOFILE (soft and hard) of the child
  };

  // Starts argv[0] with `argv`. Everything exec needs is built before fork: the child only calls
  // async-signal-safe functions.
  explicit ChildProcess(std::vector<std::string> argv, Options o = {}) : log_(o.log) {
    std::vector<std::string> env = std::move(o.env);
    for (char** e = environ; *e; ++e) env.emplace_back(*e);
    std::vector<char*> args, envp;
    for (auto& a : argv) args.push_back(a.data());
    for (auto& e : env) envp.push_back(e.data());
    args.push_back(nullptr);
    envp.push_back(nullptr);
    const int log_fd = log_.empty() ? -1 : open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const std::optional<rlim_t> nofile = o.nofile;
    pid_ = fork();
    if (pid_ == 0) {
      if (nofile) {
        rlimit rl{*nofile, *nofile};
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0) _exit(126);
      }
      if (log_fd >= 0) dup2(log_fd, STDERR_FILENO);
      execve(args[0], args.data(), envp.data());
      _exit(127);
    }
    if (log_fd >= 0) close(log_fd);
  }
  ~ChildProcess() { Kill(); }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // kill -9, and waits for it to be gone.
  void Kill() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  // SIGTERM, then its exit code (Wait).
  int Terminate(std::chrono::seconds limit = std::chrono::seconds(60)) {
    if (pid_ > 0) kill(pid_, SIGTERM);
    return Wait(limit);
  }
  // Its exit code once it exits; -1 when it did not exit normally, or not within `limit` (then it
  // is killed).
  int Wait(std::chrono::seconds limit = std::chrono::seconds(60)) {
    if (pid_ <= 0) return -1;
    for (auto until = std::chrono::steady_clock::now() + limit; std::chrono::steady_clock::now() < until;) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    Kill();
    return -1;
  }
  // What the child wrote to stderr so far (Options::log).
  std::string Log() const {
    std::ifstream f(log_);
    return std::string(std::istreambuf_iterator<char>(f), {});
  }

 private:
  std::filesystem::path log_;
  pid_t pid_ = -1;
};

}  // namespace exemplar::testing

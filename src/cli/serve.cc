// exemplar serve: listen, load the indexes, serve until SIGINT/SIGTERM, then save the vector snapshot.
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <condition_variable>
#include <filesystem>
#include <iostream>
#include <thread>

#include "api/routes.h"
#include "api/server.h"
#include "cli/commands.h"
#include "cli/runtime.h"
#include "common/fd_limit.h"

namespace exemplar::cli {
namespace {

// The built web UI: configured, else web/dist beside the binary's project, else ./web/dist.
std::string FindWebDir(const Config& c) {
  if (!c.web_dir.empty()) return c.web_dir;
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  for (auto candidate : {exe.parent_path().parent_path() / "web" / "dist",
                         std::filesystem::current_path() / "web" / "dist"}) {
    if (std::filesystem::exists(candidate / "index.html", ec)) return candidate.string();
  }
  return "";
}

// A provider key read from a variable that is unset or empty: every call the provider
// authenticates then fails (401), far from the start. A warning, not a refusal: an
// OpenAI-compatible server on the local network often needs no key. The value is never logged.
void WarnUnsetKeyVariables(const Config& c) {
  auto unset = [](const std::string& name) {
    const char* value = std::getenv(name.c_str());
    return value == nullptr || *value == '\0';
  };
  if (c.embedder == "openai" && c.embed_auth != "databricks" && !c.embed_api_key_env.empty() &&
      unset(c.embed_api_key_env)) {
    spdlog::warn("embed_api_key_env names {}, which is not set or empty: embedding requests to {} carry no API "
                 "key, and a provider that needs one refuses every one (401)",
                 c.embed_api_key_env, c.embed_base_url);
  }
  for (const auto& [name, provider] : c.lm_providers) {
    if (provider.auth != "databricks" && !provider.api_key_env.empty() && unset(provider.api_key_env)) {
      spdlog::warn("LM provider '{}': its api_key_env {} is not set or empty; runs that use it fail until it is",
                   name, provider.api_key_env);
    }
  }
}

// The thread that waits for the stop signals (RunServe's).
pthread_t stop_waiter;

// A stop signal taken by a thread that does not block it — one a library started before serve
// blocked the signals, such as OpenBLAS's pool, started when the library loads — is handed to the
// waiting thread (pthread_kill is async-signal-safe). Without this, such a thread took the default
// action: a SIGTERM during the store's opening or the embedder's build ended the process with 143.
void ForwardStopSignal(int sig) {
  const int saved = errno;
  pthread_kill(stop_waiter, sig);
  errno = saved;
}

// Blocks SIGINT and SIGTERM in this thread (and so in every thread it starts), and forwards them
// to it from threads that do not block them. Returns the set, for sigwait.
sigset_t InterceptStopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  stop_waiter = pthread_self();
  struct sigaction forward {};
  forward.sa_handler = ForwardStopSignal;
  forward.sa_flags = SA_RESTART;
  sigfillset(&forward.sa_mask);
  sigaction(SIGINT, &forward, nullptr);
  sigaction(SIGTERM, &forward, nullptr);
  return signals;
}

// The stop signal already received, without waiting (0 if none).
int PendingStopSignal(const sigset_t& signals) {
  const timespec now{0, 0};
  const int sig = sigtimedwait(&signals, nullptr, &now);
  return sig > 0 ? sig : 0;
}

}  // namespace

int RunServe(const Config& in) {
  // First: a stop signal from here on ends serve cleanly (exit 0), however early it comes.
  const sigset_t signals = InterceptStopSignals();
  Config config = in;
  if (!IsLoopback(config.host) && config.auth == "off" && !config.insecure) {
    std::cerr << "error: refusing to listen on " << config.host
              << " without authentication (auth = off); pass --insecure to allow it\n";
    return 2;
  }
  if (!IsLoopback(config.host) && config.insecure && config.auth == "auto") config.auth = "off";
  if (!config.web_dir.empty()) {
    // Given explicitly: a mistyped path would serve an API whose UI pages all 404.
    std::error_code ec;
    if (!std::filesystem::is_directory(config.web_dir, ec)) {
      std::cerr << "error: web_dir " << config.web_dir << " is not a directory (the built web UI, web/dist)\n";
      return 2;
    }
    if (!std::filesystem::exists(std::filesystem::path(config.web_dir) / "index.html", ec)) {
      spdlog::warn("web_dir {} has no index.html: the web UI's pages will 404", config.web_dir);
    }
  }
  config.web_dir = FindWebDir(config);
  // Every connection is a descriptor: fit the connection limits under the descriptor limit, so
  // clients cannot exhaust what SQLite, the snapshots and the providers need (common/fd_limit.h).
  const DescriptorLimit fds = RaiseDescriptorLimit();
  if (fds.soft > fds.before) {
    spdlog::info("file descriptor limit raised from {} to {} (RLIMIT_NOFILE, the hard limit)", fds.before, fds.soft);
  } else if (fds.soft > 0) {
    spdlog::info("file descriptor limit {} (RLIMIT_NOFILE; hard limit {})", fds.soft, fds.hard);
  }
  if (fds.soft > 0) {
    auto fit = FitConnectionLimits(fds.soft, config);
    if (!fit.ok()) {
      std::cerr << "error: " << fit.status().message() << "\n";
      return 2;
    }
    if (fit->lowered) spdlog::warn("{}", fit->warning);
    config.max_connections = fit->max_connections;
    config.max_connections_per_ip = fit->max_connections_per_ip;
  }
  WarnUnsetKeyVariables(config);
  auto rt = Runtime::OpenLoading(config);
  // A stop while the store opened or the embedder was built (seconds for a local model or a slow
  // provider's probe): the port never opens and nothing is written.
  if (const int sig = PendingStopSignal(signals); sig != 0) {
    spdlog::info("signal {}: stopped while starting", sig);
    return 0;
  }
  if (!rt.ok()) {
    std::cerr << "error: " << rt.status().message() << "\n";
    return 1;
  }
  Runtime& runtime = **rt;
  // Listen first, load the indexes after: a rebuild from the rows takes minutes at a million
  // examples, and a liveness probe that finds the port closed meanwhile would kill the process.
  // Until they are loaded, /healthz is 200, /readyz and the other routes 503 (api/readiness.h).
  api::Server server(runtime.config(), api::BuildRoutes(runtime.services()), runtime.auth().options(),
                     &runtime.metrics(), &runtime.readiness());
  Status st = server.Start();
  if (!st.ok()) {
    std::cerr << "error: " << st.message() << "\n";
    return 1;
  }
  const bool ipv6 = config.host.find(':') != std::string::npos;  // a URL brackets an IPv6 literal
  spdlog::info("Exemplar listening on http://{}:{} (web UI: {}); loading indexes",
               ipv6 ? "[" + config.host + "]" : config.host, server.port(),
               config.web_dir.empty() ? "not built" : config.web_dir);

  // The indexes load on their own thread while this one waits for the stop signals, as it does
  // afterwards: the kernel gives a process's signal to the main thread when that waits for it
  // (threads that libraries started before the signals were blocked would take its default
  // action, ending the process). A signal during the load cancels it.
  std::atomic<bool> stopping{false};
  Status loaded = Status::Ok();  // the load's outcome, read after joining the loader
  bool failed_alone = false;     // it failed before any stop signal: an error, not a stop
  const pthread_t main_thread = pthread_self();
  std::thread loader([&] {
    const auto start = std::chrono::steady_clock::now();
    loaded = runtime.FinishLoading();
    if (!loaded.ok()) {
      failed_alone = !stopping;
      if (failed_alone) pthread_kill(main_thread, SIGTERM);  // nothing to serve: ends the wait below
      return;
    }
    auto stats = runtime.index().Stats();
    double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    spdlog::info("indexes ready: {} examples, {} vectors ({}), {:.2f} s", stats.examples, stats.vectors,
                 stats.load_mode, load_s);
    spdlog::info("ready");
  });

  // Snapshot the vector index now and then once loaded, so a restart after a crash replays little.
  std::mutex mu;
  std::condition_variable cv;
  bool snapshots_end = false;  // GUARDED_BY(mu)
  std::thread snapshotter([&] {
    int64_t saved_seq = -1;
    std::unique_lock lock(mu);
    while (!cv.wait_for(lock, std::chrono::seconds(60), [&] { return snapshots_end; })) {
      if (!runtime.readiness().ready()) continue;  // a partial index is never saved
      auto seq = runtime.store().LatestChangeSeq();
      if (seq.ok() && *seq != saved_seq) {
        Status s = runtime.index().SaveSnapshot();
        if (s.ok()) saved_seq = *seq;
        else spdlog::warn("snapshot failed: {}", s.ToString());
      }
    }
  });

  int sig = 0;
  sigwait(&signals, &sig);
  stopping = true;
  runtime.CancelLoading();  // no effect once loaded; else its row scans only read the rest
  loader.join();
  if (loaded.ok() || !failed_alone) spdlog::info("signal {}: stopping", sig);
  runtime.runs().Stop();  // a run in flight is failed as interrupted (with replicas: left for another one)
  server.Stop();
  {
    std::lock_guard lock(mu);
    snapshots_end = true;
  }
  cv.notify_all();
  snapshotter.join();
  if (!loaded.ok()) {
    if (failed_alone) {
      std::cerr << "error: " << loaded.message() << "\n";
      return 1;
    }
    // The indexes are partial: no snapshot is written, the next start loads them again.
    spdlog::info("stopped while loading the indexes (no snapshot written)");
    return 0;
  }
  st = runtime.index().SaveSnapshot();
  if (!st.ok()) spdlog::warn("final snapshot failed: {}", st.ToString());
  return 0;
}

}  // namespace exemplar::cli

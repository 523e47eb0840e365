#include "common/fd_limit.h"

#include <sys/resource.h>

#include <algorithm>
#include <limits>

namespace exemplar {
namespace {

// See DescriptorReserve: the process's own files, listening socket and event loops.
constexpr int kOwnDescriptors = 64;
// Per run worker: an LM connection's socket, curl's wake-up socket pair and a reconnect's spare.
constexpr int kPerRunWorker = 4;

bool IsPostgres(const std::string& db) { return db.rfind("postgres://", 0) == 0 || db.rfind("postgresql://", 0) == 0; }

}  // namespace

DescriptorLimit RaiseDescriptorLimit() {
  DescriptorLimit out;
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return out;
  out.before = out.soft = rl.rlim_cur;
  out.hard = rl.rlim_max;
  if (rl.rlim_cur < rl.rlim_max) {
    rlimit raised = rl;
    raised.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) out.soft = raised.rlim_cur;
  }
  return out;
}

int DescriptorReserve(const Config& config) {
  int reserve = kOwnDescriptors + std::max(0, config.threads) + kPerRunWorker * std::max(0, config.run_workers);
  if (IsPostgres(config.db)) reserve += std::max(0, config.db_connections);
  return reserve;
}

Result<ConnectionFit> FitConnectionLimits(uint64_t descriptor_limit, const Config& config) {
  ConnectionFit fit;
  fit.reserve = DescriptorReserve(config);
  fit.max_connections = config.max_connections;
  fit.max_connections_per_ip = config.max_connections_per_ip;
  const uint64_t needed = static_cast<uint64_t>(fit.reserve) + kMinConnections;
  if (descriptor_limit < needed) {
    return Status::FailedPrecondition(
        "the file descriptor limit (RLIMIT_NOFILE) is " + std::to_string(descriptor_limit) + "; exemplar needs at least " +
        std::to_string(needed) + " (" + std::to_string(fit.reserve) + " for its own files and provider connections, " +
        std::to_string(kMinConnections) + " for clients): raise it (ulimit -n, or LimitNOFILE= in a systemd unit)");
  }
  const uint64_t budget64 = descriptor_limit - static_cast<uint64_t>(fit.reserve);
  const int budget = static_cast<int>(std::min<uint64_t>(budget64, std::numeric_limits<int>::max()));
  if (fit.max_connections <= budget) return fit;
  fit.lowered = true;
  fit.max_connections = budget;
  const int share = std::max(1, budget - budget / 4);
  fit.warning = "the file descriptor limit (RLIMIT_NOFILE) is " + std::to_string(descriptor_limit) + ", " +
                std::to_string(fit.reserve) + " of them kept for the server's own files and provider connections: " +
                "max_connections lowered from " + std::to_string(config.max_connections) + " to " +
                std::to_string(budget);
  if (fit.max_connections_per_ip > share) {
    fit.warning += " and max_connections_per_ip from " + std::to_string(config.max_connections_per_ip) + " to " +
                   std::to_string(share) + " (three quarters of it)";
    fit.max_connections_per_ip = share;
  }
  fit.warning += "; raise the hard limit (LimitNOFILE= in a systemd unit, ulimit -Hn) to allow more";
  return fit;
}

}  // namespace exemplar

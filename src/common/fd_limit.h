// File descriptors and the connection limits. Every client connection is a socket, and the process
// needs descriptors of its own besides (SQLite files, index snapshots, event loops, sockets to the
// embedding and LM providers, the PostgreSQL pool). Under systemd's default soft limit of 1024,
// max_connections_per_ip = 1000 let one address take every descriptor: accept then failed with
// EMFILE and /healthz, SQLite and the providers failed with it. `serve` therefore raises the soft
// limit to the hard one and fits the connection limits under what is left after a reserve.
#pragma once

#include <cstdint>
#include <string>

#include "common/config.h"
#include "common/status.h"

namespace exemplar {

// RLIMIT_NOFILE before and after RaiseDescriptorLimit.
struct DescriptorLimit {
  uint64_t before = 0;  // the soft limit the process started with
  uint64_t soft = 0;    // the soft limit now in force
  uint64_t hard = 0;
};

// Raises the soft RLIMIT_NOFILE to the hard limit (a soft limit of 1024 is a convention for
// select(), which nothing here uses). A hard limit the kernel will not grant as a soft one
// (unlimited, above fs.nr_open) leaves the soft limit where it was.
DescriptorLimit RaiseDescriptorLimit();

// Descriptors kept back from client connections: 64 for the process's own files (stdio, the SQLite
// writer and 4 readers with their database, WAL and shared-memory files, the vector snapshot and
// its f32 rows file, the listening socket, up to 4 event loops with their epoll, eventfd and timerfd,
// a backup or migration's extra file), one per handler worker (each may hold a socket to the
// embedding provider or an open file while it runs), 4 per run worker (an LM connection: curl's
// socket, its wake-up pair and a spare for a reconnect) and the PostgreSQL pool. Event streams and
// exports are connections themselves, so max_connections already counts them.
int DescriptorReserve(const Config& config);

// Connections below which a server is not worth starting (a few clients plus event streams).
constexpr int kMinConnections = 32;

// What FitConnectionLimits decided.
struct ConnectionFit {
  int max_connections = 0;
  int max_connections_per_ip = 0;
  int reserve = 0;
  bool lowered = false;  // the limits were lowered to fit
  std::string warning;   // says what was lowered and why ("" when nothing was)
};

// Fits config's max_connections under `descriptor_limit` minus DescriptorReserve: when it does not
// fit it is lowered to that, and max_connections_per_ip (unless 0, no per-address limit) to at
// most three quarters of it, so one address cannot take every connection (as max_event_streams
// and max_concurrent_expensive share theirs). kFailedPrecondition when fewer than
// kMinConnections would be left: the operator must raise the limit.
Result<ConnectionFit> FitConnectionLimits(uint64_t descriptor_limit, const Config& config);

}  // namespace exemplar

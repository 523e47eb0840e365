// PostgreSQL connections (libpqxx): a fixed pool, transactions with error mapping and a retry
// on deadlock or a dropped connection, and text-format statement parameters built one by one.
#pragma once

#include <pqxx/pqxx>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/credentials.h"
#include "common/status.h"
#include "storage/records.h"

namespace exemplar::storage {

// Positional parameters ($1, $2, …) in text format; empty optionals are NULL.
class PgParams {
 public:
  PgParams& Text(std::string v);
  PgParams& Text(const std::optional<std::string>& v);
  PgParams& Int(int64_t v);
  PgParams& Int(const std::optional<int64_t>& v);
  PgParams& Real(double v);
  PgParams& Real(const std::optional<double>& v);
  PgParams& Floats(const std::vector<float>& v);  // BYTEA (float32 little-endian); NULL when empty
  PgParams& Null();
  size_t size() const { return values_.size(); }

  pqxx::result Exec(pqxx::transaction_base& tx, const std::string& sql) const;

 private:
  std::vector<std::optional<std::string>> values_;
};

// The password of every connection may come from `credentials` (a rotating token, issue 22):
// each connection is opened with the current secret, a connection whose secret is within
// `refresh_ahead_ms` of expiring is replaced by one opened with a fresh secret before it is used
// (the old one is closed once the new one is open, so no request waits on a dead credential), and
// a connection refused for its password is retried once with a secret fetched anew (rotated out of
// band). Without credentials the URL (or libpq's PGPASSWORD) decides, as before.
class PgPool {
 public:
  // Opens `size` connections to `url`; kUnavailable when the server cannot be reached.
  static Result<std::unique_ptr<PgPool>> Open(const std::string& url, int size,
                                              std::shared_ptr<Credentials> credentials = nullptr,
                                              int64_t refresh_ahead_ms = 0);

  // Runs fn in a read-only transaction.
  Status Read(const std::function<Status(pqxx::transaction_base&)>& fn);
  // Runs fn in a read-write transaction and commits when it returns Ok. With `ordered`, the
  // transaction first takes the change-log lock, so change sequence numbers commit in order
  // (a follower reading "seq > n" never misses a row that commits late).
  Status Write(const std::function<Status(pqxx::transaction_base&)>& fn, bool ordered = false);

  // A new connection outside the pool (the change-log listener), with the current credentials.
  // Throws what libpqxx throws when the server cannot be reached.
  std::unique_ptr<pqxx::connection> Connect() { return Open().conn; }

  // Connections opened so far (initial, replacements and reconnects), for tests and logs.
  int64_t connections_opened() const;

 private:
  struct Conn {
    std::unique_ptr<pqxx::connection> conn;
    int64_t expires_at_ms = 0;  // of the secret it was opened with; 0 = never
  };
  PgPool(std::string url) : url_(std::move(url)) {}
  Conn Open();
  Conn Acquire();
  void Release(Conn c);
  // Replaces `c` when its secret is due for refresh (keeps it when a new one cannot be opened).
  void Renew(Conn& c);
  template <typename Tx>
  Status Run(const std::function<Status(pqxx::transaction_base&)>& fn, bool ordered);
  // Maps a failed attempt to a Status and logs it. A lost server (kUnavailable) is logged once,
  // then at most every kOutageLogEveryMs with the number of failed attempts: every retry of every
  // caller (indexes following the change log, run workers, leases, requests) fails while it lasts.
  Status Failed(const std::exception& e);
  // After an attempt the server answered: logs that it is back when it had been lost.
  void Reached();

  static constexpr int64_t kOutageLogEveryMs = 10 * 1000;

  std::string url_;
  std::shared_ptr<Credentials> credentials_;
  int64_t refresh_ahead_ms_ = 0;
  int size_ = 1;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Conn> idle_;  // GUARDED_BY(mu_)
  int64_t opened_ = 0;      // GUARDED_BY(mu_)
  // The current loss of the server, if any (Failed, Reached).
  std::atomic<bool> unreachable_{false};
  std::mutex outage_mu_;
  int64_t outage_since_ms_ = 0;     // GUARDED_BY(outage_mu_)
  int64_t outage_failures_ = 0;     // GUARDED_BY(outage_mu_)
  int64_t outage_logged_ms_ = 0;    // GUARDED_BY(outage_mu_)
};

// Appends an audit entry inside the caller's transaction (postgres/pg_provenance.cc).
void PgAppendAuditRow(pqxx::transaction_base& tx, const AuditRecord& entry);

// Maps a libpqxx exception to a Status: unique violations → kAlreadyExists, bad data or a check
// violation → kInvalidArgument, lost connections → kUnavailable, anything else → kInternal.
Status FromPgException(const std::exception& e);
// FromPgException without the log line: `detail` gets the database's text and sqlstate.
Status PgStatusOf(const std::exception& e, std::string* detail);

// Reading nullable columns.
std::optional<std::string> PgOptText(const pqxx::field& f);
std::optional<double> PgOptReal(const pqxx::field& f);
std::optional<int64_t> PgOptInt(const pqxx::field& f);

// The key of the advisory lock that orders change-log writers.
inline constexpr int64_t kChangeLogLock = 0x45584d50;  // "EXMP"

}  // namespace exemplar::storage

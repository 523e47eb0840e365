// Credentials: a secret (a PostgreSQL password, a bearer token) that may be short-lived. Users
// (the PostgreSQL pool when it opens a connection, the embedding and LM clients per request) ask
// for it each time instead of keeping a copy, so a rotated secret is picked up without a restart.
//
// Three sources, all operator configuration: a static secret, a command whose output is the
// secret (re-run when it is due), and an OAuth client (cloud/databricks.h). Short-lived secrets
// are fetched again `refresh_ahead` before they expire; a failed refresh keeps serving the current
// secret while it is still valid, so one failed token call drops no request.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "common/status.h"

namespace exemplar {

// One fetched secret. expires_at_ms = 0: does not expire.
struct Credential {
  std::string secret;
  int64_t expires_at_ms = 0;
};

class Credentials {
 public:
  virtual ~Credentials() = default;
  // The current secret, fetched again when it is within the refresh margin of its expiry.
  virtual Result<Credential> Get() = 0;
  // A new secret now, after the server refused `rejected` (rotated out of band). When the current
  // secret is already another one (a concurrent caller refreshed it), that one is returned
  // without fetching, so callers refused together cause one fetch, not one each.
  virtual Result<Credential> Refresh(const std::string& rejected) = 0;
  // Where the secret comes from ("static", "command", "databricks-oauth", …), for logs.
  virtual std::string name() const = 0;
};

// A secret that never changes (a configured password or key).
class StaticCredentials final : public Credentials {
 public:
  explicit StaticCredentials(std::string secret) : secret_(std::move(secret)) {}
  Result<Credential> Get() override { return Credential{secret_, 0}; }
  Result<Credential> Refresh(const std::string&) override { return Credential{secret_, 0}; }
  std::string name() const override { return "static"; }

 private:
  std::string secret_;
};

// Caches what `fetch` returns and calls it again `refresh_ahead_ms` before the secret expires.
// Thread-safe; one fetch at a time (others wait for it and share its result).
class RefreshingCredentials final : public Credentials {
 public:
  using Fetch = std::function<Result<Credential>()>;
  RefreshingCredentials(std::string name, Fetch fetch, int64_t refresh_ahead_ms,
                        std::function<int64_t()> now_ms = nullptr);

  Result<Credential> Get() override;
  Result<Credential> Refresh(const std::string& rejected) override;
  std::string name() const override { return name_; }
  int64_t fetches() const;  // how many times fetch ran (tests, metrics)

 private:
  Result<Credential> FetchLocked(bool forced);

  const std::string name_;
  const Fetch fetch_;
  const int64_t refresh_ahead_ms_;
  const std::function<int64_t()> now_ms_;
  mutable std::mutex mu_;
  Credential current_;        // GUARDED_BY(mu_)
  bool have_ = false;         // GUARDED_BY(mu_)
  int64_t fetches_ = 0;       // GUARDED_BY(mu_)
};

// Runs `command` with /bin/sh and returns its first output line as a secret valid for ttl_ms
// (0 = no expiry). kUnavailable when the command fails or prints nothing. The command comes from
// the operator's configuration only; its output is never logged.
Result<Credential> RunTokenCommand(const std::string& command, int64_t ttl_ms);

// Percent-encodes everything but RFC 3986 unreserved characters (for URLs and form bodies).
std::string PercentEncode(const std::string& s);

}  // namespace exemplar

#include "storage/postgres/pg_pool.h"

#include <spdlog/spdlog.h>

#include <charconv>
#include <cstring>
#include <thread>
#include <type_traits>

#include "common/request_log.h"
#include "common/time.h"
#include "storage/audit_context.h"

namespace exemplar::storage {

PgParams& PgParams::Text(std::string v) {
  values_.emplace_back(std::move(v));
  return *this;
}
PgParams& PgParams::Text(const std::optional<std::string>& v) {
  values_.push_back(v);
  return *this;
}
PgParams& PgParams::Int(int64_t v) { return Text(std::to_string(v)); }
PgParams& PgParams::Int(const std::optional<int64_t>& v) {
  return v ? Int(*v) : Null();
}
PgParams& PgParams::Real(double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);  // shortest round-trip form
  return Text(std::string(buf, end));
}
PgParams& PgParams::Real(const std::optional<double>& v) {
  return v ? Real(*v) : Null();
}
PgParams& PgParams::Floats(const std::vector<float>& v) {
  if (v.empty()) return Null();
  static const char kHex[] = "0123456789abcdef";
  std::string hex = "\\x";
  hex.reserve(2 + v.size() * sizeof(float) * 2);
  const auto* bytes = reinterpret_cast<const unsigned char*>(v.data());
  for (size_t i = 0; i < v.size() * sizeof(float); ++i) {
    hex += kHex[bytes[i] >> 4];
    hex += kHex[bytes[i] & 15];
  }
  return Text(std::move(hex));
}
PgParams& PgParams::Null() {
  values_.emplace_back(std::nullopt);
  return *this;
}

pqxx::result PgParams::Exec(pqxx::transaction_base& tx, const std::string& sql) const {
  std::vector<const char*> ptrs;
  ptrs.reserve(values_.size());
  for (const auto& v : values_) ptrs.push_back(v ? v->c_str() : nullptr);
  return tx.exec_params(sql, pqxx::prepare::make_dynamic_params(ptrs));
}

Result<std::unique_ptr<PgPool>> PgPool::Open(const std::string& url, int size,
                                             std::shared_ptr<Credentials> credentials, int64_t refresh_ahead_ms) {
  std::unique_ptr<PgPool> pool(new PgPool(url));
  pool->credentials_ = std::move(credentials);
  pool->refresh_ahead_ms_ = refresh_ahead_ms;
  try {
    pool->size_ = std::max(1, size);
    for (int i = 0; i < pool->size_; ++i) pool->idle_.push_back(pool->Open());
  } catch (const std::exception& e) {
    spdlog::error("postgres: cannot connect: {}{}", e.what(), RequestLogTag());
    return Status::Unavailable("cannot connect to PostgreSQL (details in the server log)");
  }
  return pool;
}

namespace {
// libpq's words for a refused password (28P01) or role (28000); Lakebase says "authorization".
bool IsAuthFailure(const std::exception& e) {
  const std::string msg = e.what();
  return msg.find("authentication failed") != std::string::npos || msg.find("password") != std::string::npos ||
         msg.find("authoriz") != std::string::npos;
}
}  // namespace

PgPool::Conn PgPool::Open() {
  auto connect = [&](const Credential* c) {
    std::string info = url_;
    if (c != nullptr) {
      // libpq takes any connection parameter as a URI query parameter.
      info += (info.find('?') == std::string::npos ? "?" : "&") + std::string("password=") + PercentEncode(c->secret);
    }
    Conn out{std::make_unique<pqxx::connection>(info), c != nullptr ? c->expires_at_ms : 0};
    std::lock_guard lock(mu_);
    ++opened_;
    return out;
  };
  if (!credentials_) return connect(nullptr);
  auto current = credentials_->Get();
  if (!current.ok()) throw pqxx::broken_connection("no database credential: " + current.status().message());
  try {
    return connect(&*current);
  } catch (const pqxx::broken_connection& e) {
    if (!IsAuthFailure(e)) throw;
    // The secret was rotated behind our back (or revoked): once more with a new one.
    spdlog::warn("postgres: password refused ({}); fetching a new credential", credentials_->name());
    auto fresh = credentials_->Refresh(current->secret);
    if (!fresh.ok()) throw pqxx::broken_connection("no database credential: " + fresh.status().message());
    return connect(&*fresh);
  }
}

int64_t PgPool::connections_opened() const {
  std::lock_guard lock(mu_);
  return opened_;
}

PgPool::Conn PgPool::Acquire() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return !idle_.empty(); });
  Conn c = std::move(idle_.back());
  idle_.pop_back();
  return c;
}

void PgPool::Release(Conn c) {
  {
    std::lock_guard lock(mu_);
    idle_.push_back(std::move(c));
  }
  cv_.notify_one();
}

void PgPool::Renew(Conn& c) {
  if (!credentials_ || c.expires_at_ms == 0 || NowMillis() < c.expires_at_ms - refresh_ahead_ms_) return;
  try {
    c = Open();
  } catch (const std::exception& e) {
    // Keep the connection we have: it stays usable until its secret really expires.
    spdlog::warn("postgres: could not renew a connection ahead of its credential's expiry: {}", e.what());
  }
}

template <typename Tx>
Status PgPool::Run(const std::function<Status(pqxx::transaction_base&)>& fn, bool ordered) {
  // After a server restart every pooled connection may be dead: enough attempts to replace each.
  const int attempts = size_ + 2;
  Status st;
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    Conn conn = Acquire();
    bool retry = false;
    try {
      Renew(conn);
      if (!conn.conn->is_open()) conn = Open();
      Tx tx(*conn.conn);
      if (ordered) tx.exec("SELECT pg_advisory_xact_lock(" + std::to_string(kChangeLogLock) + ")");
      st = fn(tx);
      // The request's audit entry commits with the first change it made (storage/audit_context.h).
      std::optional<AuditRecord> entry;
      if (st.ok() && std::is_same_v<Tx, pqxx::work>) entry = PendingAudit();
      if (entry) PgAppendAuditRow(tx, *entry);
      if (st.ok()) tx.commit();  // otherwise the destructor rolls back
      if (st.ok() && entry) MarkAuditWritten();
      Reached();
    } catch (const pqxx::broken_connection& e) {
      // A commit whose outcome is unknown is not retried (in_doubt_error is not broken_connection).
      st = Failed(e);
      retry = true;
      try {
        conn = Open();
      } catch (const std::exception&) {
        // keep the broken one; the next attempt opens a new one
      }
    } catch (const pqxx::transaction_rollback& e) {  // deadlock, serialization failure
      st = Failed(e);
      retry = true;
    } catch (const std::exception& e) {
      st = Failed(e);
    }
    Release(std::move(conn));
    if (!retry) return st;
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(10 * attempt, 200)));
  }
  return st;
}

Status PgPool::Read(const std::function<Status(pqxx::transaction_base&)>& fn) {
  return Run<pqxx::read_transaction>(fn, false);
}

Status PgPool::Write(const std::function<Status(pqxx::transaction_base&)>& fn, bool ordered) {
  return Run<pqxx::work>(fn, ordered);
}

Status PgPool::Failed(const std::exception& e) {
  std::string detail;
  Status st = PgStatusOf(e, &detail);
  if (st.code() != Code::kUnavailable) {
    spdlog::warn("postgres: {}{}", detail, RequestLogTag());
    return st;
  }
  const int64_t now = NowMillis();
  std::lock_guard lock(outage_mu_);
  if (!unreachable_.exchange(true)) {
    outage_since_ms_ = outage_logged_ms_ = now;
    outage_failures_ = 1;
    spdlog::warn("postgres: {}{}; retrying (repeats are summarised every {} s)", detail, RequestLogTag(),
                 kOutageLogEveryMs / 1000);
    return st;
  }
  ++outage_failures_;
  if (now - outage_logged_ms_ >= kOutageLogEveryMs) {
    outage_logged_ms_ = now;
    spdlog::warn("postgres: still unavailable after {} s, {} failed attempts; last: {}", (now - outage_since_ms_) / 1000,
                 outage_failures_, detail);
  }
  return st;
}

void PgPool::Reached() {
  if (!unreachable_.load()) return;  // the common case: one atomic load
  std::lock_guard lock(outage_mu_);
  if (!unreachable_.exchange(false)) return;
  spdlog::info("postgres: available again after {} s ({} failed attempts)", (NowMillis() - outage_since_ms_) / 1000,
               outage_failures_);
}

// The database's own text (hosts, ports, SQL, values) goes to the log, never into a response.
Status FromPgException(const std::exception& e) {
  std::string detail;
  Status st = PgStatusOf(e, &detail);
  spdlog::warn("postgres: {}{}", detail, RequestLogTag());
  return st;
}

Status PgStatusOf(const std::exception& e, std::string* detail) {
  std::string msg = e.what();
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  std::string sqlstate;
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) sqlstate = sql->sqlstate();
  *detail = msg + " (sqlstate " + (sqlstate.empty() ? std::string("-") : sqlstate) + ")";
  if (dynamic_cast<const pqxx::unique_violation*>(&e)) return Status::AlreadyExists("conflicts with an existing record");
  if (dynamic_cast<const pqxx::check_violation*>(&e) || dynamic_cast<const pqxx::data_exception*>(&e) ||
      dynamic_cast<const pqxx::not_null_violation*>(&e)) {
    return Status::InvalidArgument("a value was rejected by the database (invalid or out of range)");
  }
  if (sqlstate == "53100") {
    return Status(Code::kInsufficientStorage, "the database is out of disk space; nothing was written");
  }
  if (dynamic_cast<const pqxx::broken_connection*>(&e) || dynamic_cast<const pqxx::too_many_connections*>(&e) ||
      sqlstate.rfind("08", 0) == 0 || sqlstate.rfind("57P", 0) == 0 || sqlstate == "53300") {
    return Status::Unavailable("database unavailable; retry shortly");
  }
  return Status::Internal("database error (details in the server log)");
}

std::optional<std::string> PgOptText(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return f.as<std::string>();
}
std::optional<double> PgOptReal(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return f.as<double>();
}
std::optional<int64_t> PgOptInt(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return f.as<int64_t>();
}

}  // namespace exemplar::storage

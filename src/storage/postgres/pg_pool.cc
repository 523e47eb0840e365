#include "storage/postgres/pg_pool.h"

#include <spdlog/spdlog.h>

#include <charconv>
#include <cstring>
#include <thread>
#include <type_traits>

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

Result<std::unique_ptr<PgPool>> PgPool::Open(const std::string& url, int size) {
  std::unique_ptr<PgPool> pool(new PgPool(url));
  try {
    pool->size_ = std::max(1, size);
    for (int i = 0; i < pool->size_; ++i) pool->idle_.push_back(std::make_unique<pqxx::connection>(url));
  } catch (const std::exception& e) {
    spdlog::error("postgres: cannot connect: {}", e.what());
    return Status::Unavailable("cannot connect to PostgreSQL (details in the server log)");
  }
  return pool;
}

std::unique_ptr<pqxx::connection> PgPool::Acquire() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return !idle_.empty(); });
  auto c = std::move(idle_.back());
  idle_.pop_back();
  return c;
}

void PgPool::Release(std::unique_ptr<pqxx::connection> c) {
  {
    std::lock_guard lock(mu_);
    idle_.push_back(std::move(c));
  }
  cv_.notify_one();
}

template <typename Tx>
Status PgPool::Run(const std::function<Status(pqxx::transaction_base&)>& fn, bool ordered) {
  // After a server restart every pooled connection may be dead: enough attempts to replace each.
  const int attempts = size_ + 2;
  Status st;
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    auto conn = Acquire();
    bool retry = false;
    try {
      if (!conn->is_open()) conn->activate();
      Tx tx(*conn);
      if (ordered) tx.exec("SELECT pg_advisory_xact_lock(" + std::to_string(kChangeLogLock) + ")");
      st = fn(tx);
      // The request's audit entry commits with the first change it made (storage/audit_context.h).
      std::optional<AuditRecord> entry;
      if (st.ok() && std::is_same_v<Tx, pqxx::work>) entry = PendingAudit();
      if (entry) PgAppendAuditRow(tx, *entry);
      if (st.ok()) tx.commit();  // otherwise the destructor rolls back
      if (st.ok() && entry) MarkAuditWritten();
    } catch (const pqxx::broken_connection& e) {
      // A commit whose outcome is unknown is not retried (in_doubt_error is not broken_connection).
      st = FromPgException(e);
      retry = true;
      try {
        conn = std::make_unique<pqxx::connection>(url_);
      } catch (const std::exception&) {
        // keep the broken one; activate() tries again next time
      }
    } catch (const pqxx::transaction_rollback& e) {  // deadlock, serialization failure
      st = FromPgException(e);
      retry = true;
    } catch (const std::exception& e) {
      st = FromPgException(e);
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

// The database's own text (hosts, ports, SQL, values) goes to the log, never into a response.
Status FromPgException(const std::exception& e) {
  std::string msg = e.what();
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  std::string sqlstate;
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) sqlstate = sql->sqlstate();
  spdlog::warn("postgres: {} (sqlstate {})", msg, sqlstate.empty() ? "-" : sqlstate);
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

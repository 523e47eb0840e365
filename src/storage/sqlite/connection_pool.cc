#include "storage/sqlite/connection_pool.h"

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <algorithm>

#include "common/ids.h"
#include "common/request_log.h"
#include "storage/audit_context.h"

namespace exemplar::storage {

Conn::Conn(const std::string& path, bool writer, int cache_kib)
    : db_(path, writer ? (SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_NOMUTEX)
                       : (SQLite::OPEN_READONLY | SQLite::OPEN_NOMUTEX)) {
  db_.exec("PRAGMA busy_timeout=5000");
  if (writer) {
    db_.exec("PRAGMA journal_mode=WAL");
    // NORMAL in WAL mode: a commit survives a process crash (kill -9); only an OS crash or power
    // loss can lose the last transactions. FULL would fsync every commit for little gain here.
    db_.exec("PRAGMA synchronous=NORMAL");
  }
  db_.exec("PRAGMA foreign_keys=ON");
  // Page caches are bounded (`sqlite_cache_mb` for the writer, `sqlite_reader_cache_mb` for each
  // reader) and the file is read with pread, not memory-mapped: mapped pages that searches touch
  // while hydrating results count in the process's RSS, which grew by the database's size under
  // sustained search load (issue 16: 377 → 1,253 MB at 100k). The OS page cache still holds the
  // file, so a page outside these caches costs a pread, not a disk read (issue 24: bench/README.md,
  // "Memory at 100k").
  db_.exec("PRAGMA cache_size=-" + std::to_string(std::max(cache_kib, 64)));
  db_.exec("PRAGMA temp_store=MEMORY");
  db_.exec("PRAGMA mmap_size=0");
}

SQLite::Statement& Conn::Prepare(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    it = cache_.emplace(sql, std::make_unique<SQLite::Statement>(db_, sql)).first;
  } else {
    it->second->reset();
    it->second->clearBindings();
  }
  used_.push_back(it->second.get());
  return *it->second;
}

void Conn::ReleaseStatements() {
  for (SQLite::Statement* s : used_) {
    try {
      s->reset();
    } catch (const std::exception&) {
      // reset() reports the last step's error again; it has been handled already.
    }
  }
  used_.clear();
}

// The database's own text goes to the log, never into a response.
Status FromSqliteException(const std::exception& e) {
  spdlog::warn("sqlite: {}{}", e.what(), RequestLogTag());
  if (auto* se = dynamic_cast<const SQLite::Exception*>(&e)) {
    int code = se->getErrorCode();
    if (code == SQLITE_CONSTRAINT) return Status::AlreadyExists("conflicts with an existing record");
    if (code == SQLITE_BUSY || code == SQLITE_LOCKED) return Status::Unavailable("database busy; retry shortly");
    if (code == SQLITE_FULL) return Status(Code::kInsufficientStorage, "the disk is full; nothing was written");
  }
  return Status::Internal("storage error (details in the server log)");
}

ConnPool::ConnPool(const std::string& path, int readers, SqliteCacheSizes cache) : path_(path) {
  writer_ = std::make_unique<Conn>(path, true, cache.writer_kib);
  writer_->set_origin(NewUuid());
  for (int i = 0; i < readers; ++i) idle_readers_.push_back(std::make_unique<Conn>(path, false, cache.reader_kib));
}

Status ConnPool::Read(const std::function<Status(Conn&)>& fn) {
  std::unique_ptr<Conn> conn;
  {
    std::unique_lock lock(readers_mu_);
    readers_cv_.wait(lock, [&] { return !idle_readers_.empty(); });
    conn = std::move(idle_readers_.back());
    idle_readers_.pop_back();
  }
  Status st;
  try {
    st = fn(*conn);
  } catch (const std::exception& e) {
    st = FromSqliteException(e);
  }
  conn->ReleaseStatements();
  {
    std::lock_guard lock(readers_mu_);
    idle_readers_.push_back(std::move(conn));
  }
  readers_cv_.notify_one();
  return st;
}

Status ConnPool::Write(const std::function<Status(Conn&)>& fn) {
  std::lock_guard lock(writer_mu_);
  Conn& conn = *writer_;
  try {
    conn.db().exec("BEGIN IMMEDIATE");
  } catch (const std::exception& e) {
    return FromSqliteException(e);
  }
  Status st;
  bool audited = false;
  try {
    st = fn(conn);
    // The request's audit entry commits with the first change it made (storage/audit_context.h).
    if (st.ok()) {
      if (auto entry = PendingAudit()) {
        AppendAuditRow(conn, *entry);
        audited = true;
      }
    }
    conn.ReleaseStatements();
    if (st.ok()) conn.db().exec("COMMIT");
  } catch (const std::exception& e) {
    st = FromSqliteException(e);
  }
  if (st.ok() && audited) MarkAuditWritten();
  if (!st.ok()) {
    conn.ReleaseStatements();
    try {
      conn.db().exec("ROLLBACK");
    } catch (const std::exception&) {
      // The transaction may already be gone (e.g. SQLite rolled it back itself).
    }
  }
  return st;
}

}  // namespace exemplar::storage

// SQLite connections: one writer (serialised by a mutex) and a pool of readers, each with a
// statement cache. WAL mode lets readers run while the writer commits.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "storage/records.h"
#include "storage/store.h"

namespace exemplar::storage {

class Conn {
 public:
  // `cache_kib`: the page cache's bound (PRAGMA cache_size).
  Conn(const std::string& path, bool writer, int cache_kib);
  // A cached prepared statement, reset and with bindings cleared. Valid until the next Prepare of
  // the same SQL on this connection.
  SQLite::Statement& Prepare(const std::string& sql);
  SQLite::Database& db() { return db_; }
  // Resets the statements used since the last call. A stepped-but-unreset statement keeps its read
  // transaction open and would pin this connection to an old snapshot.
  void ReleaseStatements();
  // The store instance's change-log origin (see Store::origin), for statements that log changes.
  const std::string& origin() const { return origin_; }
  void set_origin(std::string origin) { origin_ = std::move(origin); }

 private:
  SQLite::Database db_;
  std::string origin_;
  std::vector<SQLite::Statement*> used_;
  std::unordered_map<std::string, std::unique_ptr<SQLite::Statement>> cache_;
};

class ConnPool {
 public:
  ConnPool(const std::string& path, int readers, SqliteCacheSizes cache = {});
  const std::string& origin() const { return writer_->origin(); }

  // Runs fn on a reader connection. SQLite exceptions become kInternal.
  Status Read(const std::function<Status(Conn&)>& fn);
  // Runs fn inside BEGIN IMMEDIATE … COMMIT on the writer; rolls back when fn fails or throws.
  Status Write(const std::function<Status(Conn&)>& fn);

 private:
  std::string path_;
  std::mutex writer_mu_;
  std::unique_ptr<Conn> writer_;
  std::mutex readers_mu_;
  std::condition_variable readers_cv_;
  std::vector<std::unique_ptr<Conn>> idle_readers_;
};

// Appends an audit entry inside the caller's transaction (sqlite/provenance_sql.cc).
void AppendAuditRow(Conn& c, const AuditRecord& entry);

// Maps a SQLite exception to a Status (constraint violations become kAlreadyExists).
Status FromSqliteException(const std::exception& e);

}  // namespace exemplar::storage

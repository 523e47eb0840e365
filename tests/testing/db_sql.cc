#include "testing/db_sql.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <filesystem>
#include <pqxx/pqxx>

#include "storage/store.h"

namespace exemplar::testing {

std::string DbPath(const Config& c) {
  return c.db.empty() ? (std::filesystem::path(c.data_dir) / "exemplar.db").string() : c.db;
}

void ExecSql(const Config& c, const std::string& sql) {
  if (storage::IsPostgresUrl(c.db)) {
    pqxx::connection conn(c.db);
    pqxx::work tx(conn);
    tx.exec(sql);
    tx.commit();
  } else {
    SQLite::Database db(DbPath(c), SQLite::OPEN_READWRITE);
    db.setBusyTimeout(5000);
    db.exec(sql);
  }
}

int64_t CountSql(const Config& c, const std::string& sql) {
  if (storage::IsPostgresUrl(c.db)) {
    pqxx::connection conn(c.db);
    pqxx::work tx(conn);
    return tx.exec1(sql)[0].as<int64_t>();
  }
  SQLite::Database db(DbPath(c), SQLite::OPEN_READONLY);
  return db.execAndGet(sql).getInt64();
}

}  // namespace exemplar::testing

// PgTestDb: a fresh PostgreSQL database for one test, on the throwaway server that
// scripts/pg_test_server.sh starts (ctest starts it as the `pg` fixture in a directory fixed at
// configure time; EXEMPLAR_TEST_PG_DIR overrides it). The database is dropped when the object goes.
#pragma once

#include <string>

namespace exemplar::testing {

class PgTestDb {
 public:
  // Throws std::runtime_error with a clear message when no test server is available.
  PgTestDb();
  ~PgTestDb();
  PgTestDb(const PgTestDb&) = delete;
  PgTestDb& operator=(const PgTestDb&) = delete;

  const std::string& url() const { return url_; }

 private:
  std::string admin_url_;
  std::string name_;
  std::string url_;
};

// "postgres" when the test binary runs as the PostgreSQL variant (EXEMPLAR_TEST_BACKEND).
bool TestBackendIsPostgres();

}  // namespace exemplar::testing

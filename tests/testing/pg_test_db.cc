#include "testing/pg_test_db.h"

#include <pqxx/pqxx>

#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include "common/ids.h"

namespace exemplar::testing {

bool TestBackendIsPostgres() {
  const char* b = std::getenv("EXEMPLAR_TEST_BACKEND");
  return b && std::string(b) == "postgres";
}

PgTestDb::PgTestDb() {
  const char* dir = std::getenv("EXEMPLAR_TEST_PG_DIR");
  if (!dir) dir = EXEMPLAR_PG_TEST_DIR;  // where the ctest fixture `pg` starts the server
  std::ifstream in(std::string(dir) + "/url");
  if (!(in >> admin_url_)) {
    throw std::runtime_error(std::string("no PostgreSQL test server: ") + dir +
                             "/url is missing: run through ctest (fixture `pg`) or start "
                             "scripts/pg_test_server.sh");
  }
  name_ = "t_" + NewUuid();
  for (char& c : name_) c = c == '-' ? '_' : c;
  pqxx::connection admin(admin_url_);
  pqxx::nontransaction(admin).exec("CREATE DATABASE " + name_);
  url_ = admin_url_.substr(0, admin_url_.rfind('/') + 1) + name_;
}

PgTestDb::~PgTestDb() {
  try {
    pqxx::connection admin(admin_url_);
    pqxx::nontransaction(admin).exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  } catch (const std::exception&) {
    // The server may already be stopping; the fixture removes everything anyway.
  }
}

}  // namespace exemplar::testing

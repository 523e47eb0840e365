// Direct SQL on a TestServer's database, through a connection of the test's own beside the running
// server: for tests that set up what only an older build or a failure leaves behind (rows without
// edges, a trigger that refuses writes) and count what the server wrote.
#pragma once

#include <cstdint>
#include <string>

#include "common/config.h"

namespace exemplar::testing {

// The SQLite file of `c` (data_dir/exemplar.db unless db names one), or its PostgreSQL URL.
std::string DbPath(const Config& c);
// Runs `sql` on the database of `c` (PostgreSQL when c.db is a postgres:// URL, else SQLite).
void ExecSql(const Config& c, const std::string& sql);
// The one integer `sql` selects.
int64_t CountSql(const Config& c, const std::string& sql);

}  // namespace exemplar::testing

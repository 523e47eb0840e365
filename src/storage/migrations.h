// The numbered schema migrations (src/storage/migrations/NNN_name.sql), embedded at build time.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace exemplar::storage {

struct Migration {
  int number;
  const char* name;
  const char* sql;
};

// In ascending number order.
const std::vector<Migration>& Migrations();

// kFailedPrecondition when `applied` (version, name rows of schema_migrations) holds a migration
// this binary does not know: a newer exemplar migrated the database, and an older binary would
// read and write a schema it does not understand (a rollback without the backup).
inline Status CheckKnownMigrations(const std::string& db, const std::vector<std::pair<int64_t, std::string>>& applied) {
  std::set<int64_t> known;
  for (const Migration& m : Migrations()) known.insert(m.number);
  for (const auto& [version, name] : applied) {
    if (known.count(version)) continue;
    return Status::FailedPrecondition(
        "database " + db + " has migration " + std::to_string(version) + " (" + name +
        ") that this exemplar does not know: a newer exemplar upgraded it (this one knows migrations up to " +
        std::to_string(Migrations().empty() ? 0 : Migrations().back().number) +
        "). Run that newer exemplar, or restore the backup taken before the upgrade");
  }
  return Status::Ok();
}

}  // namespace exemplar::storage

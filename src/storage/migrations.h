// The numbered schema migrations (src/storage/migrations/NNN_name.sql), embedded at build time.
#pragma once

#include <string>
#include <vector>

namespace exemplar::storage {

struct Migration {
  int number;
  const char* name;
  const char* sql;
};

// In ascending number order.
const std::vector<Migration>& Migrations();

}  // namespace exemplar::storage

// Loads the demo seed data (data/seed) into a running TestServer through the API: templates get
// new ids, and the examples' databit_id is mapped to them. Returns old id → new id.
#pragma once

#include <map>
#include <string>

#include "testing/test_server.h"

namespace exemplar::testing {

std::map<std::string, std::string> SeedThroughApi(TestServer& server, const std::string& seed_dir);

}  // namespace exemplar::testing

#include "testing/seed_fixture.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace exemplar::testing {

std::map<std::string, std::string> SeedThroughApi(TestServer& server, const std::string& seed_dir) {
  std::map<std::string, std::string> ids;
  std::ifstream tf(seed_dir + "/templates.json");
  Json templates = Json::parse(tf);
  for (Json t : templates) {
    std::string old_id = t["id"];
    t.erase("id");
    t.erase("status");  // the server sets it (publish/archive); a create only makes drafts
    auto r = server.Post("/api/v1/templates", t);
    if (r.status != 201) throw std::runtime_error("seed template: " + r.raw);
    ids[old_id] = r.body["id"];
  }
  std::ifstream ef(seed_dir + "/examples.jsonl");
  Json items = Json::array();
  for (std::string line; std::getline(ef, line);) {
    if (line.empty()) continue;
    Json e = Json::parse(line);
    if (e.contains("databit_id") && ids.count(e["databit_id"])) e["databit_id"] = ids[e["databit_id"]];
    items.push_back(e);
  }
  auto r = server.Post("/api/v1/examples/batch", {{"examples", items}});
  if (r.status != 201) throw std::runtime_error("seed examples: " + r.raw);
  return ids;
}

}  // namespace exemplar::testing

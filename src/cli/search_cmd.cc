// exemplar search "text" [filters]: run a search against the local store and print the results.
#include <iostream>

#include "cli/commands.h"
#include "cli/runtime.h"
#include "common/field_loc.h"
#include "service/search/search.h"

namespace exemplar::cli {

int RunSearch(const Config& config, const Json& body, bool json_output) {
  Validation v;
  service::SearchRequest req = service::ParseSearchRequest(body, v);
  if (!v.ok()) {
    for (const auto& e : v.errors()) std::cerr << "error: " << LocPartText(e.loc.back()) << ": " << e.msg << "\n";
    return 2;
  }
  auto rt = Runtime::Open(config);
  if (!rt.ok()) {
    std::cerr << "error: " << rt.status().message() << "\n";
    return 1;
  }
  auto resp = (*rt)->search().Run(req);
  if (!resp.ok()) {
    std::cerr << "error: " << resp.status().message() << "\n";
    return 1;
  }
  if (json_output) {
    std::cout << DumpJson(service::SearchResponseToJson(*resp), 2) << "\n";
    return 0;
  }
  std::cout << resp->results.size() << " results (" << resp->search_type << ", " << resp->took_ms << " ms)\n";
  int rank = 1;
  for (const auto& hit : resp->results) {
    std::string preview = hit.example.input_json.substr(0, 100);
    std::cout << rank++ << ". " << hit.example.id << "  score=" << hit.rank_score;
    if (hit.similarity_score) std::cout << " cos=" << *hit.similarity_score;
    std::cout << "  [" << hit.example.domain << "]  " << preview << "\n";
  }
  return 0;
}

}  // namespace exemplar::cli

#include "service/templates/program_origin.h"

#include <set>

namespace exemplar::service {
namespace {

constexpr int kMaxLine = 64;

// The module a version's own origin records, or nullopt when it has none. *found says whether it
// has an origin at all (a legacy import node names no module).
Result<std::optional<dspy::ModuleKind>> OwnOrigin(storage::Store& store, const Template& t, bool* found) {
  EXEMPLAR_ASSIGN_OR_RETURN(auto edges, store.EdgesTouching({{"template", t.id}}, /*upstream=*/true));
  for (const LineageEdge& e : edges) {
    if (e.target_id != t.id) continue;
    if (e.type == "produced" && e.source_type == "run") {
      auto run = store.GetRun(e.source_id);
      if (run.status().IsNotFound()) continue;
      EXEMPLAR_RETURN_IF_ERROR(run.status());
      *found = true;
      const Json config = Json::parse(run->config_json, nullptr, false);
      const std::string module = config.is_object() ? config.value("module", std::string("Predict")) : "Predict";
      return std::optional<dspy::ModuleKind>(dspy::ParseModule(module).value_or(dspy::ModuleKind::kPredict));
    }
    if (e.type == kImportedAs && e.source_type == kProgramNode) {
      *found = true;
      const size_t colon = e.source_id.find(':');
      if (colon == std::string::npos) return std::optional<dspy::ModuleKind>();  // imported before modules were recorded
      return dspy::ParseModule(e.source_id.substr(0, colon));
    }
  }
  return std::optional<dspy::ModuleKind>();
}

}  // namespace

std::string ProgramNodeId(dspy::ModuleKind module, const std::string& content_hash) {
  return std::string(dspy::ModuleName(module)) + ":" + content_hash;
}

Result<ProgramOrigin> FindProgramOrigin(storage::Store& store, const Template& t) {
  ProgramOrigin origin;
  Template cur = t;
  std::set<std::string> seen;
  for (int depth = 0; depth < kMaxLine && seen.insert(cur.id).second; ++depth) {
    bool found = false;
    EXEMPLAR_ASSIGN_OR_RETURN(std::optional<dspy::ModuleKind> module, OwnOrigin(store, cur, &found));
    if (found) {  // the nearest origin's module
      origin.module = module;
      origin.from_program = true;
      break;
    }
    if (!cur.parent_template_id) break;
    auto parent = store.GetTemplate(*cur.parent_template_id);
    if (parent.status().IsNotFound()) break;
    EXEMPLAR_RETURN_IF_ERROR(parent.status());
    cur = std::move(parent).value();
  }
  return origin;
}

}  // namespace exemplar::service

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
  bool literal_decided = false;
  Template cur = t;
  std::set<std::string> seen;
  for (int depth = 0; depth < kMaxLine && seen.insert(cur.id).second; ++depth) {
    bool found = false;
    EXEMPLAR_ASSIGN_OR_RETURN(std::optional<dspy::ModuleKind> module, OwnOrigin(store, cur, &found));
    if (found && !origin.from_program) {  // the nearest origin's module
      origin.module = module;
      origin.from_program = true;
    }
    std::optional<Template> parent;
    if (cur.parent_template_id) {
      auto p = store.GetTemplate(*cur.parent_template_id);
      if (!p.ok() && !p.status().IsNotFound()) return p.status();
      if (p.ok()) parent = std::move(p).value();
    }
    // A prompt this version set itself is a program's when a run or an import made the version
    // (both keep the parent's prompt when the program's instructions are the parent's); a prompt
    // kept from the parent is whatever the parent's is.
    if (!literal_decided && (!parent || parent->prompt_template != cur.prompt_template)) {
      origin.literal_instructions = found;
      literal_decided = true;
    }
    if (!parent || (literal_decided && origin.from_program)) break;
    cur = std::move(*parent);
  }
  return origin;
}

Result<dspy::SignatureSpec> VersionSignature(storage::Store& store, const Template& t,
                                             const std::vector<Example>& examples) {
  EXEMPLAR_ASSIGN_OR_RETURN(ProgramOrigin origin, FindProgramOrigin(store, t));
  return dspy::BuildSignature(t, examples, origin.literal_instructions);
}

}  // namespace exemplar::service

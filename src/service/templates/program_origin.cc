#include "service/templates/program_origin.h"

#include <algorithm>
#include <set>
#include <string_view>

#include "common/ids.h"

namespace exemplar::service {
namespace {

constexpr int kMaxLine = 64;

// A version's own origin: the run → version `produced` edge or the program → version
// `imported_as` edge that made it, if any.
struct OwnOrigin {
  bool found = false;
  std::optional<dspy::ModuleKind> module;  // nullopt for a legacy import node, which names none
  std::string node;                        // as OwnProgramNode answers
};

Result<OwnOrigin> FindOwnOrigin(storage::Store& store, const Template& t) {
  EXEMPLAR_ASSIGN_OR_RETURN(auto edges, store.EdgesTouching({{"template", t.id}}, /*upstream=*/true));
  OwnOrigin out;
  for (const LineageEdge& e : edges) {
    if (e.target_id != t.id) continue;
    if (e.type == "produced" && e.source_type == "run") {
      auto run = store.GetRun(e.source_id);
      if (run.status().IsNotFound()) continue;
      EXEMPLAR_RETURN_IF_ERROR(run.status());
      const Json config = Json::parse(run->config_json, nullptr, false);
      const std::string module = config.is_object() ? config.value("module", std::string("Predict")) : "Predict";
      out.found = true;
      out.module = dspy::ParseModule(module).value_or(dspy::ModuleKind::kPredict);
      out.node = ProgramNodeId(*out.module, "run-" + e.source_id);
      return out;
    }
    if (e.type == kImportedAs && e.source_type == kProgramNode) {
      out.found = true;
      out.node = e.source_id;
      const size_t colon = e.source_id.find(':');
      if (colon != std::string::npos) out.module = dspy::ParseModule(e.source_id.substr(0, colon));
      return out;
    }
  }
  return out;
}

}  // namespace

std::string ProgramNodeId(dspy::ModuleKind module, const std::string& content_hash) {
  return std::string(dspy::ModuleName(module)) + ":" + content_hash;
}

bool IsProgramNodeId(const std::string& node) {
  // A program's content hash (SHA-256, hex), as dspy_import.cc writes it.
  auto is_hash = [](std::string_view h) {
    return h.size() == 64 && std::all_of(h.begin(), h.end(), [](char c) {
             return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
  };
  const size_t colon = node.find(':');
  if (colon == std::string::npos) return is_hash(node);  // a legacy node: the content hash alone
  if (!dspy::ParseModule(node.substr(0, colon))) return false;
  const std::string_view id = std::string_view(node).substr(colon + 1);
  constexpr std::string_view kRun = "run-";
  if (id.substr(0, kRun.size()) == kRun) return IsUuid(std::string(id.substr(kRun.size())));
  return is_hash(id);
}

Result<std::optional<std::string>> OwnProgramNode(storage::Store& store, const Template& t) {
  EXEMPLAR_ASSIGN_OR_RETURN(OwnOrigin own, FindOwnOrigin(store, t));
  if (!own.found) return std::optional<std::string>();
  return std::optional<std::string>(own.node);
}

Result<ProgramOrigin> FindProgramOrigin(storage::Store& store, const Template& t) {
  ProgramOrigin origin;
  bool literal_decided = false;
  Template cur = t;
  std::set<std::string> seen;
  for (int depth = 0; depth < kMaxLine && seen.insert(cur.id).second; ++depth) {
    EXEMPLAR_ASSIGN_OR_RETURN(OwnOrigin own, FindOwnOrigin(store, cur));
    const bool found = own.found;
    if (found && !origin.from_program) {  // the nearest origin's module
      origin.module = own.module;
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

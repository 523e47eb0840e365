// The feedback loop of a finished run (SPEC §4.6): its results, syncing its evidence into the
// store, and the decision — accept as a new draft template version (with the run's demos and
// their lineage) or reject.

#include <cstdio>
#include <set>

#include "common/time.h"
#include "service/lineage/purged_content.h"
#include "service/quality/pii.h"
#include "service/runs/runs.h"
#include "service/templates/dspy/optimizer_config.h"
#include "service/templates/dspy/signature.h"
#include "service/templates/program_origin.h"

namespace exemplar::service {
namespace {

// Why a run has nothing to accept, or nullopt. KNNFewShot (reference/dspy.md §5.6) chooses the k
// nearest training examples as demos for each query while it is evaluated: its score is that of
// the choice made per query, and its best program has no demos, so a version accepted from it
// would be the zero-shot prompt scored as if it were the run's. The per-query choice is what
// POST /examples/retrieve makes at inference.
std::optional<std::string> NothingToAccept(const RunRecord& run) {
  const Json config = Json::parse(run.config_json, nullptr, false);
  if (!config.is_object() || config.value("optimizer_type", "") != "KNNFewShot") return std::nullopt;
  Json optimizer = config.value("optimizer_params", Json::object());
  if (!optimizer.is_object()) optimizer = Json::object();
  optimizer["type"] = "KNNFewShot";
  auto normalized = dspy::NormalizeOptimizerConfig(optimizer);
  const std::string k = normalized.ok() ? normalized->Get("k").dump() : "k";
  std::string score;
  if (run.best_score) {
    char buf[32];
    std::snprintf(buf, sizeof buf, " (%.3f)", *run.best_score);
    score = buf;
  }
  return "nothing to accept: a KNNFewShot run keeps no demos. Its score" + score + " comes from choosing the k=" + k +
         " most similar training examples as demos for each query; at inference, POST /api/v1/examples/retrieve "
         "with {\"databit_id\": \"" + run.template_id + "\", \"k\": " + k + ", \"query\": ...} makes that choice "
         "against this template's examples. Reject the run to close it";
}

// Why a completed run has no best program, or nullopt (review s24 loops2 P2-4): its budget ran
// out before any candidate was evaluated in full. Names the budget that stopped it and what to raise.
std::optional<std::string> NoProgram(const RunRecord& run) {
  if (run.best_program_json) return std::nullopt;
  const Json progress = Json::parse(run.progress_json, nullptr, false);
  const Json config = Json::parse(run.config_json, nullptr, false);
  const std::string stopped = progress.is_object() && progress.value("stopped_reason", Json()).is_string()
                                  ? progress["stopped_reason"].get<std::string>()
                                  : "";
  Json budget = config.is_object() ? config.value("budget", Json::object()) : Json::object();
  if (!budget.is_object()) budget = Json::object();
  auto limit = [&](const char* key, const char* what) {
    return std::string("its ") + what + " budget (budget." + key + " = " + budget.value(key, Json()).dump() +
           ", stopped_reason " + stopped + ") ran out; launch it again with a larger budget." + key;
  };
  std::string why;
  if (stopped == "budget_time") why = limit("max_minutes", "time");
  else if (stopped == "budget_lm_calls") why = limit("max_lm_calls", "LM call");
  else if (stopped == "budget_trials") why = limit("max_trials", "trial");
  else why = "it stopped (stopped_reason " + (stopped.empty() ? std::string("none") : stopped) +
             "); launch it again with a larger budget (budget.max_minutes, max_lm_calls, max_trials)";
  return "no program to accept: the run completed before any candidate program was evaluated in full: " + why;
}

// A warning when the best program's score is 0: the metric never succeeded on the validation
// set, so the version accepted from it is no better than any other (accepting is still allowed).
std::optional<Json> ZeroScoreWarning(const RunRecord& run) {
  if (!run.best_program_json || !run.best_score || *run.best_score != 0.0) return std::nullopt;
  return Json{{"code", "zero_score"},
              {"message", "the best program scored 0: the metric succeeded on no validation example, so this "
                          "program is no better than any other. Check the metric and the examples' labels (or the "
                          "LM) before accepting; accepting is allowed"}};
}

// A warning when demos of the best program carry personal data or secrets (the detector of the
// write path, over the demos' fields): accepting keeps them in the version, and exports send them
// on unless asked to redact.
std::optional<Json> DemoPiiWarning(const Json& program) {
  if (!program.is_object() || !program.contains("demos") || !program["demos"].is_array()) return std::nullopt;
  Json ids = Json::array();
  std::set<std::string> found;
  for (const Json& demo : program["demos"]) {
    if (!demo.is_object() || IsPurgedCopy(demo)) continue;
    std::vector<std::string> kinds = PiiKindsInJson(demo.value("fields", Json::object()));
    if (kinds.empty()) continue;
    ids.push_back(demo.value("example_id", ""));
    found.insert(kinds.begin(), kinds.end());
  }
  if (ids.empty()) return std::nullopt;
  std::vector<std::string> kinds;
  for (const auto& k : kPiiKinds) {
    if (found.count(k)) kinds.push_back(k);
  }
  std::string kind_list, id_list;
  for (const auto& k : kinds) kind_list += (kind_list.empty() ? "" : ", ") + k;
  for (const auto& id : ids) id_list += (id_list.empty() ? "" : ", ") + id.get<std::string>();
  return Json{{"code", "pii"},
              {"message", std::to_string(ids.size()) + " demo(s) of the best program carry personal data or secrets (" +
                              kind_list + "): " + id_list + ". An accepted version keeps them as demos; export-dspy " +
                              "with redact: true masks them, or edit the examples before accepting"},
              {"example_ids", ids},
              {"kinds", kinds}};
}

Json ResultWarnings(const RunRecord& run, const Json& program) {
  Json warnings = Json::array();
  if (auto why = NothingToAccept(run)) warnings.push_back({{"code", "nothing_to_accept"}, {"message", *why}});
  if (auto why = NoProgram(run)) warnings.push_back({{"code", "no_program"}, {"message", *why}});
  if (auto zero = ZeroScoreWarning(run)) warnings.push_back(std::move(*zero));
  if (auto pii = DemoPiiWarning(program)) warnings.push_back(std::move(*pii));
  return warnings;
}

}  // namespace

Result<Json> Runs::Results(const std::string& id) {
  EXEMPLAR_ASSIGN_OR_RETURN(RunRecord run, store_.GetRun(id));
  EXEMPLAR_ASSIGN_OR_RETURN(auto trials, store_.ListTrials(id));
  Json items = Json::array();
  for (const auto& t : trials) items.push_back(TrialToJson(t));
  Json program = run.best_program_json ? Json::parse(*run.best_program_json, nullptr, false) : Json(nullptr);
  Json warnings = run.status == "completed" ? ResultWarnings(run, program) : Json::array();
  return Json{{"run_id", id},
              {"status", run.status},
              {"best_score", run.best_score ? Json(*run.best_score) : Json(nullptr)},
              {"best_program", std::move(program)},
              {"contributions", run.contributions_json ? Json::parse(*run.contributions_json, nullptr, false) : Json::array()},
              {"trials", items},
              {"warnings", std::move(warnings)}};
}

Result<Json> Runs::Sync(const std::string& id) {
  EXEMPLAR_ASSIGN_OR_RETURN(RunRecord run, store_.GetRun(id));
  Json contributions = run.contributions_json ? Json::parse(*run.contributions_json, nullptr, false) : Json::array();
  std::vector<UsageEvent> events = EvidenceFromContributions(id, contributions);
  std::vector<std::string> ids;
  Json updated = Json::array();
  for (const auto& e : events) {
    ids.push_back(e.example_id);
    updated.push_back({{"example_id", e.example_id}, {"success_delta", e.success_delta}, {"failure_delta", e.failure_delta}});
  }
  EXEMPLAR_RETURN_IF_ERROR(effectiveness_.Commit([&] { return store_.SyncRun(id, events); }, ids));
  return Json{{"synced", true}, {"run_id", id}, {"examples_updated", events.size()},
              {"best_score", run.best_score ? Json(*run.best_score) : Json(nullptr)}, {"evidence", updated}};
}

Result<AcceptedRun> Runs::Accept(const std::string& id, const std::optional<std::string>& user) {
  EXEMPLAR_ASSIGN_OR_RETURN(RunRecord run, store_.GetRun(id));
  if (run.status != "completed") return Status::FailedPrecondition("only a completed run can be accepted (run is " + run.status + ")");
  if (run.decision) return Status::AlreadyExists("run was already " + *run.decision);
  if (auto why = NoProgram(run)) return Status::FailedPrecondition(*why);
  if (auto why = NothingToAccept(run)) return Status::FailedPrecondition(*why);
  EXEMPLAR_ASSIGN_OR_RETURN(Template parent, store_.GetTemplate(run.template_id));
  Json program = Json::parse(*run.best_program_json, nullptr, false);
  Template next = parent;
  next.created_by = user;
  // Instructions the optimizer rewrote replace the prompt; unchanged ones keep the parent's text.
  if (program.contains("instructions") && program["instructions"].is_string()) {
    EXEMPLAR_ASSIGN_OR_RETURN(dspy::SignatureSpec parent_spec, VersionSignature(store_, parent));
    next.prompt_template =
        dspy::PromptFromInstructions(parent, parent_spec.instructions, program["instructions"].get<std::string>());
  }
  std::set<std::string> inputs;
  for (const auto& f : parent.input_schema) inputs.insert(f.name);
  Json inline_examples = Json::array();
  std::vector<LineageEdge> edges = {{"run", id, "template", "", "produced"}};
  for (const auto& demo : program.value("demos", Json::array())) {
    Json in = Json::object(), outp = Json::object();
    const Json fields = demo.value("fields", Json::object());  // items() of a temporary would dangle
    for (auto& [k, val] : fields.items()) {
      (inputs.count(k) ? in : outp)[k] = val;
    }
    Json ex = {{"input", in}, {"output", outp}, {"source", "run:" + id}};
    // A demo whose example was purged stays a marker (lineage/purged_content.h), without content.
    if (IsPurgedCopy(demo)) ex = {{"purged", true}, {"source", "run:" + id}};
    // A bootstrapped demo's outputs are the LM's: keep the mark so exports say so, as DSPy does.
    const bool augmented = demo.value("augmented", false);
    if (augmented) ex["augmented"] = true;
    if (demo.contains("example_id")) {
      ex["example_id"] = demo["example_id"];
      const Json versions = Json::parse(run.config_json, nullptr, false).value("example_versions", Json::object());
      if (auto v = versions.find(demo["example_id"].get<std::string>()); v != versions.end()) {
        ex["example_version"] = *v;
      }
      edges.push_back({"example", demo["example_id"].get<std::string>(), "template", "",
                       augmented ? "bootstrapped_from" : "demo_of"});
    }
    inline_examples.push_back(ex);
  }
  next.examples_json = DumpJson(inline_examples);
  // The decision is claimed in the transaction that stores the version, so of concurrent accepts
  // and rejects, through any replica, exactly one wins, and a crash leaves both or neither.
  EXEMPLAR_ASSIGN_OR_RETURN(auto created, templates_.AcceptRunAsVersion(parent, next, edges, id));
  if (!created) return DecisionConflict(id);
  AcceptedRun accepted{std::move(*created)};
  if (auto zero = ZeroScoreWarning(run)) accepted.warnings.push_back(std::move(*zero));
  if (auto pii = DemoPiiWarning(program)) accepted.warnings.push_back(std::move(*pii));
  return accepted;
}

Result<RunRecord> Runs::Reject(const std::string& id) {
  EXEMPLAR_ASSIGN_OR_RETURN(RunRecord run, store_.GetRun(id));
  if (!RunFinished(run.status)) return Status::FailedPrecondition("run is still " + run.status + "; cancel it first");
  if (run.decision) return Status::AlreadyExists("run was already " + *run.decision);
  EXEMPLAR_ASSIGN_OR_RETURN(bool won, store_.DecideRun(id, "rejected", std::nullopt, NowMillis()));
  if (!won) return DecisionConflict(id);
  return store_.GetRun(id);
}

Status Runs::DecisionConflict(const std::string& id) {
  EXEMPLAR_ASSIGN_OR_RETURN(RunRecord run, store_.GetRun(id));
  if (run.decision) return Status::AlreadyExists("run was already " + *run.decision);
  return Status::FailedPrecondition("run is " + run.status + "; its decision cannot be recorded");
}

}  // namespace exemplar::service

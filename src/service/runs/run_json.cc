// Runs on the wire: the validated run config (ParseRunConfig, RunConfigToJson) and the JSON of
// runs and trials (SPEC §4.5).
#include <algorithm>

#include "common/ids.h"
#include "common/time.h"
#include "optimize/metrics.h"
#include "service/runs/runs.h"
#include "service/templates/dspy/optimizer_config.h"

namespace exemplar::service {
namespace {

const std::vector<std::string> kOptimizers = {"LabeledFewShot", "BootstrapFewShot",
                                              "BootstrapFewShotWithRandomSearch", "MIPROv2",
                                              "KNNFewShot"};
const std::vector<std::string> kMetrics = {"exact_match", "f1", "contains", "json_fields",
                                           "numeric_close", "llm_judge"};

Json Opt(const std::optional<std::string>& s) { return s ? Json(*s) : Json(nullptr); }
Json OptTime(const std::optional<int64_t>& t) { return t ? Json(FormatRfc3339(*t)) : Json(nullptr); }

}  // namespace

Result<RunConfig> ParseRunConfig(const Json& body, bool stored) {
  RunConfig c;
  Validation v;
  if (!body.is_object()) return Status::Invalid({{{"body"}, "must be a JSON object", "type_error.dict"}});
  JsonReader r(body, v);
  if (stored) r.Allow({"trainset_ids", "valset_ids", "example_versions"});  // written by Launch beside the request
  auto tid = r.String("template_id", 64);
  if (!tid) {
    if (!r.Has("template_id")) v.Add(r.Loc("template_id"), "field required", "value_error.missing");
  } else if (!IsUuid(*tid)) {
    v.Add(r.Loc("template_id"), "must be a template id (UUID)", "value_error.uuid");
  } else {
    c.template_id = NormalizeUuid(*tid);
  }
  if (auto o = r.Enum("optimizer_type", kOptimizers)) c.optimizer_type = *o;
  else if (!r.Has("optimizer_type")) c.optimizer_type = "BootstrapFewShotWithRandomSearch";
  if (auto p = r.Object("optimizer_params")) c.optimizer_params = *p;
  if (auto m = r.Enum("metric", kMetrics)) c.metric = *m;
  if (auto p = r.Object("metric_params")) c.metric_params = *p;
  // Optimizer and metric parameters are checked now, so a run that is created can start.
  if (v.ok() && !c.optimizer_type.empty()) {
    Json cfg = c.optimizer_params;
    if (cfg.contains("type") && cfg["type"] != c.optimizer_type) {
      v.Add({"body", "optimizer_params", "type"}, "names another optimizer than optimizer_type", "value_error");
    } else {
      cfg["type"] = c.optimizer_type;
      auto normalized = dspy::NormalizeOptimizerConfig(cfg, {"body", "optimizer_params"});
      if (!normalized.ok()) {
        for (const auto& fe : normalized.status().field_errors()) v.Add(fe.loc, fe.msg, fe.type);
        if (normalized.status().field_errors().empty()) {
          v.Add({"body", "optimizer_params"}, normalized.status().message(), "value_error");
        }
      }
    }
  }
  if (v.ok()) {
    auto metric = optimize::MakeMetric(c.metric, c.metric_params);
    if (!metric.ok()) v.Add({"body", "metric_params"}, metric.status().message(), "value_error");
  }
  if (auto m = r.Enum("module", {"Predict", "ChainOfThought"})) c.module = *m;
  // The provider itself (configured, allowed model, caller endpoints) is checked by LmProviders
  // at launch; here only the shape, so a stored config parses again.
  if (auto lm = r.Object("lm")) {
    JsonReader lr(*lm, v, r.Loc("lm"));
    lr.String("provider", 128);
    lr.String("model", 256);
    lr.Int("latency_ms", 0, 1000);  // offline LM: simulated latency per call (demos, tests)
    lr.Number("temperature", 0.0, 2.0);
    lr.Int("max_tokens", 1, 32000);
    lr.Int("timeout_ms", 100, 600000);
    lr.Int("max_retries", 0, 20);
    lr.String("base_url", 2048);
    lr.Allow({"api_key", "api_key_env"});  // refused or taken out by LmProviders / Launch
    lr.RejectUnknownKeys();
    c.lm = *lm;
  }
  if (auto b = r.Object("budget")) {
    JsonReader br(*b, v, r.Loc("budget"));
    if (auto t = br.Int("max_trials", 1, 10000)) c.max_trials = static_cast<int>(*t);
    if (auto l = br.Int("max_lm_calls", 1, 100000000)) c.max_lm_calls = *l;
    if (auto m = br.Number("max_minutes", 0.01, 24 * 60)) c.max_minutes = *m;
    br.RejectUnknownKeys();
  }
  if (auto d = r.Object("data")) {
    JsonReader dr(*d, v, r.Loc("data"));
    if (auto ids = dr.StringList("example_ids", 1000, 64)) c.example_ids = *ids;
    if (auto snap = dr.String("snapshot_id", 64)) {
      if (!IsUuid(*snap)) v.Add(dr.Loc("snapshot_id"), "must be a snapshot id (UUID)", "value_error.uuid");
      else c.snapshot_id = NormalizeUuid(*snap);
    }
    if (auto f = dr.Object("filters")) c.filters = *f;
    // Filters may also sit directly in `data` ({"domain": …}).
    for (const char* key : {"domain", "function_name", "difficulty", "source", "capability_tags",
                            "capability_tags_all", "min_quality_score", "min_effectiveness_score", "databit_id"}) {
      if (dr.Has(key) && !(*d)[key].is_null()) c.filters[key] = (*d)[key];
    }
    if (auto s = dr.Number("split_ratio", 0.05, 0.95)) c.split_ratio = *s;
    if (auto s = dr.Int("seed", 0, INT64_MAX)) c.seed = static_cast<uint64_t>(*s);
    if (auto m = dr.Int("max_examples", 2, 1000)) c.max_examples = static_cast<int>(*m);
    dr.RejectUnknownKeys();
  }
  r.RejectUnknownKeys();
  EXEMPLAR_RETURN_IF_ERROR(v.ToStatus());
  return c;
}

Json RunConfigToJson(const RunConfig& c) {
  return {{"template_id", c.template_id},
          {"optimizer_type", c.optimizer_type},
          {"optimizer_params", c.optimizer_params},
          {"metric", c.metric},
          {"metric_params", c.metric_params},
          {"module", c.module},
          {"lm", c.lm},
          {"budget", {{"max_trials", c.max_trials}, {"max_lm_calls", c.max_lm_calls}, {"max_minutes", c.max_minutes}}},
          {"data", {{"example_ids", c.example_ids}, {"filters", c.filters}, {"split_ratio", c.split_ratio},
                    {"seed", c.seed}, {"max_examples", c.max_examples},
                    {"snapshot_id", c.snapshot_id.empty() ? Json(nullptr) : Json(c.snapshot_id)}}}};
}

Json RunToJson(const RunRecord& r, bool replicas) {
  Json progress = Json::parse(r.progress_json, nullptr, false);
  Json config = Json::parse(r.config_json, nullptr, false);
  return {{"run_id", r.id},
          {"template_id", r.template_id},
          {"status", r.status},
          {"optimizer_type", config.value("optimizer_type", "")},
          {"metric", config.value("metric", "")},
          {"config", config},
          {"progress", progress},
          {"trials_completed", progress.value("trials_done", 0)},
          {"trials_total", progress.value("trials_total", 0)},
          {"best_score", r.best_score ? Json(*r.best_score) : Json(nullptr)},
          {"lm_calls", progress.value("lm_calls", 0)},
          {"tokens", progress.value("prompt_tokens", 0) + progress.value("completion_tokens", 0)},
          {"elapsed_s", progress.value("elapsed_s", 0.0)},
          {"eta_s", progress.contains("eta_s") ? progress["eta_s"] : Json(nullptr)},
          {"error", Opt(r.error)},
          {"decision", Opt(r.decision)},
          {"accepted_template_id", Opt(r.accepted_template_id)},
          // GET /dspy-runs and /dspy-runs/{id} say whether that version was deleted since.
          {"accepted_template_deleted", false},
          {"synced", r.synced_at.has_value()},
          {"synced_at", OptTime(r.synced_at)},
          {"created_by", Opt(r.created_by)},
          {"created_at", FormatRfc3339(r.created_at)},
          {"started_at", OptTime(r.started_at)},
          {"completed_at", OptTime(r.completed_at)},
          // Who executes it (with replicas; a private database has one executor, this server),
          // how many executions it took (the store counts takeovers), how many of those followed
          // a lost replica (the limit's count; handovers at a clean stop are not), and while it
          // runs, until when its executor holds it: another replica takes it over once that has passed.
          {"claimed_by", replicas ? Opt(r.claimed_by) : Json(nullptr)},
          {"attempts", r.started_at ? r.attempts + 1 : 0},
          {"takeovers", r.takeovers},
          {"lease_expires_at", replicas && r.status == "running" ? OptTime(r.lease_expires_at) : Json(nullptr)}};
}

Json TrialToJson(const TrialRecord& t) {
  return {{"trial_id", t.trial_index},
          {"trial_index", t.trial_index},
          {"candidate", t.candidate},
          {"instruction", Opt(t.instruction)},
          {"demo_ids", t.demo_ids},
          {"examples_used", t.demo_ids},
          {"score", t.score},
          {"metrics", Json::parse(t.metrics_json, nullptr, false)},
          {"lm_calls", t.lm_calls},
          {"timestamp", FormatRfc3339(t.created_at)}};
}

}  // namespace exemplar::service

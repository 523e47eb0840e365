// Shared response shapes of the OpenAPI document (#/components/schemas). Objects are open
// (additionalProperties allowed) so that adding a response field is not a breaking change; their
// required keys and types are what clients may rely on, and the conformance test checks real
// responses against them.
#include "api/openapi.h"
#include "service/effectiveness/effectiveness.h"
#include "service/examples/example_json.h"
#include "service/search/exploration.h"
#include "service/templates/template_json.h"

namespace exemplar::api {
namespace {

using namespace schema;  // NOLINT: the schema helpers are this file's vocabulary

const char* kTime = "RFC 3339 UTC timestamp";

Json Time() { return Describe(Str(), kTime); }
Json Date() {
  Json s = Describe(Str(), "a calendar date (YYYY-MM-DD, UTC)");
  s["format"] = "date";
  return s;
}
Json Open(Json props, std::vector<std::string> required) { return Obj(std::move(props), std::move(required), true); }
Json AllRequired(Json props) {
  std::vector<std::string> keys;
  for (auto& [k, _] : props.items()) keys.push_back(k);
  return Open(std::move(props), keys);
}

Json Example() {
  return AllRequired({{"example_id", Str()},
                      {"client_id", Describe(Nullable(Str()), "the idempotency key it was created with")},
                      {"created_by", Nullable(Str())},
                      {"input", AnyObj()},
                      {"expected_output", AnyObj()},
                      {"explanation", Nullable(Str())},
                      {"databit_id", Nullable(Str())},
                      {"domain", Str()},
                      {"function_name", Nullable(Str())},
                      {"difficulty", Enum(service::kDifficulties)},
                      {"capability_tags", Arr(Str())},
                      {"search_keys", Arr(Str())},
                      {"source", Enum(service::kSources)},
                      {"attribution_notes", Nullable(Str())},
                      {"quality_score", Nullable(Num(0, 1))},
                      {"usage_count", Int(0)},
                      {"success_count", Num(0)},
                      {"failure_count", Num(0)},
                      {"effectiveness_score", Nullable(Num(0, 1))},
                      {"has_embedding", Bool()},
                      {"embedding_model", Nullable(Str())},
                      {"pii_flags", Arr(Str())},
                      {"version", Int(1)},
                      {"created_at", Time()},
                      {"updated_at", Time()},
                      {"last_used_at", Nullable(Time())}});
}

Json Template() {
  Json field = Open({{"name", Str()}, {"type", Enum(service::kFieldTypes)}, {"description", Str()},
                     {"required", Bool()}},
                    {"name", "type"});
  return AllRequired({{"id", Str()},
                      {"name", Str()},
                      {"description", Nullable(Str())},
                      {"input_schema", Arr(field)},
                      {"output_schema", Arr(field)},
                      {"system_prompt", Nullable(Str())},
                      {"prompt_template", Nullable(Str())},
                      {"examples", Arr(AnyObj())},
                      {"base_model", Nullable(Str())},
                      {"temperature", Nullable(Num(0, 2))},
                      {"max_tokens", Nullable(Int(1))},
                      {"status", Enum(service::kTemplateStatuses)},
                      {"version", Str()},
                      {"parent_template_id", Nullable(Str())},
                      {"derived_from", Arr(Str())},
                      {"created_by", Nullable(Str())},
                      {"created_at", Time()},
                      {"updated_at", Time()}});
}

Json Run() {
  return Open({{"run_id", Str()},
               {"template_id", Str()},
               {"status", Enum({"pending", "running", "completed", "failed", "cancelled"})},
               {"optimizer_type", Str()},
               {"metric", Str()},
               {"config", AnyObj()},
               {"progress", AnyObj()},
               {"best_score", Nullable(Num())},
               {"trials_completed", Int(0)},
               {"trials_total", Int(0)},
               {"lm_calls", Int(0)},
               {"tokens", Describe(Int(0), "prompt and completion tokens the LM reported")},
               {"elapsed_s", Describe(Num(0), "seconds the run has been executing")},
               {"eta_s", Describe(Nullable(Num(0)), "estimated seconds left; null until a trial finished")},
               {"synced", Bool()},
               {"synced_at", Nullable(Time())},
               {"created_by", Nullable(Str())},
               {"decision", Nullable(Enum({"accepted", "rejected"}))},
               {"accepted_template_id", Nullable(Str())},
               {"accepted_template_deleted",
                Describe(Bool(), "the version it was accepted as (accepted_template_id) was deleted since: that id "
                                 "answers 404 (GET /dspy-runs and /dspy-runs/{id} check it; other answers say false)")},
               {"error", Nullable(Str())},
               {"created_at", Time()},
               {"started_at", Nullable(Time())},
               {"completed_at", Nullable(Time())},
               {"claimed_by", Describe(Nullable(Str()), "the replica (replica_id) executing the run, or that executed it "
                                                        "last; null before it started and on a server with its own "
                                                        "SQLite database (this server executes it)")},
               {"attempts", Describe(Int(0), "executions the run took: 0 before it started, 1 normally, one more for "
                                             "each time another replica (or its own, restarted) took it over, "
                                             "whether handed over by a replica stopped cleanly or after a lost one")},
               {"takeovers", Describe(Int(0), "how many of those takeovers followed a lost replica (kill -9, lost "
                                              "host: its lease expired); a run handed over by a replica stopped "
                                              "cleanly (SIGTERM, a rolling restart) does not count. After more than "
                                              "3 the run is failed as interrupted")},
               {"lease_expires_at", Describe(Nullable(Time()), "while running with replicas: when the executing "
                                                               "replica's lease ends unless renewed (every run_lease_s "
                                                               "/ 3); once passed, another replica takes the run over")}},
              {"run_id", "template_id", "status", "optimizer_type", "metric", "config", "progress", "best_score",
               "synced", "created_at", "claimed_by", "attempts", "takeovers", "lease_expires_at"});
}

Json Page(const std::string& key, Json item, bool cursor) {
  Json p = {{key, Arr(std::move(item))}, {"total", Int(0)}, {"page", Int(1)}, {"page_size", Int(1, 100)}};
  if (cursor) p["page"] = Describe(Nullable(Int(1)), "the page number asked for; null for a page reached by cursor");
  std::vector<std::string> required = {key, "total", "page", "page_size"};
  if (cursor) {
    p["next_cursor"] = Describe(Nullable(Str()), "pass as ?cursor= for the next page; null on the last");
    required.push_back("next_cursor");
  }
  return Open(p, required);
}

// service::QualityWarning (service/quality/content_rules.h).
Json Warning() {
  return Open({{"type", Enum({"near_duplicate", "conflict", "missing_optional_field", "pii"})},
               {"message", Str()},
               {"example_id", Describe(Str(), "near_duplicate, conflict: the stored example it resembles")},
               {"similarity", Describe(Num(0, 1), "near_duplicate, conflict: cosine of the inputs (1 = identical)")},
               {"loc", Describe(Arr({{"type", Json::array({"string", "integer"})}}),
                                "missing_optional_field: where the field belongs")},
               {"kinds", Describe(Arr(Str()), "pii: the kinds of personal data found")}},
              {"type", "message"});
}

// The kinds of lineage nodes and edges (service/lineage, service/runs, service/templates).
const std::vector<std::string> kNodeTypes = {"example", "template", "run", "snapshot", "dspy_program"};
const std::vector<std::string> kEdgeTypes = {"demo_of",    "bootstrapped_from", "used_in",      "trained_on",
                                             "produced",   "imported_as",       "version_of",   "derived_from",
                                             "optimized_by", "member_of"};
// How a search matched (service::SearchHit::match_type) and the mode it ran (auto resolved).
const std::vector<std::string> kMatchTypes = {"vector", "keyword", "hybrid", "metadata"};
// A retrieval's outcome as reported (POST /examples/outcome).
const std::vector<std::string> kRetrievalOutcomes = {"success", "failure", "partial"};

// Error.code: the name of every status an error body can carry but validation_error (api/http.cc
// ErrorBody), read from the status codes themselves.
std::vector<std::string> ErrorCodes() {
  std::vector<std::string> codes;
  for (int c = static_cast<int>(Code::kInvalidArgument); c <= static_cast<int>(Code::kInternal); ++c) {
    if (static_cast<Code>(c) != Code::kInvalidArgument) codes.push_back(Status(static_cast<Code>(c), "").CodeName());
  }
  return codes;
}

// A batch's or import's report (api/handlers/examples.cc BatchToJson).
Json BatchProps(const Json& loc) {
  return {{"created_count", Int(0)}, {"failed_count", Int(0)}, {"existing_count", Int(0)},
          {"created_ids", Arr(Str())}, {"existing_ids", Arr(Str())},
          {"errors", Arr(Open({{"index", Int(0)}, {"error", Str()}, {"loc", loc}, {"type", Str()}}, {"index", "error"}))},
          {"warnings", Arr({{"allOf", Json::array({Ref("QualityWarning"),
                                                   Open({{"index", Describe(Int(0), "the record's position")},
                                                         {"item_id", Describe(Str(), "the example the record was stored "
                                                                                     "as (absent when it was not)")}},
                                                        {"index"})})}})},
          {"total_records", Describe(Int(0), "import: the records the file held")}};
}

// The marks of a deleted example (service::ExampleWithTombstoneJson).
Json TombstoneProps() {
  return {{"deleted", Bool()}, {"deleted_at", Nullable(Time())}, {"purged", Bool()},
          {"content_hash", Describe(Nullable(Str()), "hash of the content, kept when a purge erased it")}};
}

Json LineageGraph() {
  Json node = Open({{"key", Str()}, {"id", Str()}, {"type", Enum(kNodeTypes)}, {"label", Str()},
                    {"depth", Describe(Int(), "hops from the root; negative upstream")},
                    {"attributes", AnyObj()}},
                   {"key", "id", "type"});
  Json edge = Open({{"source", Str()}, {"target", Str()}, {"type", Enum(kEdgeTypes)}, {"source_type", Enum(kNodeTypes)},
                    {"source_id", Str()}, {"target_type", Enum(kNodeTypes)}, {"target_id", Str()},
                    {"example_version", Describe(Nullable(Int(1)), "the example's version the edge points to")},
                    {"closed_at", Nullable(Time())}},
                   {"source", "target", "type"});
  return Open({{"root", Str()}, {"nodes", Arr(node)}, {"edges", Arr(edge)}}, {"root", "nodes", "edges"});
}

Json Snapshot(bool items) {
  Json p = {{"snapshot_id", Str()},   {"name", Str()},        {"template_id", Nullable(Str())},
            {"item_count", Int(0)},   {"selection", AnyObj()}, {"created_at", Time()},
            {"created_by", Nullable(Str())}};
  if (items) {
    p["items"] = Arr(AllRequired({{"example_id", Str()}, {"version", Int(1)}, {"content_hash", Str()}}));
  }
  return AllRequired(p);
}

Json Findings() {
  return Arr(Open({{"code", Str()}, {"message", Str()}, {"severity", Enum({"error", "warning", "info"})},
                   {"field", Describe(Str(), "the signature field it concerns")},
                   {"example_ids", Describe(Arr(Str()), "pii: the exported demos that carry personal data; "
                                                        "deleted_demos, edited_demos: the demos' examples")},
                   {"examples", Describe(Arr(Obj({{"example_id", Str()}, {"demo_version", Int(1)},
                                                  {"current_version", Int(1)}})),
                                         "edited_demos: the version of each example a demo holds, and its current one")},
                   {"kinds", Describe(Arr(Str()), "pii: the kinds found")}},
                  {"code", "message", "severity"}));
}

// POST /templates/{id}/import-dspy (service::DspyImport::Import).
Json DspyImport() {
  std::vector<std::string> matches = service::kInlineMatches;
  matches.push_back("none");
  Json demo = Open({{"index", Int(0)},
                    {"example_id", Describe(Nullable(Str()), "the example the demo is linked to; null when none")},
                    {"example_version", Int(1)},
                    {"match", Describe(Enum(matches), "how the example was found (created: ?create_examples made it)")},
                    {"augmented", Bool()},
                    {"deleted", Describe(Bool(), "the example is deleted (linked all the same)")},
                    {"reason", Describe(Str(), "why the demo is unmatched, or linked to a deleted example")},
                    {"purged", Describe(Bool(), "the demo's content is a purged example's (never stored again)")}},
                   {"index", "example_id", "match", "augmented"});
  return AllRequired({{"template", Ref("Template")},
                      {"already_imported", Describe(Bool(), "a repeat: the version an earlier import made")},
                      {"module", Enum({"Predict", "ChainOfThought"})},
                      {"demos", Describe(Arr(demo), "each demo of the program, in order")},
                      {"unmatched", Describe(Arr(Int(0)), "indexes of the demos linked to no example")},
                      {"created_example_ids", Arr(Str())},
                      {"findings", Findings()}});
}

}  // namespace

Json ComponentSchemas() {
  Json field_error = Obj({{"loc", Arr({{"type", Json::array({"string", "integer"})}})}, {"msg", Str()},
                          {"type", Str()}},
                         {"loc", "msg", "type"}, true);
  return {
      {"Error", Open({{"detail", Str()}, {"code", Enum(ErrorCodes())}, {"request_id", Str()}}, {"detail", "code"})},
      {"ValidationError",
       Open({{"detail", Arr(field_error)}, {"code", Enum({"validation_error"})}, {"request_id", Str()}},
            {"detail", "code"})},
      {"BatchValidationError",
       Describe({{"allOf", Json::array({Ref("ValidationError"), Open(BatchProps(field_error["properties"]["loc"]), {})})}},
                "A validation error; when the records were read and none was stored, with the batch's report "
                "(created_count, errors, existing_ids, ...) besides detail and code")},
      {"Readiness",
       Open({{"status", Str()}, {"examples", Int(0)}, {"indexed", Int(0)}, {"vectors", Int(0)},
             {"vector_model", Describe(Str(), "the embedding model of the vector index")}, {"index_load", Str()}},
            {"status"})},
      {"Example", Example()},
      {"ExampleWritten",
       {{"allOf", Json::array({Ref("Example"), Open({{"warnings", Arr(Ref("QualityWarning"))}}, {"warnings"})})}}},
      {"QualityWarning", Warning()},
      {"ExamplePage", Page("examples", Ref("Example"), true)},
      {"DeletedExample", {{"allOf", Json::array({Ref("Example"), AllRequired(TombstoneProps())})}}},
      {"ExampleMaybeDeleted",
       Describe({{"allOf", Json::array({Ref("Example"), Open(TombstoneProps(), {})})}},
                "An example; with ?include_deleted=true, also its deletion marks (deleted, deleted_at, purged, "
                "content_hash)")},
      {"DeletedExamplePage", Page("examples", Ref("DeletedExample"), false)},
      {"BatchResult",
       Open(BatchProps(field_error["properties"]["loc"]), {"created_count", "failed_count", "created_ids", "errors"})},
      {"BulkResult",
       Open({{"matched", Int(0)}, {"updated", Int(0)}, {"deleted", Int(0)}, {"dry_run", Bool()},
             {"example_ids", Arr(Str())}},
            {"matched", "dry_run", "example_ids"})},
      {"SearchResponse",
       Open({{"results", Arr(Open({{"example", Ref("Example")},
                                   {"similarity_score", Nullable(Num())},
                                   {"match_type", Enum(kMatchTypes)},
                                   {"scores", Open({{"vector", Nullable(Num())}, {"keyword", Nullable(Num())},
                                                    {"fused", Nullable(Num())}, {"effectiveness", Nullable(Num())},
                                                    {"relevance", Nullable(Num())},
                                                    {"effectiveness_used", Describe(Nullable(Num()),
                                                                                    "the effectiveness the ranking blended "
                                                                                    "(an exploration policy's draw)")}},
                                                   {})}},
                                  {"example", "similarity_score", "match_type", "scores"}))},
             {"total_matches", Int(0)},
             {"search_type", Describe(Enum(kMatchTypes), "the mode the search ran (auto resolved)")},
             {"query_embedding_generated", Bool()},
             {"took_ms", Num(0)},
             {"metadata", AnyObj()}},
            {"results", "total_matches", "search_type", "query_embedding_generated", "took_ms"})},
      {"Retrieval",
       Open({{"retrieval_id", Str()},
             {"examples",
              Arr({{"allOf",
                    Json::array({Ref("Example"),
                                 Open({{"similarity_score", Nullable(Num())},
                                       {"match_type", Enum(kMatchTypes)},
                                       {"why", Open({{"relevance", Nullable(Num())}, {"vector", Nullable(Num())},
                                                     {"keyword", Nullable(Num())}, {"effectiveness", Nullable(Num())},
                                                     {"effectiveness_used", Nullable(Num())}, {"rank_score", Num()}},
                                                    {})}},
                                      {})})}})},
             {"formatted_prompt", Str()},
             {"messages", Nullable(Arr(Open({{"role", Str()}, {"content", Str()}}, {"role", "content"})))},
             {"metadata", AnyObj()}},
            {"retrieval_id", "examples", "formatted_prompt", "metadata"})},
      {"RetrievalRecord",
       Open({{"retrieval_id", Str()}, {"query", Str()}, {"example_ids", Arr(Str())},
             {"outcome", Nullable(Enum(kRetrievalOutcomes))},
             {"example_outcomes", Nullable(MapOf(Enum(service::kOutcomes)))},
             {"exploration", Nullable(Enum(service::kExplorationNames))}, {"seed", Nullable(Int(0))},
             {"ranking", Arr(AnyObj())}, {"created_at", Time()},
             {"agent_id", Describe(Nullable(Str()), "the caller's agent_id, when it retrieved through the original "
                                                   "plan's path (POST /api/v1/agents/examples/retrieve)")},
             {"session_id", Describe(Nullable(Str()), "the caller's session_id (a UUID), likewise")},
             {"actor", Describe(Nullable(Str()), "who retrieved it, as the audit log names an actor: the token's name "
                                                 "(else token:<id prefix>), the proxy's user, or local; null for "
                                                 "retrievals recorded before this was kept")},
             {"outcome_actor", Describe(Nullable(Str()), "who reported its outcome, likewise; null until then")},
             {"request", Describe(Nullable(AnyObj()), "the retrieve body that made it, with the exploration and seed it "
                                                      "ran with: POST it to /examples/retrieve to replay the retrieval "
                                                      "(null for retrievals recorded before this was kept)")}},
            {"retrieval_id", "example_ids", "outcome", "created_at"})},
      {"UsageEventPage",
       Open({{"example_id", Str()},
             {"events",
              Describe(Arr(Open({{"id", Int(1)},
                                 {"kind", Describe(Enum({"retrieved", "outcome", "tracked", "optimization"}),
                                                   "optimization: evidence a run's sync added")},
                                 {"outcome", Nullable(Enum(service::kOutcomes))},
                                 {"success_delta", Num(0)}, {"failure_delta", Num(0)},
                                 {"confidence", Nullable(Num(0, 1))}, {"context", Nullable(Str())},
                                 {"model_id", Nullable(Str())}, {"run_id", Nullable(Str())},
                                 {"retrieval_id", Nullable(Str())},
                                 {"actor", Describe(Nullable(Str()),
                                                    "who sent it (a token's name, token:<id prefix>, the proxy's user, "
                                                    "local); null for a run's sync and for events recorded before "
                                                    "this was kept")},
                                 {"created_at", Time()}},
                                {"id", "kind", "outcome", "success_delta", "failure_delta", "actor", "created_at"})),
                       "newest first: one page")},
             {"next_before_id", Describe(Nullable(Int(1)), "pass as before_id for the next page; null at the end")}},
            {"example_id", "events", "next_before_id"})},
      {"OutcomeResult",
       Open({{"retrieval_id", Str()}, {"outcome", Enum(kRetrievalOutcomes)},
             {"examples_credited", Describe(Int(0), "how many examples the outcome added evidence to")},
             {"credited_example_ids", Describe(Arr(Str()), "the examples given evidence, in retrieval order")},
             {"not_credited_example_ids",
              Describe(Arr(Str()), "the retrieval's other examples: outcome `unknown`, or deleted since the retrieval")},
             {"deleted_example_ids", Describe(Arr(Str()), "the examples deleted since the retrieval")},
             {"example_outcomes",
              Describe(MapOf(Enum(service::kOutcomes)), "each present example's outcome (example id -> outcome)")},
             {"example_credits",
              Describe(Arr(Open({{"example_id", Str()}, {"outcome", Enum(service::kOutcomes)}, {"success_delta", Num(0, 1)},
                                 {"failure_delta", Num(0, 1)}},
                                {"example_id", "outcome", "success_delta", "failure_delta"})),
                       "what each present example was credited, in retrieval order")},
             {"success_delta", Describe(Num(0), "the success evidence added in all (sum over example_credits)")},
             {"failure_delta", Describe(Num(0), "the failure evidence added in all (sum over example_credits)")},
             {"already_recorded",
              Describe(Bool(), "the same outcome was recorded before (a retry): this answer describes it, and nothing "
                               "was added now")}},
            {"retrieval_id", "outcome", "examples_credited", "credited_example_ids", "not_credited_example_ids",
             "example_credits", "success_delta", "failure_delta", "already_recorded"})},
      {"EffectivenessStats",
       Open({{"example_id", Str()}, {"total_uses", Int(0)}, {"success_count", Num(0)},
             {"failure_count", Num(0)}, {"success_rate", Nullable(Num(0, 1))},
             {"recent_success_rate", Nullable(Num(0, 1))}, {"prior_success_rate", Nullable(Num(0, 1))},
             {"effectiveness_score", Nullable(Num(0, 1))},
             {"interval", Open({{"low", Num(0, 1)}, {"high", Num(0, 1)}, {"level", Num(0, 1)}}, {"low", "high"})},
             {"effectiveness_trend", Nullable(Str())}, {"last_used_at", Nullable(Time())}},
            {"example_id", "total_uses", "success_count", "failure_count", "effectiveness_score", "interval"})},
      {"Dashboard",
       Open({{"period_days", Int(1)}, {"period_start", Date()}, {"period_end", Date()},
             {"total_examples", Describe(Int(0), "live examples matching the domain / function filters")},
             {"examples_with_usage",
              Describe(Int(0), "examples used in the period: retrieved, tracked or credited with an outcome (an "
                               "optimization sync's evidence is not a use); total_examples minus stale_examples_count")},
             {"total_uses", Int(0)},
             {"total_successes", Num(0)}, {"total_failures", Num(0)}, {"overall_success_rate", Nullable(Num(0, 1))},
             {"avg_effectiveness_score", Nullable(Num(0, 1))},
             {"domain_breakdown", Arr(AnyObj())}, {"function_breakdown", Arr(AnyObj())},
             {"daily_usage", Arr(Open({{"date", Date()}, {"uses", Int(0)}, {"successes", Num(0)}, {"failures", Num(0)}},
                                      {"date", "uses"}))},
             {"top_examples", Arr(AnyObj())}, {"bottom_examples", Arr(AnyObj())},
             {"stale_examples_count",
              Describe(Int(0), "examples not used in the period (never, or last before period_start); "
                               "total_examples minus examples_with_usage")},
             {"usage_retention_days",
              Describe(Int(0), "the server's usage_retention_days (0 = kept for ever): total_uses, the successes, "
                               "failures and success rate, the breakdowns' usage columns and daily_usage read usage "
                               "events, which are kept this many days; the other figures are counters on the examples")},
             {"max_retrievals_kept",
              Describe(Int(0), "the server's max_retrievals_kept (0 = no bound): beyond it the oldest retrievals "
                               "go with their usage events, which can cut the usage figures shorter still")},
             {"max_usage_events_kept",
              Describe(Int(0), "the server's max_usage_events_kept (0 = no bound): beyond it the oldest usage events "
                               "go, which can cut the usage figures shorter still")}},
            {"period_days", "total_examples", "total_uses", "domain_breakdown", "function_breakdown",
             "daily_usage", "top_examples", "bottom_examples", "usage_retention_days", "max_retrievals_kept",
             "max_usage_events_kept"})},
      {"Template", Template()},
      {"TemplatePage", Page("templates", Ref("Template"), true)},
      {"DspySignature",
       Open({{"template_id", Str()}, {"signature", AnyObj()}, {"python", Str()}, {"valid", Bool()},
             {"findings", Findings()}},
            {"template_id", "signature", "python", "valid", "findings"})},
      {"DspyExport",
       Open({{"template_id", Str()},
             {"format", Enum({"python_module", "program_state", "dataset_jsonl", "json_config", "notebook"})},
             {"module", Enum({"Predict", "ChainOfThought"})},
             {"content", Str()}, {"filename", Str()}, {"media_type", Str()}, {"example_count", Int(0)},
             {"example_ids", Arr(Str())},
             {"example_source", Describe(Enum({"version", "store"}), "the version's own demos, or examples selected "
                                                                    "from the store")},
             {"selection", Describe(Nullable(Enum({"top", "diverse", "balanced", "similar"})),
                                    "the store's selection strategy; null for the version's own demos")},
             {"findings", Findings()}},
            {"template_id", "format", "content", "filename", "media_type", "example_count", "findings"})},
      {"DspyImport", DspyImport()},
      {"LineageGraph", LineageGraph()},
      {"Attribution",
       Open({{"template_id", Str()}, {"examples", Arr(AnyObj())}, {"templates", Arr(AnyObj())},
             {"runs", Arr(AnyObj())}, {"inline_examples", Arr(AnyObj())}},
            {"template_id", "examples", "templates", "runs"})},
      {"LmProviders",
       Open({{"providers", Arr(Open({{"name", Str()}, {"kind", Str()}, {"models", Arr(Str())},
                                     {"default_model", Str()}, {"description", Str()}},
                                    {"name", "kind", "models", "default_model"}))},
             {"caller_endpoints_allowed", Bool()}},
            {"providers", "caller_endpoints_allowed"})},
      {"Run", Run()},
      {"RunPage", Page("runs", Ref("Run"), true)},
      {"RunResults",
       Open({{"run_id", Str()}, {"status", Str()}, {"best_score", Nullable(Num())},
             {"best_program", Nullable(AnyObj())},
             {"trials", Arr(Open({{"trial_index", Int(0)}, {"trial_id", Describe(Int(0), "same as trial_index")},
                                  {"candidate", Describe(Str(), "the candidate program (e.g. zero_shot)")},
                                  {"score", Nullable(Num())}, {"instruction", Nullable(Str())},
                                  {"demo_ids", Arr(Str())}, {"examples_used", Describe(Arr(Str()), "same as demo_ids")},
                                  {"lm_calls", Int(0)}, {"metrics", AnyObj()}, {"timestamp", Time()}},
                                 {"trial_index", "score"}))},
             {"contributions",
              Arr(Open({{"example_id", Str()},
                        {"contribution", Describe(Nullable(Num()), "with_mean - without_mean; null when the trials "
                                                                  "cannot tell the example apart")},
                        {"with_mean", Num()}, {"without_mean", Nullable(Num())},
                        {"with_trials", Int(0)}, {"without_trials", Int(0)},
                        {"trials_with", Describe(Int(0), "same as with_trials")},
                        {"trials_without", Describe(Int(0), "same as without_trials")},
                        {"variation", Enum({"ok", "not_enough_variation"})}},
                       {"example_id", "contribution"}))},
             {"warnings", Ref("RunWarnings")}},
            {"run_id", "status", "trials", "contributions", "warnings"})},
      {"RunWarnings",
       Describe(Arr(Open({{"code", Enum({"nothing_to_accept", "no_program", "zero_score", "pii"})}, {"message", Str()},
                          {"example_ids", Describe(Arr(Str()), "pii: the demos' examples")},
                          {"kinds", Describe(Arr(Str()), "pii: the kinds found")}},
                         {"code", "message"})),
                "What a completed run's result should say beside its score: nothing_to_accept (a KNNFewShot run "
                "chooses demos per query, so accept is a 409), no_program (the budget ran out before any "
                "candidate was evaluated in full: accept is a 409; the message names the budget to raise), "
                "zero_score (the best program scored 0: the metric never succeeded; accept is allowed and says "
                "so too), pii (demos of the best program carry personal data)")},
      {"SyncResult",
       Open({{"run_id", Str()}, {"synced", Bool()}, {"examples_updated", Int(0)}, {"best_score", Nullable(Num())},
             {"evidence", Arr(AnyObj())}},
            {"run_id", "synced", "examples_updated"})},
      {"Snapshot", Snapshot(false)},
      {"SnapshotDetail", Snapshot(true)},
      {"SnapshotPage", Page("snapshots", Ref("Snapshot"), false)},
      {"SnapshotDiff",
       Open({{"from", Str()}, {"to", Str()}, {"added", Arr(AnyObj())}, {"removed", Arr(AnyObj())},
             {"changed", Arr(AnyObj())}, {"unchanged_count", Int(0)}},
            {"from", "to", "added", "removed", "changed", "unchanged_count"})},
      {"AuditPage",
       Open({{"entries", Arr(Open({{"seq", Int(1)}, {"at", Time()}, {"actor", Str()}, {"action", Str()},
                                   {"entity", Str()}, {"entity_ids", Arr(Str())}, {"diff", Any()},
                                   {"request_id", Nullable(Str())}},
                                  {"seq", "at", "actor", "action", "entity"}))},
             {"next_before_seq", Nullable(Int(1))}, {"retention_days", Int(0)}},
            {"entries", "next_before_seq"})},
      {"DuplicateClusters",
       Open({{"clusters", Arr(Open({{"size", Int(2)}, {"min_similarity", Num(0, 1)}, {"conflict", Bool()},
                                    {"distinct_outputs", Int(0)}, {"examples", Arr(Ref("Example"))}},
                                   {"size", "min_similarity", "conflict", "examples"}))},
             {"total_clusters", Int(0)}, {"examples_scanned", Int(0)}, {"threshold", Num(0.5, 1)},
             {"took_ms", Num(0)}},
            {"clusters", "total_clusters", "examples_scanned", "threshold"})},
  };
}

}  // namespace exemplar::api

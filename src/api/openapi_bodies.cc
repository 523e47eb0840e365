// Request body schemas of the OpenAPI document kept apart from the route list
// (api/openapi_routes.cc): the list filters, templates, DSPy exports, run launches and bulk
// selections. Each names exactly the keys its parser reads.
#include "api/openapi_bodies.h"

#include "service/examples/example_json.h"
#include "service/examples/examples.h"
#include "service/quality/pii.h"
#include "service/search/exploration.h"
#include "service/templates/template_json.h"

namespace exemplar::api::bodies {

using namespace schema;  // NOLINT: the schema helpers are this file's vocabulary

namespace {

std::vector<std::string> PiiFilterKinds() {
  std::vector<std::string> kinds = service::kPiiKinds;
  kinds.push_back("any");
  return kinds;
}

Json SchemaFieldList() {
  return Arr(Obj({{"name", Str(128)},
                  {"type", Enum(service::kFieldTypes)},
                  {"description", Str(4096)},
                  {"required", Bool()}},
                 {"name"}),
             100);
}
// One inline example of a template, as service::ApplyTemplateJson checks it: input and output
// (objects of the template's fields) are required unless `purged` is true (a purge erased them);
// the other keys are the marks the server writes itself, accepted back as a GET gives them
// (example_version and match only so: service::InlineMarks).
Json InlineExample() {
  Json p = {{"input", Describe(AnyObj(), "the template's input fields")},
            {"output", Describe(AnyObj(), "the template's output fields (and reasoning / rationale)")},
            {"explanation", Nullable(Str())},
            {"source", Str(256)},
            {"augmented", Bool()},
            {"purged", Describe(Bool(), "server-written: the content was erased by a purge")},
            {"example_id", Describe(Str(64), "the stored example's id (a UUID)")},
            {"example_version",
             Describe(Int(1), "server-written: the version of the stored example whose content the demo holds; "
                              "accepted back only as the template holds it on this demo (else 422)")},
            {"match", Describe(Enum(service::kInlineMatches),
                               "server-written: how an import found the stored example; accepted back only as the "
                               "template holds it on this demo (else 422)")}};
  Json s = Obj(p);
  const Json kept = {{"required", Json::array({"input", "output"})},
                     {"properties", {{"input", AnyObj()}, {"output", AnyObj()}, {"purged", {{"enum", Json::array({false})}}}}}};
  const Json erased = {{"required", Json::array({"purged"})}, {"properties", {{"purged", {{"enum", Json::array({true})}}}}}};
  s["oneOf"] = Json::array({kept, erased});
  return s;
}

}  // namespace

// The list filters (service::ParseFilterFields); `content` adds input.<field> / output.<field>
// filters and the PII filter.
Json FilterProps(bool content) {
  Json p = {{"databit_id", Str(kShort)},
            {"domain", Str(kShort)},
            {"function_name", Str(kShort)},
            {"difficulty", Enum(service::kDifficulties)},
            {"source", Enum(service::kSources)},
            {"capability_tags", Describe(Arr(Str(kShort), 1000), "any of these tags")},
            {"capability_tag", Str(kShort)},
            {"capability_tags_all", Describe(Arr(Str(kShort), 1000), "all of these tags")},
            {"min_quality_score", Num(0, 1)},
            {"min_effectiveness_score", Num(0, 1)}};
  if (content) p["pii"] = Enum(PiiFilterKinds());
  return p;
}
Json ContentFilterValue() {
  Json scalar = {{"type", Json::array({"string", "number", "boolean"})}};
  return {{"oneOf", Json::array({scalar, Arr(scalar, 100),
                                 Obj({{"in", Arr(scalar, 100)}}, {"in"}), Obj({{"eq", scalar}}, {"eq"})})}};
}
Json Filter(bool content) {
  Json s = Obj(FilterProps(content));
  if (content) s["patternProperties"] = {{"^(input|output)\\.", ContentFilterValue()}};
  return s;
}

Json TemplateBody(bool creating) {
  Json p = {{"name", Str(255)},
            {"description", Nullable(Str(kLong))},
            {"prompt_template", Nullable(Str(kLong))},
            {"system_prompt", Nullable(Str(kLong))},
            {"input_schema", Nullable(SchemaFieldList())},
            {"output_schema", Nullable(SchemaFieldList())},
            {"examples", Nullable(Arr(InlineExample(), 1000))},
            {"base_model", Str(256)},
            {"temperature", Num(0, 2)},
            {"max_tokens", Int(1, 32000)},
            {"derived_from", Arr(Str(64), 100)}};
  for (const char* k : {"version", "parent_template_id", "created_by", "created_at", "updated_at"}) {
    p[k] = Describe(Nullable(Str(256)), "server-assigned; accepted (with its type) and ignored");
  }
  p["id"] = Describe(Nullable(Str(64)), creating ? "the new template's id (a UUID): left out or null, the server "
                                                   "chooses; given, an id no template of this store has or had (a "
                                                   "template moved from another store), else 409"
                                                 : "server-assigned; must be the id in the path");
  p["status"] = Describe(Nullable(Enum({"draft"})),
                         "server-assigned: templates are created and edited as drafts; status changes through "
                         "POST /templates/{id}/publish and /archive (another value is a 422)");
  return Obj(p, creating ? std::vector<std::string>{"name"} : std::vector<std::string>{});
}

// Defaults: dspy::ExportOptions and service::DspyExport::Export.
Json ExportDspyBody() {
  return Obj({{"format", Default(Enum({"python_module", "program_state", "dataset_jsonl", "json_config", "notebook"}),
                                 "python_module")},
              {"module", Describe(Enum({"Predict", "ChainOfThought"}),
                                  "default: the module of the program the version came from (an accepted run, an "
                                  "import), else Predict")},
              {"metric", Default(Enum({"exact_match", "f1", "contains", "json_fields", "numeric_close", "llm_judge"}),
                                 "exact_match")},
              {"include_optimizer", Default(Bool(), false)},
              {"demos_as_program_state", Default(Bool(), true)},
              {"lm_model", Describe(Str(256), "default: databricks/<the template's base_model>")},
              {"optimizer", Default(Describe(AnyObj(), "optimizer config {type, ...params} for the optimizer script"),
                                    {{"type", "BootstrapFewShot"}})},
              {"optimizer_type", Describe(Str(128), "shorthand of optimizer {type}; not with optimizer")},
              {"selection", Default(Enum({"top", "diverse", "balanced", "similar"}), "top")},
              {"query", Describe(Str(kLong), "required for selection `similar`")},
              {"max_examples", Default(Int(0, 1000), 16)},
              {"min_effectiveness", Num(0, 1)},
              {"example_ids", Arr(Str(64), 1000)},
              {"redact", Default(Bool(), false)},
              {"example_source", Default(Enum({"auto", "version", "store"}), "auto")}});
}

namespace {
Json Original(Json s, const std::string& meaning) {
  s["deprecated"] = true;
  s["description"] = "The original plan's key (accepted on this path only): " + meaning;
  return s;
}
}  // namespace

Json OriginalRetrieveKeys() {
  return {{"max_examples", Original(Int(1, 100), "`k` (giving both with different values is a 422)")},
          {"format_style", Original(Enum({"xml", "markdown", "json", "chat"}), "`format` (likewise)")},
          {"agent_id", Original(Str(256), "the calling agent; kept with the retrieval (GET "
                                          "/api/v1/examples/retrievals/{id} shows it)")},
          {"session_id", Original(Str(64), "the agent's session (a UUID); kept with the retrieval")}};
}

Json OriginalOutcomeKeys() {
  return {{"feedback_notes", Original(Str(kLong), "`notes` (giving both with different values is a 422)")}};
}

Json OriginalExportKeys() {
  return {{"databit_id", Original(Str(64), "the template to export: must be the path's template id")},
          {"include_examples", Original(Bool(), "false exports no demos (max_examples 0 from the store); "
                                                "true is the default")},
          {"include_metrics", Original({{"type", "boolean"}, {"enum", {true}}},
                                       "every export carries its metric; false is a 422")},
          {"include_optimizer_setup", Original(Bool(), "`include_optimizer` (giving both with different values "
                                                       "is a 422)")}};
}

Json WithOriginalKeys(Json body, const Json& original_keys) {
  body["properties"].update(original_keys);
  return body;
}

Json RunLaunchBody() {
  Json lm = Obj({{"provider", Str(128)},
                 {"model", Str(256)},
                 {"latency_ms", Describe(Int(0, 1000), "offline LM: simulated latency per call")},
                 {"temperature", Num(0, 2)},
                 {"max_tokens", Int(1, 32000)},
                 {"timeout_ms", Int(100, 600000)},
                 {"max_retries", Int(0, 20)},
                 {"base_url", Describe(Str(2048), "only when the operator allows caller endpoints")},
                 {"api_key", Describe(Str(4096), "only with base_url; kept in memory")},
                 {"api_key_env", Describe(Str(), "refused: keys are the operator's")}});
  Json data = FilterProps(false);
  data.erase("capability_tag");
  // Defaults: service::RunConfig and ParseRunConfig.
  data.update({{"example_ids", Arr(Str(64), 1000)},
               {"snapshot_id", Str(64)},
               {"filters", Filter(false)},
               {"split_ratio", Default(Num(0.05, 0.95), 0.5)},
               {"seed", Default(Int(0), 0)},
               {"max_examples", Default(Int(2, 1000), 200)}});
  return Obj({{"template_id", Str(64)},
              {"optimizer_type",
               Default(Enum({"LabeledFewShot", "BootstrapFewShot", "BootstrapFewShotWithRandomSearch", "MIPROv2",
                             "KNNFewShot"}),
                       "BootstrapFewShotWithRandomSearch")},
              {"optimizer_params", AnyObj()},
              {"metric", Default(Enum({"exact_match", "f1", "contains", "json_fields", "numeric_close", "llm_judge"}),
                                 "exact_match")},
              {"metric_params", AnyObj()},
              {"module", Default(Enum({"Predict", "ChainOfThought"}), "Predict")},
              {"lm", lm},
              {"budget", Obj({{"max_trials", Default(Int(1, 10000), 32)},
                              {"max_lm_calls", Default(Int(1, 100000000), 20000)},
                              {"max_minutes", Default(Num(0.01, 1440), 30)}})},
              {"data", Obj(data)}},
             {"template_id"});
}

Json SelectionProps() {
  return {{"ids", Arr(Str(64), service::kMaxBulkExamples)}, {"filter", Filter(true)}, {"dry_run", Default(Bool(), false)}};
}

// The example write bodies: a create names input and expected_output; an update may send any
// field, and the wire form a GET returns passes as it is.
Json ExampleCreate() {
  Json p = {{"input", Describe(AnyObj(), "the example's input (a JSON object; its strings and keys ≤ 64 KiB, "
                                        "its lists ≤ 1,000 items, nesting ≤ 32)")},
            {"expected_output", Describe(AnyObj(), "a JSON object, with the limits of input")},
            {"explanation", Nullable(Str(kLong))},
            {"databit_id", Nullable(Str(kShort))},
            {"domain", Default(Nullable(Str(kShort)), "general")},
            {"function_name", Nullable(Str(kShort))},
            {"difficulty", Default(Nullable(Enum(service::kDifficulties)), "medium")},
            {"source", Default(Nullable(Enum(service::kSources)), "human_authored")},
            {"capability_tags", Nullable(Arr(Str(kShort), 1000))},
            {"search_keys", Nullable(Arr(Str(kShort), 1000))},
            {"attribution_notes", Nullable(Str(kLong))},
            {"quality_score", Nullable(Num(0, 1))},
            {"client_id", Describe(Str(256), "idempotency key: a repeated client_id returns the existing example")},
            {"example_id", Describe(Str(64), "a client-chosen UUID (idempotent)")}};
  // Server-assigned fields of the wire form: a body copied from a GET may carry them; they are
  // ignored, but each must have its wire type (or be null).
  const Json server_fields = {{"created_at", Str()},   {"updated_at", Str()},      {"last_used_at", Str()},
                              {"created_by", Str()},   {"embedding_model", Str()}, {"version", Int()},
                              {"usage_count", Int()},  {"success_count", Num()},   {"failure_count", Num()},
                              {"effectiveness_score", Num()}, {"has_embedding", Bool()},
                              {"pii_flags", Arr(Str(kShort), 1000)}, {"warnings", Arr(AnyObj())}};
  for (const auto& [k, type] : server_fields.items()) {
    p[k] = Describe(Nullable(type), "server-assigned; accepted (with its type) and ignored");
  }
  return Obj(p, {"input", "expected_output"});
}
Json ExampleUpdate() {
  Json s = ExampleCreate();
  s.erase("required");
  // An update may clear the nullable fields, not these.
  s["properties"]["domain"] = Str(kShort);
  s["properties"]["difficulty"] = Enum(service::kDifficulties);
  s["properties"]["source"] = Enum(service::kSources);
  // Identity is set at creation: a copied value passes, another one is a 422.
  s["properties"]["example_id"] = Describe(Str(64), "the example's id: must be the id in the path");
  s["properties"]["client_id"] = Describe(Nullable(Str(256)), "set at creation: must be the example's own");
  s["properties"]["version"] = Describe(Nullable(Int(1)),
                                        "the version this edit is based on (a GET body carries it): when the example "
                                        "has moved on since, the edit is a 409 instead of overwriting the newer version");
  return s;
}

// Search, retrieval (the agent hook) and outcome bodies.
Json SearchProps() {
  Json p = FilterProps(true);
  p.update({{"query_text", Str(kLong)},
            {"query_embedding", Nullable(Arr(Num(), 8192))},
            {"mode", Default(Enum({"auto", "vector", "keyword", "hybrid", "metadata"}), "auto")},
            {"example_ids", Describe(Arr(Str(64), 1000), "example ids (UUIDs; another string is a 422)")},
            {"k", Default(Int(1, 100), 10)},
            {"similarity_threshold", Num(0, 1)},
            {"effectiveness_weight", Default(Num(0, 1), 0)},
            {"exploration", Describe(Enum(service::kExplorationNames), "default: greedy when effectiveness_weight > 0")},
            {"seed", Int(0, static_cast<int64_t>(service::kMaxSeed))},
            {"relevance_floor", Num(0, 1)},
            {"mmr", Describe({{"oneOf", Json::array({Bool(), Obj({{"lambda", Default(Describe(Num(0, 1), "λ"), 0.5)},
                                                                   {"fetch_k", Describe(Int(1, 1000), "candidates MMR picks "
                                                                                        "from (default 4k); at least k")}})})}},
                             "Maximal marginal relevance, LangChain's formula: from the top fetch_k candidates of the "
                             "mode's ranking, repeatedly pick the one maximising λ·cos(q, d) − (1 − λ)·max cos(d, s) "
                             "over the picks s so far (cosines of the normalised input embeddings; keyword mode embeds "
                             "the query for them). λ = 1 is relevance order, 0 the most diverse. true: the defaults; "
                             "false: off")},
            {"sort_by", Describe(Default(Enum(kSortKeys), "effectiveness_score"),
                                 "metadata searches only (no query_text or query_embedding): a query's results come "
                                 "in relevance order, and a sort with one is a 422")},
            {"sort_desc", Describe(Default(Bool(), true), "metadata searches only, as sort_by")}});
  p["mmr"]["default"] = false;
  return p;
}
Json SearchBody() {
  Json s = Obj(SearchProps());
  s["patternProperties"] = {{"^(input|output)\\.", ContentFilterValue()}};
  return s;
}
Json RetrieveBody() {
  Json s = SearchBody();
  s["properties"].erase("query_text");  // `query` is the retrieve's text; query_text is a 422
  s["properties"].update({{"query", {{"oneOf", Json::array({Str(kLong), AnyObj()})}}},
                          {"min_effectiveness", Num(0, 1)},
                          {"format", Default(Enum({"xml", "markdown", "json", "chat"}), "xml")},
                          {"token_budget", Int(1, 1000000)},
                          {"redact", Default(Describe(Bool(), "mask personal data (emails, phone numbers, card numbers, "
                                                              "...) in the returned examples and the prompt section"),
                                             false)}});
  // A retrieval's own defaults (service/search/retrieval.cc): fewer examples, effectiveness
  // weighed, and Thompson sampling with a fresh seed (recorded with the retrieval).
  s["properties"]["k"]["default"] = 5;
  s["properties"]["effectiveness_weight"]["default"] = 0.5;
  s["properties"]["exploration"] = Default(Enum(service::kExplorationNames), "thompson");
  s["required"] = {"query"};
  return s;
}
Json OutcomeBody() {
  return Obj({{"retrieval_id", Str(64)},
              {"outcome", Enum({"success", "failure", "partial"})},
              {"confidence", Num(0, 1)},
              {"notes", Str(kLong)},
              {"example_outcomes",
               Describe(MapOf(Enum({"success", "failure", "partial", "unknown"})),
                        "Each named example's own outcome (example id -> outcome; `unknown` credits it nothing); "
                        "the others get `outcome`")}},
             {"retrieval_id", "outcome"});
}

}  // namespace exemplar::api::bodies

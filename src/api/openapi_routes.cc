// One OpenAPI declaration per route of the table (api/routes.cc): the request body schema, the
// success status and body, query parameters and an example. Enumerations and limits come from the
// parsers' own constants where they export them. A route without a declaration here fails
// tests/api/openapi_test.cc, which also checks every body schema against the keys its parser reads.
#include "api/openapi.h"
#include "api/openapi_bodies.h"
#include "service/effectiveness/effectiveness.h"
#include "service/examples/example_json.h"
#include "service/examples/examples.h"
#include "service/quality/near_duplicates.h"
#include "service/quality/pii.h"
#include "service/search/exploration.h"
#include "service/templates/template_json.h"

namespace exemplar::api {
namespace {

using namespace schema;  // NOLINT: the schema helpers are this file's vocabulary
using namespace bodies;  // NOLINT: and the shared body schemas

Json WritePolicyProps() {
  return {{"on_duplicate", Enum({"allow", "warn", "reject"})}, {"on_secret", Enum({"allow", "reject"})}};
}
// Their defaults are the server's configuration (on_duplicate, reject_secrets), not fixed.
std::vector<Json> WritePolicyQuery() {
  return {QueryParam("on_duplicate", Enum({"allow", "warn", "reject"}),
                     "near-duplicate policy of this write (default: the server's on_duplicate, as shipped `warn`)"),
          QueryParam("on_secret", Enum({"allow", "reject"}),
                     "refuse content holding a secret (default: the server's reject_secrets)")};
}
// A write refused for the store's state (service::Examples: a near-duplicate under on_duplicate
// reject, an edit based on an older version, a concurrent edit, a template deleted meanwhile).
constexpr const char* kExampleConflict =
    "Conflict: a near-duplicate refused (on_duplicate=reject), an edit based on an older version (its `version`), "
    "a concurrent edit (retry), or the example's template was deleted meanwhile";
// A batch or import refused whole (atomic) for the store's state.
constexpr const char* kBatchConflict =
    "atomic: a record is a near-duplicate refused by on_duplicate=reject, or a template the records name was "
    "deleted meanwhile";
// A batch or import that created nothing because every record was already stored. (One that
// stored nothing at all is a 422 whose body is the report plus `code` and `detail`.)
std::map<int, std::string> NothingNew() { return {{200, "Every record was already stored: nothing new"}}; }

Json Empty() { return Obj(Json::object()); }

std::vector<Json> Plus(std::vector<Json> a, const std::vector<Json>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// Lists paged by number only (short ones: snapshots, the trash).
std::vector<Json> PageNumberQuery() {
  return {QueryParam("page", Default(Int(1, 1000000), 1)), QueryParam("page_size", Default(Int(1, 100), 20))};
}
std::vector<Json> PageQuery() {
  return Plus(PageNumberQuery(), {QueryParam("cursor", Str(), "opaque; from next_cursor (wins over page)")});
}
// The list filters as query parameters; `databit` false leaves databit_id out (a route whose path
// names the template).
std::vector<Json> FilterQuery(bool databit = true) {
  std::vector<Json> q;
  const Json filters = FilterProps(true);
  for (const auto& [k, s] : filters.items()) {
    if (!databit && k == "databit_id") continue;
    // A list filter is the parameter repeated: ?capability_tags=a&capability_tags=b.
    q.push_back(s.contains("items") ? RepeatedQueryParam(k, s) : QueryParam(k, s));
  }
  // Content filters name a field: ?input.site=a (repeated: any of the values). The document
  // lists these two under x-pattern-parameters (api/openapi.cc).
  q.push_back(QueryParam("input.{field}", Str(), "an input field equals the value (repeat for any of several)"));
  q.push_back(QueryParam("output.{field}", Str(), "an expected_output field equals the value (repeat for any of several)"));
  return q;
}
std::vector<Json> ListQuery(bool databit = true) {
  std::vector<Json> q = PageQuery();
  for (auto& p : FilterQuery(databit)) q.push_back(std::move(p));
  q.push_back(QueryParam("sort_by", Default(Enum(kSortKeys), "effectiveness_score")));
  q.push_back(QueryParam("sort_desc", Default(Bool(), true)));
  return q;
}

Json Text(const std::string& description) { return Describe(Str(), description); }

// The If-Match header of an edit (api/http.h ParseIfMatch); openapi.cc adds the 412 it may answer.
Json IfMatchHeader(const std::string& description) {
  return {{"name", "If-Match"}, {"in", "header"}, {"required", false}, {"schema", Str(256)}, {"description", description}};
}

// ?direction= and ?max_depth= of a lineage view; the direction's default is the view's own.
std::vector<Json> LineageQuery(const std::string& direction) {
  return {QueryParam("direction", Default(Enum({"upstream", "downstream", "both"}), direction)),
          QueryParam("max_depth", Default(Int(1, 50), 10))};
}

std::vector<RouteDoc> Build() {
  const std::string ex = "/api/v1/examples";
  const std::string tpl = "/api/v1/templates";
  const std::string run = "/api/v1/dspy-runs";
  const std::string snap = "/api/v1/snapshots";
  std::vector<RouteDoc> d;
  auto add = [&d](RouteDoc doc) { d.push_back(std::move(doc)); };

  // operations
  add({.route = "GET /healthz", .response = Obj({{"status", Enum({"ok"})}}, {"status"})});
  add({.route = "GET /readyz", .response = Ref("Readiness")});
  add({.route = "GET /metrics", .response = Text("Prometheus text format"), .response_type = "text/plain"});
  add({.route = "GET /api/v1/openapi.json", .response = Describe(AnyObj(), "this document")});
  add({.route = "GET /api/v1/auth/me",
       .response = Obj({{"role", Describe(Enum({"read", "agent", "write", "admin"}),
                                          "the caller's role (admin for the local user when tokens are not required)")},
                        {"user", Describe(Nullable(Str()), "the token's name or the proxy's user; null when unnamed")},
                        {"auth_required", Describe(Bool(), "whether this server requires a bearer token")}},
                       {"role", "user", "auth_required"})});

  // search and retrieval
  add({.route = "POST " + ex + "/search", .request = SearchBody(), .response = Ref("SearchResponse"),
       .example = {{"query_text", "bias voltage drift"}, {"mode", "hybrid"}, {"k", 5}, {"domain", "physics"}}});
  add({.route = "POST " + ex + "/retrieve", .request = RetrieveBody(), .response = Ref("Retrieval"),
       .example = {{"query", "bias voltage drift"}, {"k", 3}, {"format", "markdown"}}});
  const std::map<int, std::string> outcome_errors = {
      {404, "No retrieval has this retrieval_id"}, {409, "An outcome was already recorded for this retrieval"}};
  add({.route = "POST " + ex + "/outcome", .request = OutcomeBody(), .response = Ref("OutcomeResult"),
       .example = {{"retrieval_id", "0b8f5c8e-7d1a-4c2e-9a53-2f1e6f0c9d11"}, {"outcome", "success"}},
       .errors = outcome_errors});
  add({.route = "GET " + ex + "/retrievals/{id}", .response = Ref("RetrievalRecord")});
  add({.route = "POST /api/v1/agents/examples/retrieve",
       .request = WithOriginalKeys(RetrieveBody(), OriginalRetrieveKeys()), .response = Ref("Retrieval")});
  add({.route = "POST /api/v1/agents/examples/outcome",
       .request = WithOriginalKeys(OutcomeBody(), OriginalOutcomeKeys()), .response = Ref("OutcomeResult"),
       .errors = outcome_errors});
  add({.route = "GET /api/v1/agents/health", .response = Obj({{"status", Str()}, {"service", Str()}}, {"status"})});

  // effectiveness
  add({.route = "GET " + ex + "/top", .response = Arr(Ref("Example")),
       .query = {QueryParam("limit", Default(Int(1, 100), 10)), QueryParam("databit_id", Str())}});
  add({.route = "GET " + ex + "/dashboard", .response = Ref("Dashboard"),
       .query = {QueryParam("period", Default(Enum({"7d", "30d", "90d"}), "30d")), QueryParam("domain", Str()),
                 QueryParam("function_name", Str())}});
  add({.route = "POST " + ex + "/{id}/track", .status = 204,
       .request = Obj({{"context", Str(kLong)}, {"training_run_id", Describe(Str(256), "id of a run of this server")},
                       {"model_id", Str(256)},
                       {"outcome", Enum(service::kOutcomes)}, {"confidence", Num(0, 1)}}),
       .body_required = false,
       // A field goes in the query string or in the body; the same field in both is a 422.
       .query = {QueryParam("outcome", Enum(service::kOutcomes)), QueryParam("confidence", Num(0, 1)),
                 QueryParam("context", Str()), QueryParam("training_run_id", Str(), "id of a run of this server"),
                 QueryParam("model_id", Str())},
       .example = {{"outcome", "success"}, {"confidence", 0.9}}});
  add({.route = "GET " + ex + "/{id}/effectiveness", .response = Ref("EffectivenessStats")});
  add({.route = "GET " + ex + "/{id}/usage", .response = Ref("UsageEventPage"),
       .query = {QueryParam("limit", Default(Int(1, 100), 20)), QueryParam("actor", Str(), "only this caller's events"),
                 QueryParam("before_id", Int(1), "page: events older than this id")}});

  // examples
  add({.route = "GET " + ex, .response = Ref("ExamplePage"), .query = ListQuery()});
  add({.route = "POST " + ex, .status = 201, .request = ExampleCreate(), .response = Ref("ExampleWritten"),
       .query = WritePolicyQuery(),
       .example = {{"input", {{"question", "What drifts the bias voltage?"}}},
                   {"expected_output", {{"answer", "Temperature"}}}, {"domain", "physics"}},
       .also = {{200, "A retry (the client_id or example_id of a stored example, with its content): the example as "
                      "stored, nothing written"}},
       .errors = {{409, kExampleConflict}}});
  {
    Json p = WritePolicyProps();
    p["atomic"] = Default(Describe(Bool(), "store all or none"), true);
    p["examples"] = Arr(ExampleCreate(), 1000);
    p["examples"]["minItems"] = 1;
    add({.route = "POST " + ex + "/batch", .status = 201, .request = Obj(p, {"examples"}),
         .response = Ref("BatchResult"), .query = WritePolicyQuery(), .also = NothingNew(),
         .errors = {{409, kBatchConflict}},
         .validation_error = "BatchValidationError"});
  }
  add({.route = "POST " + ex + "/import", .status = 201,
       .request = Describe(Arr(AnyObj(), 10000), "a JSON array of examples (or JSONL / CSV text)"),
       .response = Ref("BatchResult"),
       .request_types = {"application/json", "application/x-ndjson", "text/csv"},
       .query = Plus({QueryParam("format", Enum({"jsonl", "json", "csv"}), "default: from the Content-Type"),
                      QueryParam("atomic", Default(Bool(), false))},
                     WritePolicyQuery()),
       .also = NothingNew(),
       .errors = {{409, kBatchConflict}},
       .validation_error = "BatchValidationError"});
  add({.route = "GET " + ex + "/export", .response = Text("JSONL: one example per line (?format=jsonl)"),
       .response_type = "application/x-ndjson",
       // The list filters only: an export is every matching row in created_at order, so paging
       // and sorting parameters would be ignored; undeclared, they are a 422 naming them.
       .query = Plus({QueryParam("format", Default(Enum({"jsonl", "csv"}), "jsonl")),
                      QueryParam("redact", Default(Bool(), false))},
                     FilterQuery()),
       .other_types = {{"text/csv", Text("CSV with a header row (?format=csv)")}}});
  {
    Json p = SelectionProps();
    p["set"] = Obj({{"tags_add", Arr(Str(kShort), 1000)}, {"tags_remove", Arr(Str(kShort), 1000)},
                    {"domain", Str(kShort)}, {"difficulty", Enum(service::kDifficulties)},
                    {"quality_score", Nullable(Num(0, 1))}, {"databit_id", Nullable(Str(kShort))}});
    add({.route = "POST " + ex + "/bulk-update", .request = Obj(p, {"set"}), .response = Ref("BulkResult"),
         .example = {{"filter", {{"domain", "physics"}}}, {"set", {{"tags_add", {"reviewed"}}}}, {"dry_run", true}}});
  }
  add({.route = "POST " + ex + "/bulk-delete", .request = Obj(SelectionProps()), .response = Ref("BulkResult")});
  // The embedding status (GET, and POST when it starts or finds nothing due); a started job
  // answers 202 with the same body.
  const Json reembed_status = Obj(
      {{"serving_model", Str()}, {"configured_model", Str()},
       {"state", Enum({"idle", "running", "completed", "failed"})}, {"from_model", Nullable(Str())},
       {"to_model", Nullable(Str())}, {"all", Bool()}, {"total", Int(0)}, {"done", Int(0)}, {"reused", Int(0)},
       {"embedded", Int(0)}, {"errors", Int(0)}, {"progress", Num(0, 1)}, {"started_at", Nullable(Str())},
       {"finished_at", Nullable(Str())}, {"error", Nullable(Str())},
       {"cache", Nullable(Obj({{"entries", Int(0)}, {"bytes", Int(0)}, {"capacity_bytes", Int(0)}, {"hits", Int(0)},
                               {"misses", Int(0)}}))}},
      {"serving_model", "configured_model", "state", "total", "done", "progress"}, true);
  add({.route = "POST " + ex + "/regenerate-embeddings",
       .request = Obj({{"force", Describe(Bool(), "rebuild every vector in the background (202)")},
                       {"all", Describe(Bool(), "same as force")},
                       {"example_ids", Describe(Arr(Str(64), 1000), "re-embed exactly these examples now")}}),
       .body_required = false,
       .response = Describe(
           {{"oneOf",
             Json::array({Obj({{"processed", Int(0)}, {"skipped", Int(0)}, {"errors", Int(0)}, {"model", Str()},
                               {"example_ids", Arr(Str(64))}},
                              {"processed", "skipped", "errors", "model", "example_ids"}),
                          reembed_status})}},
           "with example_ids: what was re-embedded; otherwise the embedding status (202 when a job started)"),
       .query = {QueryParam("force", Default(Bool(), false), "rebuild every vector in the background")},
       .also = {{202, "A re-embedding started in the background (force, or vectors of another model): its status"}},
       .errors = {{409, "A re-embedding is already running"}}});
  add({.route = "GET " + ex + "/regenerate-embeddings", .response = reembed_status});
  add({.route = "GET " + ex + "/databit/{databit_id}", .response = Ref("ExamplePage"),
       .query = ListQuery(/*databit=*/false)});
  add({.route = "GET " + ex + "/{id}", .response = Ref("ExampleMaybeDeleted"),
       .query = {QueryParam("include_deleted", Default(Bool(), false),
                            "a deleted example too, with its deletion marks (and no ETag)")},
       .headers = {"ETag"}});
  std::vector<Json> update_params = WritePolicyQuery();
  update_params.push_back(IfMatchHeader("the ETag of the version the edit is based on (GET /examples/{id} sends it): "
                                        "another current version is a 412"));
  add({.route = "PUT " + ex + "/{id}", .request = ExampleUpdate(), .response = Ref("ExampleWritten"),
       .query = update_params,
       .example = {{"quality_score", 0.9}, {"explanation", nullptr}},
       .errors = {{409, kExampleConflict}},
       .headers = {"ETag"}});
  add({.route = "DELETE " + ex + "/{id}", .status = 204,
       .query = {QueryParam("purge", Default(Bool(), false), "admin: erase the content, keeping a hash")}});
  add({.route = "GET " + ex + "/{id}/versions",
       .response = Obj({{"example_id", Str()},
                        {"versions", Describe(Arr(Obj({{"version", Int(1)}, {"snapshot", AnyObj()}, {"replaced_at", Str()}},
                                                      {"version", "snapshot", "replaced_at"}), 100),
                                              "earlier versions, newest first: one page")},
                        {"total", Describe(Int(0), "earlier versions in all")},
                        {"page", Int(1)},
                        {"page_size", Int(1, 100)}},
                       {"example_id", "versions", "total", "page", "page_size"}),
       .query = PageNumberQuery()});
  add({.route = "GET " + ex + "/{id}/lineage", .response = Ref("LineageGraph"), .query = LineageQuery("downstream")});
  add({.route = "POST " + ex + "/{id}/restore", .request = Empty(), .body_required = false,
       .response = Ref("Example"),
       .errors = {{409, "The example was purged (its content is gone), or its template was deleted since"}}});
  add({.route = "GET " + ex + "/deleted", .response = Ref("DeletedExamplePage"), .query = PageNumberQuery()});

  // templates
  add({.route = "GET " + tpl, .response = Ref("TemplatePage"),
       .query = Plus({QueryParam("status", Enum({"draft", "published", "archived"})), QueryParam("search", Str())},
                     PageQuery())});
  const char* name_taken = "A template with this name and version exists";
  add({.route = "POST " + tpl, .status = 201, .request = TemplateBody(true), .response = Ref("Template"),
       .example = {{"name", "defect_classifier"},
                   {"input_schema", {{{"name", "report"}, {"type", "string"}, {"description", "inspection text"}}}},
                   {"output_schema", {{{"name", "defect_type"}, {"type", "string"}}}}},
       .errors = {{409, name_taken}}});
  add({.route = "GET " + tpl + "/{id}", .response = Ref("Template"), .headers = {"ETag"}});
  add({.route = "PUT " + tpl + "/{id}", .request = TemplateBody(false), .response = Ref("Template"),
       .query = {IfMatchHeader("the ETag of the template the edit is based on (GET /templates/{id} sends it): a "
                               "template saved since (edited, published, archived) is a 412")},
       .errors = {{409, "The template is published or archived (make a new version), or the name is taken, or "
                        "derived_from names the template itself"}},
       .headers = {"ETag"}});
  add({.route = "DELETE " + tpl + "/{id}", .status = 204,
       .query = {QueryParam("cascade", Enum({"detach", "delete"}),
                            "what happens to the template's examples (without it, a template with examples is a 409)")},
       .errors = {{409, "The template is published, has versions, or still has examples (see cascade)"}}});
  // The lifecycle actions take no fields: an empty body or {} (a key is a 422 naming it).
  add({.route = "POST " + tpl + "/{id}/publish", .request = Empty(), .body_required = false,
       .response = Ref("Template"), .errors = {{409, "The template is already published, or archived"}}});
  add({.route = "POST " + tpl + "/{id}/archive", .request = Empty(), .body_required = false,
       .response = Ref("Template"), .errors = {{409, "The template is already archived"}}});
  add({.route = "POST " + tpl + "/{id}/version", .status = 201, .request = Empty(), .body_required = false,
       .response = Ref("Template"), .errors = {{409, name_taken}}});
  add({.route = "GET " + tpl + "/{id}/versions",
       .response = Obj({{"template_id", Str()}, {"versions", Arr(Ref("Template"))}}, {"template_id", "versions"})});
  add({.route = "GET " + tpl + "/{id}/dspy-signature", .response = Ref("DspySignature")});
  add({.route = "POST " + tpl + "/{id}/import-dspy", .status = 201,
       .request = Describe(AnyObj(), "a DSPy program state (the JSON written by program.save())"),
       .response = Ref("DspyImport"),
       .query = {QueryParam("create_examples", Default(Bool(), false), "store the demos no example matches")},
       .also = {{200, "The parent already has a version imported from the same content: that version, nothing new"}},
       .errors = {{409, name_taken}}});
  add({.route = "POST " + tpl + "/{id}/export-dspy", .request = ExportDspyBody(), .body_required = false,
       .response = {{"anyOf", Json::array({Ref("DspyExport"),
                                           Describe(AnyObj(), "?download=true with format program_state or "
                                                              "json_config: the file itself")})}},
       .query = {QueryParam("download", Default(Bool(), false),
                            "answer the file itself, in the format's media type (Content-Disposition names it)")},
       .example = {{"format", "python_module"}, {"module", "ChainOfThought"}, {"max_examples", 8}},
       .other_types = {{"text/x-python", Text("?download=true, python_module: the module")},
                       {"application/x-ndjson", Text("?download=true, dataset_jsonl: one example per line")},
                       {"application/x-ipynb+json", Describe(AnyObj(), "?download=true, notebook: the notebook")}}});
  add({.route = "GET " + tpl + "/{id}/lineage", .response = Ref("LineageGraph"), .query = LineageQuery("both")});
  add({.route = "GET " + tpl + "/{id}/attribution", .response = Ref("Attribution")});

  // runs
  add({.route = "GET /api/v1/lm-providers", .response = Ref("LmProviders")});
  add({.route = "POST " + run, .status = 201, .request = RunLaunchBody(), .response = Ref("Run"),
       .example = {{"template_id", "5f0c1d2e-3b4a-4c5d-8e6f-7a8b9c0d1e2f"},
                   {"optimizer_type", "BootstrapFewShot"},
                   {"metric", "exact_match"},
                   {"lm", {{"provider", "offline"}}},
                   {"budget", {{"max_trials", 8}}}},
       .errors = {{409, "The LM provider is not configured or has no key, caller endpoints are no longer allowed, or the "
                        "caller already has max_runs_per_caller runs pending or running"}}});
  add({.route = "GET " + run, .response = Ref("RunPage"),
       .query = Plus({QueryParam("template_id", Str()),
                      QueryParam("status", Enum({"pending", "running", "completed", "failed", "cancelled"}))},
                     PageQuery())});
  add({.route = "GET " + run + "/{id}", .response = Ref("Run")});
  add({.route = "GET " + run + "/{id}/events",
       .response = Text("Server-Sent Events: `event: progress|trial|status|log`, `data: <JSON>`, `id: <process>-<n>`. "
                        "The run's state comes first; a reconnect with `Last-Event-ID` resumes after that event "
                        "(from the start when another replica or an earlier process gave the id)"),
       .response_type = "text/event-stream"});
  // The run actions take no fields: an empty body or {} (a key is a 422 naming it).
  add({.route = "POST " + run + "/{id}/cancel", .request = Empty(), .body_required = false, .response = Ref("Run"),
       .errors = {{409, "The run has already finished"}}});
  add({.route = "GET " + run + "/{id}/results", .response = Ref("RunResults")});
  add({.route = "POST " + run + "/{id}/sync", .request = Empty(), .body_required = false,
       .response = Ref("SyncResult"), .errors = {{409, "The run is not completed, or was already synced"}}});
  // A run gets one decision (service::Runs::Accept / Reject).
  add({.route = "POST " + run + "/{id}/accept", .status = 201, .request = Empty(), .body_required = false,
       .response = Obj({{"run_id", Str()},
                        {"template", Ref("Template")},
                        {"warnings", Ref("RunWarnings")}},
                       {"run_id", "template", "warnings"}),
       .errors = {{409, "The run is not completed, has no best program (its budget ran out first: the message names "
                        "the budget to raise), was already accepted or rejected, or its "
                        "template changed meanwhile; or it is a KNNFewShot run, whose demos are chosen per query, so "
                        "it has nothing to accept"}}});
  add({.route = "POST " + run + "/{id}/reject", .request = Empty(), .body_required = false, .response = Ref("Run"),
       .errors = {{409, "The run is still running (cancel it first), or was already accepted or rejected"}}});

  // snapshots and audit
  add({.route = "GET " + snap, .response = Ref("SnapshotPage"),
       .query = PageNumberQuery()});
  add({.route = "POST " + snap, .status = 201,
       .request = Obj({{"name", Str(200)}, {"template_id", Str(64)}, {"example_ids", Arr(Str(64), 100000)},
                       {"filter", Describe(Filter(true), "kept with the snapshot: at most 100 content filters and "
                                                         "64 KiB as JSON")}},
                      {"name"}),
       .response = Ref("SnapshotDetail"), .example = {{"name", "physics-v1"}, {"filter", {{"domain", "physics"}}}}});
  add({.route = "GET " + snap + "/{id}", .response = Ref("SnapshotDetail")});
  add({.route = "GET " + snap + "/{id}/export", .response = Text("JSONL rows (jsonl), or Hugging Face rows (hf_jsonl)"),
       .response_type = "application/x-ndjson",
       .query = {QueryParam("format", Default(Enum({"jsonl", "hf_jsonl", "hf_info"}), "jsonl"))},
       .other_types = {{"application/json", Describe(AnyObj(), "?format=hf_info: the Hugging Face dataset_info.json")}}});
  add({.route = "GET " + snap + "/{id}/diff/{other}", .response = Ref("SnapshotDiff")});
  add({.route = "GET /api/v1/audit", .response = Ref("AuditPage"),
       .query = {QueryParam("entity", Str(), "example, template, run, snapshot or token; or entity:id"),
                 QueryParam("entity_id", Str()),
                 QueryParam("actor", Str()), QueryParam("since", Str(), "RFC 3339"),
                 QueryParam("limit", Default(Int(1, 1000), 100)),
                 QueryParam("before_seq", Int(1), "page: entries older than this seq")}});

  // quality
  {
    std::vector<Json> q = {QueryParam("threshold", Default(Num(0.5, 1), service::kNearDuplicateSimilarity)),
                           QueryParam("limit", Default(Int(1, 500), 50)),
                           QueryParam("offset", Default(Int(0, 1000000), 0))};
    add({.route = "GET /api/v1/quality/duplicates", .response = Ref("DuplicateClusters"), .query = q});
    add({.route = "GET /api/v1/quality/conflicts", .response = Ref("DuplicateClusters"), .query = q});
  }
  return d;
}

}  // namespace

const std::vector<RouteDoc>& RouteDocs() {
  static const std::vector<RouteDoc> kDocs = Build();
  return kDocs;
}

Json AliasRequestBody(const std::string& alias_route) {
  if (alias_route == "POST /api/v1/dspy/templates/{id}/export") return WithOriginalKeys(ExportDspyBody(), OriginalExportKeys());
  return nullptr;
}

}  // namespace exemplar::api

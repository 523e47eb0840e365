// The OpenAPI document against the server that serves it (SPEC §2, issue 22): every route of the
// table has a declaration (request body, success status and body); every body schema names exactly
// the keys its parser reads (JsonReader's key observer); and a scenario that calls every route —
// the deprecated aliases of the plan's DSPy paths included — validates each request it sends and
// each response it gets against the document, with the small validator in testing/json_schema.h.
#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>
#include <regex>
#include <set>
#include <thread>

#include "api/openapi.h"
#include "api/routes.h"
#include "common/json_key_observer.h"
#include "testing/json_schema.h"
#include "testing/seed_fixture.h"

namespace exemplar::testing {
namespace {

// ---- Keys the parsers read, per route and body location (filled by JsonReader's observer) ----
struct KeysAt {
  std::set<std::string> accepted;  // known when RejectUnknownKeys ran: what the body may hold
};
std::mutex g_mu;
std::string g_route;  // the route the scenario is calling (requests are sent one at a time)
std::map<std::string, std::map<std::string, KeysAt>> g_keys;

void ObserveKeys(const std::vector<std::string>& base, const std::vector<std::string>& known) {
  if (base.empty() || base[0] != "body") return;
  // A run's stored config re-read by the engine (it carries the split Launch wrote beside the
  // request) is not a request body, whatever route is being called meanwhile.
  if (std::find(known.begin(), known.end(), "trainset_ids") != known.end()) return;
  std::lock_guard<std::mutex> lock(g_mu);
  if (g_route.empty()) return;
  // The run engine resolves a run's LM and data filters again when it starts the run, on its own
  // thread, while the scenario may be calling another route.
  const bool launch = g_route == "POST /api/v1/dspy-runs" || g_route == "POST /api/v1/dspy/runs";
  if (!launch && base.size() >= 2 && (base[1] == "lm" || base[1] == "data")) return;
  std::string at;
  for (size_t i = 1; i < base.size(); ++i) {
    const bool index = !base[i].empty() && std::all_of(base[i].begin(), base[i].end(), ::isdigit);
    at += "/" + (index ? std::string("*") : base[i]);
  }
  g_keys[g_route][at].accepted.insert(known.begin(), known.end());
}

std::vector<std::string> Split(const std::string& path) {
  std::vector<std::string> parts;
  std::string cur;
  for (char c : path.substr(1)) {
    if (c == '/') {
      parts.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  parts.push_back(cur);
  return parts;
}

// The object schema at a body location ("/filter", "/examples/*"), through $refs, oneOf
// alternatives and nullable types; null when the location is not a declared object.
const Json* SchemaAt(const Json& body_schema, const std::string& at, const Json& doc) {
  const Json* s = &Deref(body_schema, doc);
  auto object_of = [&](const Json* x) -> const Json* {
    x = &Deref(*x, doc);
    if (x->contains("properties")) return x;
    for (const char* key : {"oneOf", "allOf"}) {
      if (!x->contains(key)) continue;
      for (const auto& alt : (*x)[key]) {
        if (Deref(alt, doc).contains("properties")) return &Deref(alt, doc);
      }
    }
    return x;
  };
  for (const auto& seg : at.empty() ? std::vector<std::string>{} : Split(at)) {
    s = object_of(s);
    if (seg == "*") {
      if (!s->contains("items")) return nullptr;
      s = &(*s)["items"];
    } else {
      if (!s->contains("properties") || !(*s)["properties"].contains(seg)) return nullptr;
      s = &(*s)["properties"][seg];
    }
  }
  return object_of(s);
}

// The retrieval parser reads these itself and hands the rest of the body to the search parser,
// whose RejectUnknownKeys is the one reported.
bool OuterRetrieveKey(const std::string& route, const std::string& key) {
  static const std::set<std::string> kOuter = {"query", "format", "token_budget", "min_effectiveness", "redact"};
  return route.find("/examples/retrieve") != std::string::npos && kOuter.count(key);
}

// The retrieval parser hands its `query` to the search parser as query_text, which a caller
// cannot send (422): the search parser's acceptance of it is not the route's.
bool InnerRetrieveKey(const std::string& route, const std::string& key) {
  return route.find("/examples/retrieve") != std::string::npos && key == "query_text";
}

class OpenApi : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { SetJsonKeyObserver(&ObserveKeys); }
  static void TearDownTestSuite() { SetJsonKeyObserver(nullptr); }

  void SetUp() override {
    auto r = server_.Get("/api/v1/openapi.json");
    ASSERT_EQ(r.status, 200);
    doc_ = r.body;
    for (const auto& [path, ops] : doc_["paths"].items()) {
      for (const auto& [method, op] : ops.items()) {
        std::string m = method;
        for (char& c : m) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        routes_.push_back({m, path});
      }
    }
  }

  // The documented route ("METHOD /template") a concrete request matches.
  std::string RouteOf(const std::string& method, const std::string& target) const {
    const auto parts = Split(target.substr(0, target.find('?')));
    for (const auto& [m, path] : routes_) {
      if (m != method) continue;
      const auto tpl = Split(path);
      if (tpl.size() != parts.size()) continue;
      bool ok = true;
      for (size_t i = 0; i < tpl.size() && ok; ++i) ok = tpl[i] == parts[i] || (!tpl[i].empty() && tpl[i][0] == '{');
      if (ok) return m + " " + path;
    }
    return "";
  }
  const Json& Op(const std::string& route) const {
    const auto space = route.find(' ');
    std::string method = route.substr(0, space);
    for (char& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return doc_["paths"][route.substr(space + 1)][method];
  }

  // Sends one request (body: JSON value, or null for none), checks the status, validates the
  // request body and the response against the document, and marks the route as exercised.
  HttpResult Call(const std::string& method, const std::string& target, const Json& body, int expect,
                  const std::string& content_type = "application/json") {
    const std::string route = RouteOf(method, target);
    EXPECT_FALSE(route.empty()) << method << " " << target << " matches no documented path";
    if (route.empty()) return {};
    const Json& op = Op(route);
    if (!body.is_null() && content_type == "application/json" && expect < 400) {  // error samples are invalid on purpose
      EXPECT_TRUE(op.contains("requestBody")) << route << " takes a body, but the document has no requestBody";
      if (op.contains("requestBody")) {
        for (const auto& e : ValidateSchema(op["requestBody"]["content"]["application/json"]["schema"], body, doc_)) {
          ADD_FAILURE() << route << ": the sample request does not match the document: " << e;
        }
      }
    }
    {
      // Key reports are attributed only to calls that send a body (a bodiless call's reports come
      // from background work such as the run engine).
      std::lock_guard<std::mutex> lock(g_mu);
      if (!body.is_null()) g_route = route;
    }
    HttpResult r;
    if (method == "GET") r = server_.Get(target);
    else if (method == "DELETE") r = server_.Delete(target);
    else if (method == "PUT") r = server_.PutRaw(target, body.is_null() ? "" : body.dump(), content_type);
    else r = server_.PostRaw(target, body.is_null() ? "" : body.is_string() ? body.get<std::string>() : body.dump(),
                             content_type);
    {
      std::lock_guard<std::mutex> lock(g_mu);
      g_route.clear();
    }
    EXPECT_EQ(r.status, expect) << route << " (" << target << "): " << r.raw.substr(0, 600);
    const std::string code = std::to_string(r.status);
    const Json& responses = op["responses"];
    EXPECT_TRUE(responses.contains(code) || r.status >= 400) << route << " answered " << code << ", not documented";
    const Json& resp = responses.contains(code) ? responses[code] : responses["default"];
    if (resp.contains("content")) {
      // The declared media type the answer has (an export's format picks one of several).
      std::string type;
      Json media;
      for (const auto& [t, m] : resp["content"].items()) {
        if (r.content_type.substr(0, t.size()) == t) type = t, media = m;
      }
      EXPECT_FALSE(type.empty()) << route << " answered " << code << " as " << r.content_type
                                 << ", not a declared media type: " << resp["content"].dump().substr(0, 300);
      if (type == "application/json") {
        for (const auto& e : ValidateSchema(media["schema"], r.body, doc_)) {
          ADD_FAILURE() << route << " answered " << code << " not matching the document: " << e;
        }
      }
    } else {
      EXPECT_TRUE(r.raw.empty()) << route << " answered a body the document does not declare";
    }
    if (r.status == expect && r.status < 400) exercised_.insert(route);
    return r;
  }

  Json WaitRun(const std::string& id) {
    Json run;
    for (int i = 0; i < 1200; ++i) {
      run = Call("GET", "/api/v1/dspy-runs/" + id, nullptr, 200).body;
      const std::string st = run.value("status", "");
      if (st == "completed" || st == "failed" || st == "cancelled") return run;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "run did not finish: " << run.dump();
    return run;
  }

  TestServer server_;
  Json doc_;
  std::vector<std::pair<std::string, std::string>> routes_;
  std::set<std::string> exercised_;
};

TEST_F(OpenApi, EveryRouteHasADeclarationAndTheDocumentIsOpenApi31) {
  EXPECT_EQ(doc_["openapi"], "3.1.0");
  EXPECT_TRUE(doc_["components"]["securitySchemes"].contains("bearerAuth"));
  std::set<std::string> tags;
  for (const auto& t : doc_["tags"]) tags.insert(t["name"].get<std::string>());
  auto routes = api::BuildRoutes(server_.runtime().services());
  std::set<std::string> table;
  for (const auto& r : routes) {
    const std::string key = r.method + " " + r.path;
    table.insert(r.alias_of.empty() ? key : r.alias_of);
    const api::RouteDoc* d = api::FindRouteDoc(r.alias_of.empty() ? key : r.alias_of);
    if (!d) {
      ADD_FAILURE() << key << " has no OpenAPI declaration: add `add({.route = \"" << key
                    << "\", .request = <body schema, if it reads one>, .response = <success body schema>, ...})` "
                       "to src/api/openapi_routes.cc";
      continue;
    }
    if (d->status != 204) EXPECT_FALSE(d->response.is_null()) << key << ": declare the success body (.response)";
    if ((r.method == "POST" || r.method == "PUT") && d->request.is_null() && !d->example.is_null()) {
      ADD_FAILURE() << key << ": an example without a request schema";
    }
    EXPECT_TRUE(tags.count(r.tag)) << key << ": tag " << r.tag << " missing from the document's tag list";
    Json op = Op(key);
    EXPECT_FALSE(op.contains("x-undocumented")) << key;
    EXPECT_EQ(op.value("deprecated", false), !r.alias_of.empty()) << key;
  }
  std::set<std::string> operation_ids;
  for (const auto& [path, ops] : doc_["paths"].items()) {
    for (const auto& [method, op] : ops.items()) {
      EXPECT_TRUE(operation_ids.insert(op.value("operationId", "")).second)
          << method << " " << path << ": operationId " << op.value("operationId", "") << " is not unique";
    }
  }
  for (const auto& d : api::RouteDocs()) {
    EXPECT_TRUE(table.count(d.route)) << d.route << " is declared in openapi_routes.cc but not served";
  }
  for (const auto& [alias, target] : api::PlanAliases()) {
    EXPECT_TRUE(std::any_of(routes.begin(), routes.end(),
                            [&](const api::Route& r) { return r.method + " " + r.path == alias && r.alias_of == target; }))
        << alias << " is not served as an alias of " << target;
  }
}

TEST_F(OpenApi, RealRequestsAndResponsesOfEveryRouteMatchTheDocument) {
  // operations
  Call("GET", "/healthz", nullptr, 200);
  Call("GET", "/readyz", nullptr, 200);
  Call("GET", "/metrics", nullptr, 200);
  Call("GET", "/api/v1/openapi.json", nullptr, 200);

  // templates
  Json tpl_body = {{"name", "ticket_router"},
                   {"description", "Route a support ticket"},
                   {"prompt_template", "Pick the queue for the ticket."},
                   {"input_schema", {{{"name", "ticket"}, {"type", "string"}, {"description", "ticket text"}}}},
                   {"output_schema", {{{"name", "queue"}, {"type", "string"}, {"required", true}}}},
                   {"temperature", 0.2}};
  const std::string tid = Call("POST", "/api/v1/templates", tpl_body, 201).body.value("id", "");
  ASSERT_FALSE(tid.empty());
  Call("GET", "/api/v1/templates?status=draft&page_size=5", nullptr, 200);
  Call("GET", "/api/v1/templates/" + tid, nullptr, 200);
  Call("PUT", "/api/v1/templates/" + tid, {{"description", "Route a ticket to its queue"}, {"max_tokens", 256}}, 200);

  // examples
  const std::vector<std::pair<std::string, std::string>> tickets = {
      {"My invoice shows a double charge", "billing"},   {"The app crashes when I log in", "technical"},
      {"Please refund my last payment", "billing"},      {"Password reset email never arrives", "technical"},
      {"How do I change my billing address?", "billing"}, {"Export to CSV times out", "technical"}};
  std::vector<std::string> eids;
  for (const auto& [text, queue] : tickets) {
    Json e = {{"input", {{"ticket", text}}}, {"expected_output", {{"queue", queue}}}, {"databit_id", tid},
              {"domain", "support"}, {"difficulty", "easy"}, {"capability_tags", {"routing"}},
              {"quality_score", 0.8}};
    eids.push_back(Call("POST", "/api/v1/examples", e, 201).body.value("example_id", ""));
  }
  Json batch = {{"atomic", true},
                {"on_duplicate", "allow"},
                {"examples", {{{"input", {{"ticket", "Card declined at checkout"}}}, {"expected_output", {{"queue", "billing"}}},
                               {"databit_id", tid}, {"domain", "support"}}}}};
  Call("POST", "/api/v1/examples/batch", batch, 201);
  Call("POST", "/api/v1/examples/import?format=json",
       Json::array({{{"input", {{"ticket", "Two-factor codes are rejected"}}}, {"expected_output", {{"queue", "technical"}}},
                     {"domain", "support"}}}),
       201);
  const std::string eid = eids[0];
  Call("GET", "/api/v1/examples?domain=support&sort_by=created_at&page_size=3", nullptr, 200);
  Call("GET", "/api/v1/examples/" + eid, nullptr, 200);
  Call("PUT", "/api/v1/examples/" + eid, {{"explanation", "double charge → billing"}, {"search_keys", nullptr}}, 200);
  Call("GET", "/api/v1/examples/" + eid + "/versions", nullptr, 200);
  Call("GET", "/api/v1/examples/databit/" + tid, nullptr, 200);
  Call("GET", "/api/v1/examples/export?format=jsonl&domain=support", nullptr, 200);
  Call("POST", "/api/v1/examples/bulk-update",
       {{"filter", {{"domain", "support"}, {"input.ticket", {{"in", {"Export to CSV times out"}}}}}},
        {"set", {{"tags_add", {"reviewed"}}, {"difficulty", "medium"}}}, {"dry_run", true}},
       200);
  Call("POST", "/api/v1/examples/regenerate-embeddings", {{"force", false}}, 200);
  Call("POST", "/api/v1/examples/regenerate-embeddings", {{"example_ids", {eids[0]}}}, 200);
  Call("GET", "/api/v1/examples/regenerate-embeddings", nullptr, 200);

  // search and retrieval
  Call("POST", "/api/v1/examples/search",
       {{"query_text", "refund a payment"}, {"mode", "hybrid"}, {"k", 3}, {"domain", "support"},
        {"mmr", {{"lambda", 0.5}, {"fetch_k", 10}}}, {"capability_tags", {"routing"}}},
       200);
  Call("POST", "/api/v1/examples/search", {{"mode", "metadata"}, {"sort_by", "quality_score"}, {"sort_desc", true}}, 200);
  Json retrieved = Call("POST", "/api/v1/examples/retrieve",
                        {{"query", "I was charged twice"}, {"k", 2}, {"format", "chat"}, {"databit_id", tid},
                         {"min_effectiveness", 0.0}, {"token_budget", 2000}},
                        200)
                       .body;
  const std::string rid = retrieved.value("retrieval_id", "");
  Call("GET", "/api/v1/examples/retrievals/" + rid, nullptr, 200);
  Call("POST", "/api/v1/examples/outcome", {{"retrieval_id", rid}, {"outcome", "success"}, {"confidence", 0.9}}, 200);
  Call("GET", "/api/v1/examples/" + eid + "/usage?limit=5&actor=local", nullptr, 200);
  const std::string rid2 =
      Call("POST", "/api/v1/agents/examples/retrieve", {{"query", {{"ticket", "login crash"}}}, {"format", "xml"}}, 200)
          .body.value("retrieval_id", "");
  Call("POST", "/api/v1/agents/examples/outcome", {{"retrieval_id", rid2}, {"outcome", "partial"}, {"notes", "ok"}}, 200);
  // The original plan's keys on its paths (deprecated).
  const std::string rid3 = Call("POST", "/api/v1/agents/examples/retrieve",
                                {{"query", "refund"}, {"agent_id", "a1"}, {"session_id", "6f1c2a9e-0b7d-4e3a-9c55-1d2e3f4a5b6c"},
                                 {"max_examples", 2}, {"format_style", "markdown"}},
                                200)
                               .body.value("retrieval_id", "");
  Call("POST", "/api/v1/agents/examples/outcome", {{"retrieval_id", rid3}, {"outcome", "success"}, {"feedback_notes", "ok"}},
       200);
  Call("GET", "/api/v1/agents/health", nullptr, 200);

  // effectiveness
  Call("POST", "/api/v1/examples/" + eid + "/track", {{"outcome", "success"}, {"model_id", "m1"}}, 204);
  Call("GET", "/api/v1/examples/" + eid + "/effectiveness", nullptr, 200);
  Call("GET", "/api/v1/examples/top?limit=3", nullptr, 200);
  Call("GET", "/api/v1/examples/dashboard?period=7d", nullptr, 200);

  // DSPy, lineage
  Call("GET", "/api/v1/templates/" + tid + "/dspy-signature", nullptr, 200);
  Call("POST", "/api/v1/templates/" + tid + "/export-dspy", {{"format", "python_module"}, {"module", "Predict"}}, 200);
  Json state = Call("POST", "/api/v1/templates/" + tid + "/export-dspy",
                    {{"format", "program_state"}, {"selection", "top"}, {"max_examples", 3}}, 200)
                   .body;
  Call("GET", "/api/v1/dspy/templates/" + tid + "/signature", nullptr, 200);
  Call("POST", "/api/v1/dspy/templates/" + tid + "/export", {{"format", "dataset_jsonl"}}, 200);
  Call("POST", "/api/v1/dspy/templates/" + tid + "/export",
       {{"databit_id", tid}, {"format", "python_module"}, {"include_examples", true}, {"max_examples", 5},
        {"min_effectiveness", 0.0}, {"include_metrics", true}, {"include_optimizer_setup", true}},
       200);
  Call("GET", "/api/v1/templates/" + tid + "/lineage?direction=both&max_depth=3", nullptr, 200);
  Call("GET", "/api/v1/examples/" + eid + "/lineage", nullptr, 200);
  Call("GET", "/api/v1/templates/" + tid + "/attribution", nullptr, 200);

  // runs (offline LM), through the current routes and the plan's aliases
  Call("GET", "/api/v1/lm-providers", nullptr, 200);
  Json launch = {{"template_id", tid},
                 {"optimizer_type", "LabeledFewShot"},
                 {"metric", "exact_match"},
                 {"module", "Predict"},
                 {"lm", {{"provider", "offline"}}},
                 {"budget", {{"max_trials", 2}, {"max_minutes", 5}}},
                 {"data", {{"split_ratio", 0.5}, {"seed", 3}, {"domain", "support"}}}};
  const std::string run1 = Call("POST", "/api/v1/dspy-runs", launch, 201).body.value("run_id", "");
  ASSERT_EQ(WaitRun(run1).value("status", ""), "completed");
  Call("GET", "/api/v1/dspy-runs?template_id=" + tid + "&status=completed", nullptr, 200);
  Call("GET", "/api/v1/dspy-runs/" + run1 + "/events", nullptr, 200);
  Call("GET", "/api/v1/dspy-runs/" + run1 + "/results", nullptr, 200);
  Call("POST", "/api/v1/dspy-runs/" + run1 + "/sync", nullptr, 200);
  Call("POST", "/api/v1/dspy-runs/" + run1 + "/accept", nullptr, 201);

  const std::string run2 = Call("POST", "/api/v1/dspy/runs", launch, 201).body.value("run_id", "");
  for (int i = 0; i < 1200; ++i) {
    const Json run = Call("GET", "/api/v1/dspy/runs/" + run2, nullptr, 200).body;
    if (run.value("status", "") == "completed" || run.value("status", "") == "failed") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  Call("GET", "/api/v1/dspy/runs", nullptr, 200);
  Call("GET", "/api/v1/dspy/runs/" + run2 + "/results", nullptr, 200);
  Call("POST", "/api/v1/dspy/runs/" + run2 + "/sync", nullptr, 200);
  Call("POST", "/api/v1/dspy-runs/" + run2 + "/reject", nullptr, 200);

  Json slow = launch;
  slow["lm"]["latency_ms"] = 500;
  slow["optimizer_type"] = "BootstrapFewShotWithRandomSearch";
  slow["budget"]["max_trials"] = 50;
  const std::string run3 = Call("POST", "/api/v1/dspy-runs", slow, 201).body.value("run_id", "");
  Call("POST", "/api/v1/dspy-runs/" + run3 + "/cancel", nullptr, 200);
  const std::string run4 = Call("POST", "/api/v1/dspy-runs", slow, 201).body.value("run_id", "");
  Call("POST", "/api/v1/dspy/runs/" + run4 + "/cancel", nullptr, 200);
  WaitRun(run3);
  WaitRun(run4);

  // template lifecycle, after the runs that read the draft
  ASSERT_TRUE(state.contains("content"));
  Call("POST", "/api/v1/templates/" + tid + "/import-dspy", Json::parse(state["content"].get<std::string>()), 201);
  Call("POST", "/api/v1/templates/" + tid + "/publish", nullptr, 200);
  const std::string v2 = Call("POST", "/api/v1/templates/" + tid + "/version", nullptr, 201).body.value("id", "");
  Call("GET", "/api/v1/templates/" + tid + "/versions", nullptr, 200);
  Call("POST", "/api/v1/templates/" + v2 + "/archive", nullptr, 200);
  const std::string spare = Call("POST", "/api/v1/templates", {{"name", "spare"}}, 201).body.value("id", "");
  Call("DELETE", "/api/v1/templates/" + spare, nullptr, 204);

  // snapshots, audit, quality
  const std::string sid =
      Call("POST", "/api/v1/snapshots", {{"name", "support-v1"}, {"filter", {{"domain", "support"}}}}, 201)
          .body.value("snapshot_id", "");
  Call("GET", "/api/v1/snapshots", nullptr, 200);
  Call("GET", "/api/v1/snapshots/" + sid, nullptr, 200);
  Call("GET", "/api/v1/snapshots/" + sid + "/export?format=jsonl", nullptr, 200);
  Call("GET", "/api/v1/snapshots/" + sid + "/diff/" + sid, nullptr, 200);
  Call("GET", "/api/v1/audit?limit=5", nullptr, 200);
  Call("GET", "/api/v1/auth/me", nullptr, 200);
  Call("GET", "/api/v1/quality/duplicates?threshold=0.9", nullptr, 200);
  Call("GET", "/api/v1/quality/conflicts", nullptr, 200);

  // deletes last
  Call("DELETE", "/api/v1/examples/" + eids[1], nullptr, 204);
  Call("GET", "/api/v1/examples/deleted?page=1&page_size=5", nullptr, 200);
  Call("POST", "/api/v1/examples/" + eids[1] + "/restore", nullptr, 200);
  Call("POST", "/api/v1/examples/bulk-delete", {{"ids", {eids[2]}}, {"dry_run", false}}, 200);

  // errors are documented too
  Call("POST", "/api/v1/examples/search", {{"query_txt", "typo"}}, 422);
  Call("GET", "/api/v1/examples/not-a-uuid", nullptr, 404);

  std::vector<std::string> missing;
  for (const auto& [m, path] : routes_) {
    if (!exercised_.count(m + " " + path)) missing.push_back(m + " " + path);
  }
  EXPECT_TRUE(missing.empty()) << "routes the scenario did not call successfully: " << Json(missing).dump();

  // Each body schema names exactly the keys its parser reads.
  std::lock_guard<std::mutex> lock(g_mu);
  for (const auto& [route, locations] : g_keys) {
    const Json& op = Op(route);
    if (!op.contains("requestBody")) {
      ADD_FAILURE() << route << " reads body keys but the document declares no requestBody";
      continue;
    }
    const Json& body_schema = op["requestBody"]["content"]["application/json"]["schema"];
    for (const auto& [at, keys] : locations) {
      const Json* s = SchemaAt(body_schema, at, doc_);
      if (!s) {
        ADD_FAILURE() << route << ": the parser reads an object at body" << at << " that the schema does not declare";
        continue;
      }
      if (!s->contains("properties")) continue;  // an open object (a DSPy program state): any keys
      const Json& props = (*s)["properties"];
      std::vector<std::regex> patterns;
      const Json pattern_props = s->value("patternProperties", Json::object());
      for (auto it = pattern_props.begin(); it != pattern_props.end(); ++it) patterns.emplace_back(it.key());
      auto declared = [&](const std::string& k) {
        return props.contains(k) ||
               std::any_of(patterns.begin(), patterns.end(), [&](const std::regex& re) { return std::regex_search(k, re); });
      };
      for (const auto& k : keys.accepted) {
        if (at.empty() && InnerRetrieveKey(route, k)) continue;
        EXPECT_TRUE(declared(k)) << route << ": the parser accepts body" << at << "." << k
                                 << " but the schema lacks it (add it to src/api/openapi_routes.cc)";
      }
      for (const auto& [k, _] : props.items()) {
        if (at.empty() && OuterRetrieveKey(route, k)) continue;
        EXPECT_TRUE(keys.accepted.count(k))
            << route << ": the schema declares body" << at << "." << k << " but the parser does not accept it";
      }
      if (s->value("additionalProperties", Json(true)) != Json(false)) {
        ADD_FAILURE() << route << ": body" << at << " is parsed strictly; its schema must say additionalProperties: false";
      }
    }
  }
}

}  // namespace
}  // namespace exemplar::testing

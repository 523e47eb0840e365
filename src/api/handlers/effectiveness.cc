// Usage tracking, effectiveness, top examples, the dashboard and the agent retrieval hook
// (SPEC §4.2, §4.3).
#include <limits>
#include <map>

#include "api/original_keys.h"
#include "api/routes.h"
#include "common/ids.h"
#include "service/examples/example_json.h"

namespace exemplar::api {
namespace {

Result<Reply> Retrieve(Services& s, const Request& req) {
  EXEMPLAR_ASSIGN_OR_RETURN(Json body, ParseJsonObject(req));
  Validation v;
  service::RetrieveRequest rr = service::ParseRetrieveRequest(body, v);
  EXEMPLAR_RETURN_IF_ERROR(v.ToStatus());
  rr.actor = RequestActor(req);
  EXEMPLAR_ASSIGN_OR_RETURN(Json out, s.retrieval.Retrieve(rr));
  return Reply::Json200(std::move(out));
}

// The agent hook's path of the original plan also takes the original's keys (api/original_keys.h):
// max_examples and format_style are k and format; agent_id and session_id, which nothing here
// reads, are kept with the retrieval (GET /examples/retrievals/{id}) as the original kept them
// with its log rows.
Result<Reply> RetrieveOriginal(Services& s, const Request& req) {
  EXEMPLAR_ASSIGN_OR_RETURN(Json body, ParseJsonObject(req));
  Validation v;
  OriginalBody b = SplitOriginalKeys(body, AgentRetrieveKeys(), v);
  JsonReader r(b.original, v);
  MarkMappedKeys(r, AgentRetrieveKeys());
  auto agent_id = r.String("agent_id", 256);
  auto session_id = r.String("session_id", 64);
  r.RejectUnknownKeys();
  if (session_id && !IsUuid(*session_id)) {
    v.Add(r.Loc("session_id"), "must be a UUID (the original's session id)", "value_error.uuid");
  }
  service::RetrieveRequest rr = service::ParseRetrieveRequest(b.current, v);
  EXEMPLAR_RETURN_IF_ERROR(NameSentKeys(v.ToStatus(), b));
  rr.agent_id = agent_id;
  if (session_id) rr.session_id = NormalizeUuid(*session_id);
  rr.actor = RequestActor(req);
  EXEMPLAR_ASSIGN_OR_RETURN(Json out, s.retrieval.Retrieve(rr));
  return Reply::Json200(std::move(out));
}

// `example_outcomes`: {example_id: success | failure | partial | unknown}, each example's own
// outcome (ids normalised; naming one example twice, in two spellings, is an error).
std::map<std::string, std::string> ExampleOutcomes(JsonReader& r) {
  std::map<std::string, std::string> out;
  auto obj = r.Object("example_outcomes");
  if (!obj) return out;
  Validation& v = r.validation();
  JsonReader each(*obj, v, r.Loc("example_outcomes"));
  for (const auto& key : each.Keys()) {
    auto value = each.Enum(key, service::kOutcomes);
    if (!IsUuid(key)) {
      v.Add(each.Loc(key), "must be the id of an example the retrieval returned", "value_error.uuid");
    } else if (value && !out.emplace(NormalizeUuid(key), *value).second) {
      v.Add(each.Loc(key), "names an example already named", "value_error.duplicate");
    }
  }
  return out;
}

Result<Reply> Outcome(Services& s, const Request& req, const Json& body) {
  Validation v;
  JsonReader r(body, v);
  auto id = r.String("retrieval_id", 64);
  if (!r.Has("retrieval_id")) v.Add(r.Loc("retrieval_id"), "field required", "value_error.missing");
  auto outcome = r.Enum("outcome", {"success", "failure", "partial"});
  if (!r.Has("outcome")) v.Add(r.Loc("outcome"), "field required", "value_error.missing");
  auto confidence = r.Number("confidence", 0.0, 1.0);
  auto notes = r.String("notes", 64 * 1024);
  std::map<std::string, std::string> per_example = ExampleOutcomes(r);
  r.RejectUnknownKeys();
  EXEMPLAR_RETURN_IF_ERROR(v.ToStatus());
  if (!IsUuid(*id)) return Status::NotFound("Retrieval not found");
  EXEMPLAR_ASSIGN_OR_RETURN(Json out,
                            s.retrieval.Outcome(NormalizeUuid(*id), *outcome, per_example, confidence, notes,
                                                RequestActor(req)));
  return Reply::Json200(std::move(out));
}

// The original's outcome body on its path: feedback_notes is notes (kept with the outcome's events).
Result<Reply> OutcomeOriginal(Services& s, const Request& req) {
  EXEMPLAR_ASSIGN_OR_RETURN(Json body, ParseJsonObject(req));
  Validation v;
  OriginalBody b = SplitOriginalKeys(body, AgentOutcomeKeys(), v);
  JsonReader r(b.original, v);
  MarkMappedKeys(r, AgentOutcomeKeys());
  r.RejectUnknownKeys();
  EXEMPLAR_RETURN_IF_ERROR(v.ToStatus());
  Result<Reply> reply = Outcome(s, req, b.current);
  if (!reply.ok()) return NameSentKeys(reply.status(), b);
  return reply;
}

// GET /examples/{id}/usage: the evidence behind an example's counters, event by event, so a team
// can tell who moved its effectiveness (?actor= narrows to one caller; ?before_id= pages).
Result<Reply> ListUsage(Services& s, const Request& req) {
  EXEMPLAR_ASSIGN_OR_RETURN(std::string id, PathUuid(req, 0, "Example"));
  Validation v;
  storage::UsageEventQuery q;
  q.example_id = id;
  q.limit = QueryInt(req, "limit", 1, 100, v).value_or(20);
  q.before_id = QueryInt(req, "before_id", 1, std::numeric_limits<int64_t>::max(), v);
  if (auto actor = req.Query("actor")) q.actor = *actor;
  EXEMPLAR_RETURN_IF_ERROR(v.ToStatus());
  // A deleted example keeps its usage events (as its history): they are listed too.
  EXEMPLAR_RETURN_IF_ERROR(s.examples.GetIncludingDeleted(id).status());
  EXEMPLAR_ASSIGN_OR_RETURN(auto events, s.store.ListUsageEvents(q));
  Json items = Json::array();
  for (const auto& e : events) items.push_back(service::UsageEventToJson(e));
  Json next = static_cast<int64_t>(events.size()) == q.limit ? Json(events.back().id) : Json(nullptr);
  return Reply::Json200({{"example_id", id}, {"events", std::move(items)}, {"next_before_id", next}});
}

}  // namespace

void AddEffectivenessRoutes(std::vector<Route>& routes, Services& s) {
  const std::string base = "/api/v1/examples";
  routes.push_back({"GET", base + "/top", "Most effective examples (optionally of one template)", "effectiveness",
                    [&s](const Request& req) -> Result<Reply> {
                      Validation v;
                      int64_t limit = QueryInt(req, "limit", 1, 100, v).value_or(10);
                      EXEMPLAR_RETURN_IF_ERROR(v.ToStatus());
                      storage::ExampleFilter f;
                      f.databit_id = req.Query("databit_id");
                      EXEMPLAR_ASSIGN_OR_RETURN(auto page, s.store.ListExamples(
                                                               f, storage::ExampleSortKey::kEffectiveness, true, 0, limit));
                      Json items = Json::array();
                      for (const auto& e : page.examples) items.push_back(service::ExampleToJson(e));
                      return Reply::Json200(std::move(items));
                    }});
  routes.push_back({"GET", base + "/dashboard", "Effectiveness dashboard for a period (7d, 30d, 90d)", "effectiveness",
                    [&s](const Request& req) -> Result<Reply> {
                      service::DashboardQuery q;
                      std::string period = req.Query("period").value_or("30d");
                      if (period == "7d") q.period_days = 7;
                      else if (period == "30d") q.period_days = 30;
                      else if (period == "90d") q.period_days = 90;
                      else return Status::Invalid({{{"query", "period"}, "must be one of: 7d, 30d, 90d", "value_error.str.regex"}});
                      q.domain = req.Query("domain");
                      q.function_name = req.Query("function_name");
                      EXEMPLAR_ASSIGN_OR_RETURN(Json out, s.effectiveness.Dashboard(q));
                      // The usage totals and series read rows that retention prunes: say how much it keeps.
                      out["usage_retention_days"] = s.config.usage_retention_days;
                      out["max_retrievals_kept"] = s.config.max_retrievals_kept;
                      out["max_usage_events_kept"] = s.config.max_usage_events_kept;
                      return Reply::Json200(std::move(out));
                    }});
  routes.push_back({"POST", base + "/retrieve", "Retrieve examples formatted for a prompt (agent hook)", "retrieval",
                    [&s](const Request& req) { return Retrieve(s, req); }});
  routes.push_back({"POST", base + "/outcome", "Credit a retrieval's examples with an outcome (once)", "retrieval",
                    [&s](const Request& req) -> Result<Reply> {
                      EXEMPLAR_ASSIGN_OR_RETURN(Json body, ParseJsonObject(req));
                      return Outcome(s, req, body);
                    }});
  routes.push_back({"GET", base + "/retrievals/{id}",
                    "A recorded retrieval: its examples, outcome, exploration policy, seed and why each example was chosen",
                    "retrieval", [&s](const Request& req) -> Result<Reply> {
                      EXEMPLAR_ASSIGN_OR_RETURN(std::string id, PathUuid(req, 0, "Retrieval"));
                      EXEMPLAR_ASSIGN_OR_RETURN(Json out, s.retrieval.Get(id));
                      return Reply::Json200(std::move(out));
                    }});
  routes.push_back({"POST", "/api/v1/agents/examples/retrieve", "Alias of POST /api/v1/examples/retrieve", "retrieval",
                    [&s](const Request& req) { return RetrieveOriginal(s, req); }});
  routes.push_back({"POST", "/api/v1/agents/examples/outcome", "Alias of POST /api/v1/examples/outcome", "retrieval",
                    [&s](const Request& req) { return OutcomeOriginal(s, req); }});
  routes.push_back({"GET", "/api/v1/agents/health", "Agent retriever health", "retrieval",
                    [](const Request&) -> Result<Reply> {
                      return Reply::Json200({{"status", "healthy"}, {"service", "agent-retriever"}});
                    }});
}

void AddEffectivenessItemRoutes(std::vector<Route>& routes, Services& s) {
  const std::string base = "/api/v1/examples";
  routes.push_back({"POST", base + "/{id}/track", "Record a usage event (query params or JSON body)", "effectiveness",
                    [&s](const Request& req) -> Result<Reply> {
                      EXEMPLAR_ASSIGN_OR_RETURN(std::string id, PathUuid(req, 0, "Example"));
                      // Fields come as query parameters (the original's form) or in a JSON
                      // body; a field given both ways is ambiguous.
                      const Json query = QueryAsJson(req, {}, {"confidence"}, {});
                      EXEMPLAR_ASSIGN_OR_RETURN(Json body, ParseOptionalJsonObject(req));
                      Validation v;
                      JsonReader qr(query, v, {"query"});
                      JsonReader br(body, v, {"body"});
                      for (const char* key : {"context", "training_run_id", "model_id", "outcome", "confidence"}) {
                        if (query.contains(key) && body.contains(key)) {
                          v.Add({"query", key}, "given in both the query string and the body; give it once",
                                "value_error.conflict");
                        }
                      }
                      // Has marks the key known to the body's reader either way.
                      auto from = [&](const char* key) -> JsonReader& { return br.Has(key) ? br : qr; };
                      UsageEvent e;
                      e.context = from("context").String("context", 64 * 1024);
                      e.run_id = from("training_run_id").String("training_run_id", 256);
                      e.model_id = from("model_id").String("model_id", 256);
                      e.outcome = from("outcome").Enum("outcome", service::kOutcomes);
                      e.confidence = from("confidence").Number("confidence", 0.0, 1.0);
                      e.actor = RequestActor(req);
                      if (!req.body.empty()) br.RejectUnknownKeys();
                      // The run whose training used the example: usage_events.run_id holds the
                      // ids of this server's runs (run sync writes them too), so a made-up id
                      // would be evidence no run can claim.
                      const std::vector<std::string> run_loc = {body.contains("training_run_id") ? "body" : "query",
                                                                "training_run_id"};
                      if (e.run_id && !IsUuid(*e.run_id)) {
                        v.Add(run_loc, "must be the id (UUID) of a run (GET /api/v1/dspy-runs)", "value_error.uuid");
                      }
                      EXEMPLAR_RETURN_IF_ERROR(v.ToStatus());
                      if (e.run_id) {
                        e.run_id = NormalizeUuid(*e.run_id);
                        auto run = s.store.GetRun(*e.run_id);
                        if (run.status().IsNotFound()) {
                          return Status::Invalid({{run_loc, "run " + *e.run_id + " does not exist", "value_error.not_found"}});
                        }
                        EXEMPLAR_RETURN_IF_ERROR(run.status());
                      }
                      EXEMPLAR_RETURN_IF_ERROR(s.effectiveness.Track(id, e));
                      return Reply::NoContent();
                    }});
  routes.push_back({"GET", base + "/{id}/usage", "One example's usage events, newest first, with who sent each",
                    "effectiveness", [&s](const Request& req) { return ListUsage(s, req); }});
  routes.push_back({"GET", base + "/{id}/effectiveness", "Counts, score, 90% interval and trend of one example",
                    "effectiveness", [&s](const Request& req) -> Result<Reply> {
                      EXEMPLAR_ASSIGN_OR_RETURN(std::string id, PathUuid(req, 0, "Example"));
                      EXEMPLAR_ASSIGN_OR_RETURN(auto stats, s.effectiveness.Stats(id));
                      return Reply::Json200(service::StatsToJson(stats));
                    }});
}

}  // namespace exemplar::api

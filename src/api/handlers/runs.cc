// Optimization runs (SPEC §2.2 DSPy, §4.5, §4.6), with a Server-Sent Events progress stream.
#include <chrono>

#include "api/list_cursor.h"
#include "api/routes.h"
#include "service/runs/runs.h"
#include "service/templates/template_json.h"

namespace exemplar::api {
namespace {

std::optional<std::string> User(const Request& req) {
  if (req.user.empty()) return std::nullopt;
  return req.user;
}

std::string SseFrame(const service::RunEvent& e) {
  return "id: " + std::to_string(e.id) + "\nevent: " + e.type + "\ndata: " + DumpJson(e.data) + "\n\n";
}

}  // namespace

void AddRunRoutes(std::vector<Route>& routes, Services& s) {
  const std::string base = "/api/v1/dspy-runs";
  routes.push_back({"POST", base, "Launch an optimization run", "runs",
                    [&s](const Request& req) -> Result<Reply> {
                      EXEMPLAR_ASSIGN_OR_RETURN(Json body, ParseJsonObject(req));
                      EXEMPLAR_ASSIGN_OR_RETURN(RunRecord run, s.runs.Launch(body, User(req)));
                      return Reply::Created(service::RunToJson(run));
                    }});
  routes.push_back({"GET", base, "List runs (filter by template_id, status; page or cursor)", "runs",
                    [&s](const Request& req) -> Result<Reply> {
                      Validation v;
                      int64_t page = QueryInt(req, "page", 1, 1000000, v).value_or(1);
                      int64_t size = QueryInt(req, "page_size", 1, 100, v).value_or(20);
                      auto status = req.Query("status");
                      if (status && *status != "pending" && *status != "running" && *status != "completed" &&
                          *status != "failed" && *status != "cancelled") {
                        v.Add({"query", "status"}, "must be one of: pending, running, completed, failed, cancelled", "type_error.enum");
                      }
                      EXEMPLAR_RETURN_IF_ERROR(v.ToStatus());
                      storage::RunListQuery q{req.Query("template_id"), status, (page - 1) * size, size, std::nullopt};
                      if (auto c = req.Query("cursor")) {
                        EXEMPLAR_ASSIGN_OR_RETURN(q.after, DecodeKeyCursor(*c, "runs"));
                      }
                      EXEMPLAR_ASSIGN_OR_RETURN(auto r, s.runs.List(q));
                      Json items = Json::array();
                      for (const auto& run : r.items) items.push_back(service::RunToJson(run));
                      Json next = r.next ? Json(EncodeKeyCursor("runs", *r.next)) : Json(nullptr);
                      return Reply::Json200({{"runs", items}, {"total", r.total}, {"page", page}, {"page_size", size},
                                             {"next_cursor", next}});
                    }});
  routes.push_back({"GET", base + "/{id}", "Run status, progress, best score, LM usage, ETA", "runs",
                    [&s](const Request& req) -> Result<Reply> {
                      EXEMPLAR_ASSIGN_OR_RETURN(std::string id, PathUuid(req, 0, "Run"));
                      EXEMPLAR_ASSIGN_OR_RETURN(RunRecord run, s.runs.Get(id));
                      return Reply::Json200(service::RunToJson(run));
                    }});
  routes.push_back({"GET", base + "/{id}/events", "Server-Sent Events: progress, trial, status, log", "runs",
                    [&s](const Request& req) -> Result<Reply> {
                      EXEMPLAR_ASSIGN_OR_RETURN(std::string id, PathUuid(req, 0, "Run"));
                      EXEMPLAR_ASSIGN_OR_RETURN(RunRecord run, s.runs.Get(id));
                      int64_t after = 0;
                      std::string last = req.Header("last-event-id");
                      if (!last.empty()) after = std::atoll(last.c_str());
                      Reply reply;
                      reply.content_type = "text/event-stream";
                      reply.headers["Cache-Control"] = "no-cache";
                      service::Runs* runs = &s.runs;
                      Json snapshot = service::RunToJson(run);
                      reply.stream = [runs, id, after, snapshot](const std::function<bool(std::string_view)>& write) {
                        // First the current state, so a late subscriber sees where the run is.
                        std::string first = "event: status\ndata: " + DumpJson(snapshot) + "\n\n";
                        if (!write(first)) return;
                        std::string st = snapshot["status"];
                        if (st == "completed" || st == "failed" || st == "cancelled") return;
                        int64_t cursor = after;
                        auto deadline = std::chrono::steady_clock::now() + std::chrono::hours(2);
                        auto last_write = std::chrono::steady_clock::now();
                        Json shown = snapshot;
                        while (std::chrono::steady_clock::now() < deadline) {
                          bool finished = false;
                          auto events = runs->events().Read(id, cursor, std::chrono::seconds(1), &finished);
                          for (const auto& e : events) {
                            if (!write(SseFrame(e))) return;
                            cursor = e.id;
                            last_write = std::chrono::steady_clock::now();
                          }
                          if (finished) return;
                          if (!events.empty()) continue;
                          // No local events: the run may execute on another replica. Its state in
                          // the store is the source then; send it whenever it moves.
                          auto stored = runs->Get(id);
                          if (stored.ok()) {
                            Json now = service::RunToJson(*stored);
                            if (now != shown) {
                              if (!write("event: status\ndata: " + DumpJson(now) + "\n\n")) return;
                              shown = now;
                              last_write = std::chrono::steady_clock::now();
                            }
                            const std::string& st_now = stored->status;
                            if (st_now == "completed" || st_now == "failed" || st_now == "cancelled") return;
                          }
                          if (std::chrono::steady_clock::now() - last_write >= std::chrono::seconds(15)) {
                            if (!write(": keep-alive\n\n")) return;
                            last_write = std::chrono::steady_clock::now();
                          }
                        }
                      };
                      return reply;
                    }});
  auto action = [&](const std::string& verb, const std::string& summary, auto fn) {
    routes.push_back({"POST", base + "/{id}/" + verb, summary, "runs",
                      [&s, fn](const Request& req) -> Result<Reply> {
                        EXEMPLAR_ASSIGN_OR_RETURN(std::string id, PathUuid(req, 0, "Run"));
                        return fn(s, id, req);
                      }});
  };
  action("cancel", "Cancel a pending or running run (finished trials are kept)",
         [](Services& s, const std::string& id, const Request&) -> Result<Reply> {
           EXEMPLAR_ASSIGN_OR_RETURN(RunRecord run, s.runs.Cancel(id));
           return Reply::Json200(service::RunToJson(run));
         });
  routes.push_back({"GET", base + "/{id}/results", "Trials, best program and example contributions", "runs",
                    [&s](const Request& req) -> Result<Reply> {
                      EXEMPLAR_ASSIGN_OR_RETURN(std::string id, PathUuid(req, 0, "Run"));
                      EXEMPLAR_ASSIGN_OR_RETURN(Json out, s.runs.Results(id));
                      return Reply::Json200(std::move(out));
                    }});
  action("sync", "Feed the run's example contributions into effectiveness (once)",
         [](Services& s, const std::string& id, const Request&) -> Result<Reply> {
           EXEMPLAR_ASSIGN_OR_RETURN(Json out, s.runs.Sync(id));
           return Reply::Json200(std::move(out));
         });
  action("accept", "Create a new draft template version from the best program",
         [](Services& s, const std::string& id, const Request& req) -> Result<Reply> {
           EXEMPLAR_ASSIGN_OR_RETURN(Template t, s.runs.Accept(id, User(req)));
           return Reply::Created({{"run_id", id}, {"template", service::TemplateToJson(t)}});
         });
  action("reject", "Reject the run's result",
         [](Services& s, const std::string& id, const Request&) -> Result<Reply> {
           EXEMPLAR_ASSIGN_OR_RETURN(RunRecord run, s.runs.Reject(id));
           return Reply::Json200(service::RunToJson(run));
         });
}

}  // namespace exemplar::api

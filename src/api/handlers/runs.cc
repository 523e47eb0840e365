// Optimization runs (SPEC §2.2 DSPy, §4.5, §4.6), with a Server-Sent Events progress stream.
#include <chrono>

#include "api/list_cursor.h"
#include "api/routes.h"
#include "common/ids.h"
#include "service/runs/runs.h"
#include "service/templates/template_json.h"

namespace exemplar::api {
namespace {

std::optional<std::string> User(const Request& req) {
  if (req.user.empty()) return std::nullopt;
  return req.user;
}

// A run as GET gives it: with whether the version it was accepted as was deleted since (review s24
// loops2: accepted_template_id then names a template that answers 404).
Result<Json> RunWithVersion(Services& s, const RunRecord& run) {
  Json out = service::RunToJson(run, s.runs.replicas());
  if (run.accepted_template_id) {
    auto t = s.store.GetTemplate(*run.accepted_template_id);
    if (!t.ok() && !t.status().IsNotFound()) return t.status();
    out["accepted_template_deleted"] = !t.ok();
  }
  return out;
}

bool IsFinal(const std::string& status) {
  return status == "completed" || status == "failed" || status == "cancelled";
}

// One run's progress as a Server-Sent Events body, produced a piece at a time (BodyStream): the
// current state first, so a late subscriber sees where the run is, then every event after the
// client's Last-Event-ID (all of them when another process gave that id: RunEvents::ResumeAfter).
// Local events wake the stream at once; a run executing on another replica is followed through
// its state in the store, read at most once per kStorePoll.
class RunEventStream {
 public:
  static constexpr std::chrono::milliseconds kStorePoll{1000};
  static constexpr std::chrono::seconds kKeepAlive{15};   // a comment line keeps proxies from timing out
  static constexpr std::chrono::hours kMaxDuration{2};

  RunEventStream(service::Runs* runs, std::string id, int64_t after, Json snapshot)
      : runs_(runs), id_(std::move(id)), cursor_(after), shown_(std::move(snapshot)) {}
  ~RunEventStream() {
    if (watch_) runs_->events().Unwatch(id_, watch_);
  }

  void Watch(std::function<void()> wake) { watch_ = runs_->events().Watch(id_, std::move(wake)); }

  BodyStream::Step Next(std::string* out) {
    using Step = BodyStream::Step;
    auto now = std::chrono::steady_clock::now();
    if (!started_) {
      started_ = true;
      last_write_ = last_store_read_ = now;
      deadline_ = now + kMaxDuration;
      *out = StatusFrame(shown_);
      done_ = IsFinal(shown_.value("status", ""));
      return Step::kData;
    }
    if (done_ || now >= deadline_) return Step::kDone;
    bool finished = false;
    auto events = runs_->events().Read(id_, cursor_, std::chrono::milliseconds(0), &finished);
    if (!events.empty()) {
      for (const auto& e : events) {
        *out += "id: " + runs_->events().EventId(e.id) + "\nevent: " + e.type + "\ndata: " + DumpJson(e.data) + "\n\n";
        cursor_ = e.id;
      }
      last_write_ = now;
      done_ = finished;
      return Step::kData;
    }
    if (finished) return Step::kDone;
    if (now - last_store_read_ >= kStorePoll) {
      // No local events: the run may execute on another replica. Its state in the store is the
      // source then; send it whenever it moves.
      last_store_read_ = now;
      auto stored = runs_->Get(id_);
      if (stored.ok()) {
        bool final = IsFinal(stored->status);
        Json state = service::RunToJson(*stored, runs_->replicas());
        // A lease renewal alone (every run_lease_s / 3) is not news to the client.
        Json seen = shown_;
        seen["lease_expires_at"] = state.value("lease_expires_at", Json());
        if (state != seen) {
          *out = StatusFrame(state);
          shown_ = std::move(state);
          last_write_ = now;
          done_ = final;
          return Step::kData;
        }
        if (final) return Step::kDone;
      }
    }
    if (now - last_write_ >= kKeepAlive) {
      *out = ": keep-alive\n\n";
      last_write_ = now;
      return Step::kData;
    }
    return Step::kWait;
  }

 private:
  static std::string StatusFrame(const Json& run) { return "event: status\ndata: " + DumpJson(run) + "\n\n"; }

  service::Runs* runs_;
  std::string id_;
  int64_t cursor_;
  Json shown_;
  uint64_t watch_ = 0;
  bool started_ = false, done_ = false;
  std::chrono::steady_clock::time_point last_write_, last_store_read_, deadline_;
};

}  // namespace

void AddRunRoutes(std::vector<Route>& routes, Services& s) {
  routes.push_back({"GET", "/api/v1/lm-providers", "LM providers a run may name, with their models (no URLs or keys)",
                    "runs", [&s](const Request&) -> Result<Reply> { return Reply::Json200(s.runs.providers().List()); }});
  const std::string base = "/api/v1/dspy-runs";
  routes.push_back({"POST", base, "Launch an optimization run", "runs",
                    [&s](const Request& req) -> Result<Reply> {
                      EXEMPLAR_ASSIGN_OR_RETURN(Json body, ParseJsonObject(req));
                      EXEMPLAR_ASSIGN_OR_RETURN(RunRecord run, s.runs.Launch(body, User(req)));
                      return Reply::Created(service::RunToJson(run, s.runs.replicas()));
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
                      // A template id in any case names the template, as in paths and other filters.
                      auto template_id = req.Query("template_id");
                      if (template_id && !IsUuid(*template_id)) {
                        v.Add({"query", "template_id"}, "must be a template id (UUID)", "value_error.uuid");
                      }
                      CheckPageOrCursor(req, v);
                      EXEMPLAR_RETURN_IF_ERROR(v.ToStatus());
                      if (template_id) template_id = NormalizeUuid(*template_id);
                      storage::RunListQuery q{template_id, status, (page - 1) * size, size, std::nullopt};
                      if (auto c = req.Query("cursor")) {
                        EXEMPLAR_ASSIGN_OR_RETURN(q.after, DecodeKeyCursor(*c, "runs"));
                      }
                      EXEMPLAR_ASSIGN_OR_RETURN(auto r, s.runs.List(q));
                      Json items = Json::array();
                      for (const auto& run : r.items) {
                        EXEMPLAR_ASSIGN_OR_RETURN(Json item, RunWithVersion(s, run));
                        items.push_back(std::move(item));
                      }
                      Json next = r.next ? Json(EncodeKeyCursor("runs", *r.next)) : Json(nullptr);
                      return Reply::Json200({{"runs", items}, {"total", r.total}, {"page", PageField(req, page)}, {"page_size", size},
                                             {"next_cursor", next}});
                    }});
  routes.push_back({"GET", base + "/{id}", "Run status, progress, best score, LM usage, ETA", "runs",
                    [&s](const Request& req) -> Result<Reply> {
                      EXEMPLAR_ASSIGN_OR_RETURN(std::string id, PathUuid(req, 0, "Run"));
                      EXEMPLAR_ASSIGN_OR_RETURN(RunRecord run, s.runs.Get(id));
                      EXEMPLAR_ASSIGN_OR_RETURN(Json body, RunWithVersion(s, run));
                      return Reply::Json200(std::move(body));
                    }});
  routes.push_back({"GET", base + "/{id}/events", "Server-Sent Events: progress, trial, status, log", "runs",
                    [&s](const Request& req) -> Result<Reply> {
                      EXEMPLAR_ASSIGN_OR_RETURN(std::string id, PathUuid(req, 0, "Run"));
                      EXEMPLAR_ASSIGN_OR_RETURN(RunRecord run, s.runs.Get(id));
                      const int64_t after = s.runs.events().ResumeAfter(req.Header("last-event-id"));
                      Reply reply;
                      reply.content_type = "text/event-stream";
                      reply.headers["Cache-Control"] = "no-cache";
                      auto events = std::make_shared<RunEventStream>(&s.runs, id, after,
                                                                     service::RunToJson(run, s.runs.replicas()));
                      reply.stream = std::make_shared<BodyStream>();
                      reply.stream->next = [events](std::string* out) { return events->Next(out); };
                      reply.stream->poll = RunEventStream::kStorePoll;
                      reply.stream->on_start = [events](std::function<void()> wake) { events->Watch(std::move(wake)); };
                      return reply;
                    }});
  auto action = [&](const std::string& verb, const std::string& summary, auto fn) {
    routes.push_back({"POST", base + "/{id}/" + verb, summary, "runs",
                      [&s, fn](const Request& req) -> Result<Reply> {
                        EXEMPLAR_ASSIGN_OR_RETURN(std::string id, PathUuid(req, 0, "Run"));
                        // None of the actions takes fields: a key sent is a mistake to report.
                        EXEMPLAR_RETURN_IF_ERROR(RequireNoFields(req));
                        return fn(s, id, req);
                      }});
  };
  action("cancel", "Cancel a pending or running run (finished trials are kept)",
         [](Services& s, const std::string& id, const Request&) -> Result<Reply> {
           EXEMPLAR_ASSIGN_OR_RETURN(RunRecord run, s.runs.Cancel(id));
           return Reply::Json200(service::RunToJson(run, s.runs.replicas()));
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
           EXEMPLAR_ASSIGN_OR_RETURN(service::AcceptedRun accepted, s.runs.Accept(id, User(req)));
           return Reply::Created({{"run_id", id},
                                  {"template", service::TemplateToJson(accepted.version)},
                                  {"warnings", std::move(accepted.warnings)}});
         });
  action("reject", "Reject the run's result",
         [](Services& s, const std::string& id, const Request&) -> Result<Reply> {
           EXEMPLAR_ASSIGN_OR_RETURN(RunRecord run, s.runs.Reject(id));
           return Reply::Json200(service::RunToJson(run, s.runs.replicas()));
         });
}

}  // namespace exemplar::api

// Provenance resources (issue 19): restoring deleted examples, dataset snapshots (create, list,
// read, export, diff) and the audit log.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "api/routes.h"
#include "common/ids.h"
#include "common/time.h"
#include "service/audit/audit.h"
#include "service/examples/example_json.h"
#include "service/lineage/snapshot_export.h"
#include "service/search/search.h"

namespace exemplar::api {
namespace {

constexpr size_t kMaxSnapshotIds = 100000;
// A snapshot keeps its filter verbatim and every list of snapshots echoes it: its size is capped
// (a page of 6.6 MB filters took GBs of memory to answer). 64 KiB as a JSON string (SPEC §3), and
// as many content filters as an `in` takes values.
constexpr size_t kMaxSnapshotFilterBytes = 64 * 1024;
constexpr size_t kMaxSnapshotContentFilters = 100;

Json SnapshotWithItems(const SnapshotRecord& s, const std::vector<SnapshotItem>& items) {
  Json out = service::SnapshotToJson(s);
  Json rows = Json::array();
  for (const auto& it : items) {
    rows.push_back({{"example_id", it.example_id}, {"version", it.version}, {"content_hash", it.content_hash}});
  }
  out["items"] = std::move(rows);
  return out;
}

// POST /snapshots {name, filter | example_ids, template_id?}.
Result<Reply> CreateSnapshot(Services& s, const Request& req) {
  EXEMPLAR_ASSIGN_OR_RETURN(Json body, ParseJsonObject(req));
  Validation v;
  JsonReader r(body, v);
  auto name = r.String("name", 200);
  if (!name || name->empty()) v.Add({"body", "name"}, "field required: a non-empty name", "value_error.missing");
  std::optional<std::string> template_id;
  if (auto t = r.String("template_id", 64)) {
    if (!IsUuid(*t)) v.Add({"body", "template_id"}, "must be a template id (UUID)", "value_error.uuid");
    else template_id = NormalizeUuid(*t);
  }
  std::vector<std::string> ids;
  if (auto list = r.StringList("example_ids", kMaxSnapshotIds, 64)) {
    for (size_t i = 0; i < list->size(); ++i) {
      if (!IsUuid((*list)[i])) v.Add({"body", "example_ids", std::to_string(i)}, "must be an example id (UUID)", "value_error.uuid");
      else ids.push_back(NormalizeUuid((*list)[i]));
    }
    if (list->empty()) v.Add({"body", "example_ids"}, "must hold at least one id", "value_error.list.size");
  }
  storage::ExampleFilter filter;
  Json selection = Json::object();
  if (auto f = r.Object("filter")) {
    JsonReader fr(*f, v, {"body", "filter"});
    service::ParseFilterFields(fr, &filter, /*content=*/true);  // the list's filters, all of them
    fr.RejectUnknownKeys();
    if (filter.content.size() > kMaxSnapshotContentFilters) {
      v.Add({"body", "filter"}, "holds " + std::to_string(filter.content.size()) + " content filters; at most " +
                                    std::to_string(kMaxSnapshotContentFilters) + " allowed",
            "value_error.filter.too_many");
    } else if (const size_t bytes = DumpJson(*f).size(); bytes > kMaxSnapshotFilterBytes) {
      v.Add({"body", "filter"}, "is " + std::to_string(bytes) + " bytes as JSON; a snapshot keeps at most " +
                                    std::to_string(kMaxSnapshotFilterBytes) + " (select by example_ids instead)",
            "value_error.too_long");
    }
    selection["filter"] = *f;
  }
  if (!ids.empty() && body.contains("filter")) {
    v.Add({"body", "filter"}, "give either filter or example_ids, not both", "value_error.conflict");
  }
  r.RejectUnknownKeys();
  EXEMPLAR_RETURN_IF_ERROR(v.ToStatus());
  if (template_id) {
    if (s.store.GetTemplate(*template_id).status().IsNotFound()) {
      return Status::Invalid({{{"body", "template_id"}, "template " + *template_id + " does not exist", "value_error.not_found"}});
    }
    if (ids.empty() && !filter.databit_id) filter.databit_id = template_id;
  }
  if (!ids.empty()) selection = {{"example_ids", ids}};
  else if (!selection.contains("filter")) selection["filter"] = Json::object();
  s.examples.ResolveFilter(&filter);
  std::optional<std::string> user;
  if (!req.user.empty()) user = req.user;
  EXEMPLAR_ASSIGN_OR_RETURN(SnapshotRecord snap, s.snapshots.Create(*name, selection, filter, ids, template_id, user));
  EXEMPLAR_ASSIGN_OR_RETURN(auto items, s.snapshots.Items(snap.id));
  return Reply::Created(SnapshotWithItems(snap, items));
}

Result<Reply> ListAudit(Services& s, const Request& req) {
  storage::AuditQuery q;
  Validation v;
  q.limit = QueryInt(req, "limit", 1, 1000, v).value_or(100);
  q.before_seq = QueryInt(req, "before_seq", 1, INT64_MAX, v);
  if (auto e = req.Query("entity")) {
    // entity=example, or entity=example:<id> for one entity's trail.
    auto colon = e->find(':');
    q.entity = e->substr(0, colon);
    if (colon != std::string::npos) q.entity_id = e->substr(colon + 1);
    const auto& known = service::audit::Entities();
    if (!q.entity->empty() && std::find(known.begin(), known.end(), *q.entity) == known.end()) {
      // An unknown entity matched nothing: an empty page read as "no changes" rather than a typo.
      std::string names;
      for (const auto& k : known) names += (names.empty() ? "" : ", ") + k;
      v.Add({"query", "entity"}, "unknown entity '" + q.entity->substr(0, 100) + "'; it is one of: " + names,
            "type_error.enum");
    }
  }
  if (auto id = req.Query("entity_id")) q.entity_id = *id;
  if (q.entity_id && !IsUuid(*q.entity_id)) v.Add({"query", "entity_id"}, "must be an id (UUID)", "value_error.uuid");
  if (q.entity_id && IsUuid(*q.entity_id)) q.entity_id = NormalizeUuid(*q.entity_id);
  if (q.entity && q.entity->empty()) q.entity.reset();
  if (auto a = req.Query("actor")) q.actor = *a;
  if (auto since = req.Query("since")) {
    if (auto t = ParseRfc3339(*since)) q.since = *t;
    else v.Add({"query", "since"}, "must be an RFC 3339 time, e.g. 2026-12-01T00:00:00Z", "value_error.datetime");
  }
  EXEMPLAR_RETURN_IF_ERROR(v.ToStatus());
  EXEMPLAR_ASSIGN_OR_RETURN(auto rows, s.audit.List(q));
  Json items = Json::array();
  for (const auto& r : rows) items.push_back(service::audit::AuditToJson(r));
  Json next = rows.size() == static_cast<size_t>(q.limit) && !rows.empty() ? Json(rows.back().seq) : Json(nullptr);
  return Reply::Json200({{"entries", std::move(items)}, {"next_before_seq", next},
                         {"retention_days", s.audit.retention_days()}});
}

// ?page= (from 1) and ?page_size= (1..100, default 20) of a paged list.
struct PageParams {
  int64_t page = 1, size = 20;
  int64_t offset() const { return (page - 1) * size; }
};

Result<PageParams> ParsePageParams(const Request& req) {
  Validation v;
  PageParams p;
  p.page = QueryInt(req, "page", 1, 1000000, v).value_or(1);
  p.size = QueryInt(req, "page_size", 1, 100, v).value_or(20);
  EXEMPLAR_RETURN_IF_ERROR(v.ToStatus());
  return p;
}

// A body written piece by piece by `next` (a snapshot's export or diff: SnapshotExport,
// SnapshotDiff), `first` already read by the handler so that an error before any byte is a
// status. A store error later ends the body truncated (the connection closes without the final
// chunk), never silently short.
std::shared_ptr<BodyStream> PieceStream(std::function<Result<bool>(std::string*)> next, std::string first,
                                        std::string what) {
  auto stream = std::make_shared<BodyStream>();
  auto pending = std::make_shared<std::optional<std::string>>(std::move(first));
  stream->next = [next = std::move(next), pending, what = std::move(what)](std::string* out) {
    if (*pending) {
      *out = std::move(**pending);
      pending->reset();
      return BodyStream::Step::kData;
    }
    Result<bool> more = next(out);
    if (!more.ok()) {
      spdlog::error("{} stopped: {}", what, more.status().ToString());
      return BodyStream::Step::kFailed;
    }
    return *more ? BodyStream::Step::kData : BodyStream::Step::kDone;
  };
  return stream;
}

// GET /snapshots/{id}/export?format=jsonl|hf_jsonl|hf_info. The JSON lines are streamed a page of
// items at a time, so a snapshot of 100,000 examples costs a page of examples, not its whole
// file; hf_info (a small document, computed in two passes over the examples) is sent whole.
Result<Reply> ExportSnapshot(Services& s, const Request& req) {
  EXEMPLAR_ASSIGN_OR_RETURN(std::string id, PathUuid(req, 0, "Snapshot"));
  const std::string format = req.Query("format").value_or("jsonl");
  // 422 for another format (checked first), 404 for an unknown snapshot.
  EXEMPLAR_ASSIGN_OR_RETURN(std::unique_ptr<service::SnapshotExport> text,
                            service::SnapshotExport::Open(s.store, id, format));
  Reply file;
  file.content_type = format == "hf_info" ? "application/json" : "application/x-ndjson";
  std::string filename = format == "hf_info" ? "dataset_info.json"
                         : format == "hf_jsonl" ? "train.jsonl"
                                                : "snapshot-" + id + ".jsonl";
  file.headers["Content-Disposition"] = "attachment; filename=\"" + filename + "\"";
  std::string first;
  EXEMPLAR_RETURN_IF_ERROR(text->Next(&first).status());
  if (format == "hf_info") {
    file.raw = std::move(first);
    return file;
  }
  std::shared_ptr<service::SnapshotExport> rest = std::move(text);
  file.stream = PieceStream([rest](std::string* out) { return rest->Next(out); }, std::move(first),
                            "export of snapshot " + id);
  return file;
}

// GET /snapshots/{a}/diff/{b}: the JSON document streamed a page of entries at a time (it was held
// whole, as a JSON tree and its text, with both snapshots' items in maps).
Result<Reply> DiffSnapshots(Services& s, const Request& req) {
  EXEMPLAR_ASSIGN_OR_RETURN(std::string a, PathUuid(req, 0, "Snapshot"));
  EXEMPLAR_ASSIGN_OR_RETURN(std::string b, PathUuid(req, 1, "Snapshot"));
  EXEMPLAR_ASSIGN_OR_RETURN(std::unique_ptr<service::SnapshotDiff> diff, service::SnapshotDiff::Open(s.store, a, b));
  std::string first;
  EXEMPLAR_RETURN_IF_ERROR(diff->Next(&first).status());
  std::shared_ptr<service::SnapshotDiff> rest = std::move(diff);
  Reply reply;
  reply.stream = PieceStream([rest](std::string* out) { return rest->Next(out); }, std::move(first),
                             "diff of snapshots " + a + " and " + b);
  return reply;
}

}  // namespace

void AddProvenanceRoutes(std::vector<Route>& routes, Services& s) {
  routes.push_back({"POST", "/api/v1/examples/{id}/restore", "Restore a deleted example (lists, search, retrieval)",
                    "examples", [&s](const Request& req) -> Result<Reply> {
                      EXEMPLAR_ASSIGN_OR_RETURN(std::string id, PathUuid(req, 0, "Example"));
                      EXEMPLAR_RETURN_IF_ERROR(RequireNoFields(req));
                      EXEMPLAR_ASSIGN_OR_RETURN(Example e, s.examples.Restore(id));
                      return Reply::Json200(service::ExampleToJson(e));
                    }});
  routes.push_back({"GET", "/api/v1/examples/deleted",
                    "Deleted examples, most recently deleted first (the trash; restore brings one back)", "examples",
                    [&s](const Request& req) -> Result<Reply> {
                      EXEMPLAR_ASSIGN_OR_RETURN(PageParams pg, ParsePageParams(req));
                      EXEMPLAR_ASSIGN_OR_RETURN(auto p, s.examples.ListDeleted(pg.offset(), pg.size));
                      Json items = Json::array();
                      for (const auto& e : p.first) items.push_back(service::ExampleWithTombstoneJson(e));
                      return Reply::Json200({{"examples", std::move(items)}, {"total", p.second}, {"page", pg.page},
                                             {"page_size", pg.size}});
                    }});
  const std::string base = "/api/v1/snapshots";
  routes.push_back({"GET", base, "List dataset snapshots, newest first", "snapshots",
                    [&s](const Request& req) -> Result<Reply> {
                      EXEMPLAR_ASSIGN_OR_RETURN(PageParams pg, ParsePageParams(req));
                      EXEMPLAR_ASSIGN_OR_RETURN(auto p, s.snapshots.List(pg.offset(), pg.size));
                      Json items = Json::array();
                      for (const auto& snap : p.items) {
                        // A selection by ids holds up to 100,000 of them (3.7 MB): a page of
                        // those was hundreds of MB. The list gives their count; GET /snapshots/{id}
                        // the ids.
                        Json one = service::SnapshotToJson(snap);
                        if (auto it = one.find("selection"); it != one.end() && it->is_object() &&
                                                             it->contains("example_ids") && (*it)["example_ids"].is_array()) {
                          (*it)["example_id_count"] = (*it)["example_ids"].size();
                          it->erase("example_ids");
                        }
                        items.push_back(std::move(one));
                      }
                      return Reply::Json200({{"snapshots", items}, {"total", p.total}, {"page", pg.page},
                                             {"page_size", pg.size}});
                    }});
  routes.push_back({"POST", base, "Freeze a dataset snapshot {name, filter | example_ids, template_id?}", "snapshots",
                    [&s](const Request& req) { return CreateSnapshot(s, req); }});
  routes.push_back({"GET", base + "/{id}", "A snapshot and its (example id, version, content hash) rows", "snapshots",
                    [&s](const Request& req) -> Result<Reply> {
                      EXEMPLAR_ASSIGN_OR_RETURN(std::string id, PathUuid(req, 0, "Snapshot"));
                      EXEMPLAR_ASSIGN_OR_RETURN(SnapshotRecord snap, s.snapshots.Get(id));
                      EXEMPLAR_ASSIGN_OR_RETURN(auto items, s.snapshots.Items(id));
                      return Reply::Json200(SnapshotWithItems(snap, items));
                    }});
  routes.push_back({"GET", base + "/{id}/export",
                    "Export a snapshot: jsonl, hf_jsonl (Hugging Face datasets) or hf_info (dataset_info.json)",
                    "snapshots", [&s](const Request& req) { return ExportSnapshot(s, req); }});
  routes.push_back({"GET", base + "/{id}/diff/{other}", "Compare two snapshots: added, removed, changed", "snapshots",
                    [&s](const Request& req) { return DiffSnapshots(s, req); }});
  routes.push_back({"GET", "/api/v1/audit", "The audit log (admin): ?entity=example[:id]&entity_id=&actor=&since=",
                    "operations", [&s](const Request& req) { return ListAudit(s, req); }});
}

}  // namespace exemplar::api

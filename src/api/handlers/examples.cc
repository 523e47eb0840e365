// Examples resource: CRUD, history, batch, import and export (SPEC §2.2).
#include <spdlog/spdlog.h>

#include "api/list_cursor.h"
#include "api/routes.h"
#include "service/examples/example_io.h"
#include "common/time.h"
#include "service/examples/example_json.h"

namespace exemplar::api {
namespace {

constexpr size_t kMaxBatchItems = 1000;    // SPEC §3: lists ≤ 1,000 items
constexpr size_t kMaxImportRecords = 10000;

// Parses list query parameters: filters, paging and the sort whitelist.
struct ListQuery {
  storage::ExampleFilter filter;
  storage::ExampleSortKey sort = storage::ExampleSortKey::kEffectiveness;
  bool desc = true;
  int64_t page = 1, page_size = 20;
  std::optional<storage::ExampleCursor> cursor;  // wins over page
};

// One page by cursor (keyset: any depth at index speed) or by page number (an offset).
Result<Reply> ListPage(Services& s, const ListQuery& q) {
  storage::ExampleListQuery lq{q.filter, q.sort, q.desc, (q.page - 1) * q.page_size, q.page_size, q.cursor};
  EXEMPLAR_ASSIGN_OR_RETURN(auto page, s.store.ListExamples(lq));
  Json items = Json::array();
  for (const auto& e : page.examples) items.push_back(service::ExampleToJson(e));
  Json next = page.next ? Json(EncodeExampleCursor(*page.next, q.sort, q.desc)) : Json(nullptr);
  return Reply::Json200({{"examples", std::move(items)}, {"total", page.total}, {"page", q.page},
                         {"page_size", q.page_size}, {"next_cursor", std::move(next)}});
}

Result<ListQuery> ParseListQuery(const Request& req) {
  ListQuery q;
  Validation v;
  Json params = QueryAsJson(req, {"capability_tags", "capability_tags_all"},
                            {"min_quality_score", "min_effectiveness_score"}, {});
  JsonReader r(params, v, {"query"});
  service::ParseFilterFields(r, &q.filter);
  if (auto p = QueryInt(req, "page", 1, 1000000, v)) q.page = *p;
  if (auto p = QueryInt(req, "page_size", 1, 100, v)) q.page_size = *p;
  if (auto s = r.Enum("sort_by", {"effectiveness_score", "quality_score", "usage_count",
                                  "created_at", "updated_at"})) {
    if (*s == "quality_score") q.sort = storage::ExampleSortKey::kQuality;
    else if (*s == "usage_count") q.sort = storage::ExampleSortKey::kUsage;
    else if (*s == "created_at") q.sort = storage::ExampleSortKey::kCreatedAt;
    else if (*s == "updated_at") q.sort = storage::ExampleSortKey::kUpdatedAt;
  }
  if (auto d = QueryBool(req, "sort_desc", v)) q.desc = *d;
  EXEMPLAR_RETURN_IF_ERROR(v.ToStatus());
  if (auto c = req.Query("cursor")) {
    EXEMPLAR_ASSIGN_OR_RETURN(q.cursor, DecodeExampleCursor(*c, q.sort, q.desc));
  }
  return q;
}

Json BatchToJson(const service::BatchResult& r) {
  Json errors = Json::array();
  for (const auto& e : r.errors) errors.push_back({{"index", e.index}, {"error", e.error}});
  return {{"created_count", r.created_count},   {"failed_count", r.failed_count},
          {"existing_count", r.existing_count}, {"created_ids", r.created_ids},
          {"existing_ids", r.existing_ids},     {"errors", std::move(errors)}};
}

// Validates records into examples; invalid ones become per-item errors (422 detail when atomic).
Result<service::BatchResult> Ingest(Services& s, const std::vector<Json>& records,
                                    const std::vector<size_t>& positions,
                                    std::vector<service::BatchItemError> errors, bool atomic,
                                    const std::vector<std::string>& loc_prefix,
                                    const std::string& created_by) {
  std::vector<Example> items;
  Validation all;
  for (size_t i = 0; i < records.size(); ++i) {
    Validation v;
    auto loc = loc_prefix;
    loc.push_back(std::to_string(positions[i]));
    Example e = service::ExampleFromCreateJson(records[i], v, loc);
    if (!v.ok()) {
      errors.push_back({positions[i], v.errors().front().msg + " at " +
                                          v.errors().front().loc.back()});
      for (const auto& fe : v.errors()) all.Add(fe.loc, fe.msg, fe.type);
      continue;
    }
    if (!created_by.empty()) e.created_by = created_by;
    items.push_back(std::move(e));
  }
  if (atomic && !all.ok()) return all.ToStatus();
  if (atomic && !errors.empty()) {
    return Status::Invalid({{{"body", std::to_string(errors.front().index)}, errors.front().error,
                             "value_error"}});
  }
  return s.examples.Batch(std::move(items), std::move(errors), atomic);
}

// GET /examples/export as a BodyStream: each piece is one page of rows in created_at order.
class ExportStream {
 public:
  // Rows per piece: ~0.5 MB of JSONL for typical examples; bounds the export's memory.
  static constexpr int64_t kPage = 500;

  ExportStream(storage::Store* store, storage::ExampleFilter filter, bool csv)
      : store_(store), filter_(std::move(filter)), csv_(csv) {}

  // Reads the next page into the buffer.
  Status ReadPage() {
    EXEMPLAR_ASSIGN_OR_RETURN(auto page, store_->ListExamples(filter_, storage::ExampleSortKey::kCreatedAt, false,
                                                              offset_, kPage));
    page_ = std::move(page.examples);
    offset_ += static_cast<int64_t>(page_.size());
    last_ = static_cast<int64_t>(page_.size()) < kPage;
    return Status::Ok();
  }

  BodyStream::Step Next(std::string* out) {
    if (finished_) return BodyStream::Step::kDone;
    if (!started_ && csv_) *out = service::CsvHeader();
    if (!started_ && !csv_ && page_.empty()) *out = "\n";  // an empty export is one empty line, as before
    started_ = true;
    for (const auto& e : page_) *out += csv_ ? service::ExampleToCsvRow(e) : service::ExampleToJsonl(e);
    page_.clear();
    if (last_) {
      finished_ = true;
    } else if (Status st = ReadPage(); !st.ok()) {
      spdlog::error("export stopped after {} rows: {}", offset_, st.ToString());
      return BodyStream::Step::kFailed;
    }
    return BodyStream::Step::kData;
  }

 private:
  storage::Store* store_;
  storage::ExampleFilter filter_;
  bool csv_;
  int64_t offset_ = 0;
  std::vector<Example> page_;
  bool last_ = false, started_ = false, finished_ = false;
};

}  // namespace

void AddExampleRoutes(std::vector<Route>& routes, Services& s) {
  const std::string base = "/api/v1/examples";
  routes.push_back({"GET", base, "List examples with filters, sorting and paging (page or cursor)", "examples",
                    [&s](const Request& req) -> Result<Reply> {
                      EXEMPLAR_ASSIGN_OR_RETURN(ListQuery q, ParseListQuery(req));
                      return ListPage(s, q);
                    }});
  routes.push_back({"POST", base, "Create an example", "examples",
                    [&s](const Request& req) -> Result<Reply> {
                      EXEMPLAR_ASSIGN_OR_RETURN(Json body, ParseJsonObject(req));
                      Validation v;
                      Example e = service::ExampleFromCreateJson(body, v, {"body"});
                      EXEMPLAR_RETURN_IF_ERROR(v.ToStatus());
                      if (!req.user.empty()) e.created_by = req.user;
                      EXEMPLAR_ASSIGN_OR_RETURN(Example created, s.examples.Create(std::move(e)));
                      return Reply::Created(service::ExampleToJson(created));
                    }});
  routes.push_back({"POST", base + "/batch", "Create up to 1000 examples (atomic by default)", "examples",
                    [&s](const Request& req) -> Result<Reply> {
                      EXEMPLAR_ASSIGN_OR_RETURN(Json body, ParseJsonObject(req));
                      Validation v;
                      JsonReader r(body, v);
                      bool atomic = r.Bool("atomic").value_or(true);
                      r.Allow({"examples"});
                      r.RejectUnknownKeys();
                      const Json* list = body.contains("examples") ? &body["examples"] : nullptr;
                      if (!list || !list->is_array()) {
                        v.Add({"body", "examples"}, "field required: a list of examples", "value_error.missing");
                      } else if (list->empty() || list->size() > kMaxBatchItems) {
                        v.Add({"body", "examples"}, "must hold 1 to 1000 items", "value_error.list.size");
                      }
                      EXEMPLAR_RETURN_IF_ERROR(v.ToStatus());
                      std::vector<Json> records(list->begin(), list->end());
                      std::vector<size_t> positions(records.size());
                      for (size_t i = 0; i < positions.size(); ++i) positions[i] = i;
                      EXEMPLAR_ASSIGN_OR_RETURN(auto result, Ingest(s, records, positions, {}, atomic,
                                                                    {"body", "examples"}, req.user));
                      return Reply::Created(BatchToJson(result));
                    }});
  routes.push_back({"POST", base + "/import", "Import examples from JSONL, a JSON array or CSV", "examples",
                    [&s](const Request& req) -> Result<Reply> {
                      std::string ct = req.Header("content-type");
                      std::string fmt = req.Query("format").value_or("");
                      service::ExampleFormat format;
                      if (fmt == "csv" || (fmt.empty() && ct.find("csv") != std::string::npos)) {
                        format = service::ExampleFormat::kCsv;
                      } else if (fmt == "jsonl" || (fmt.empty() && (ct.find("ndjson") != std::string::npos ||
                                                                    ct.find("jsonl") != std::string::npos))) {
                        format = service::ExampleFormat::kJsonl;
                      } else if (fmt == "json" || (fmt.empty() && ct.find("json") != std::string::npos)) {
                        format = service::ExampleFormat::kJsonArray;
                      } else if (fmt.empty()) {
                        return Status(Code::kUnsupportedMedia,
                                      "send text/csv, application/x-ndjson or application/json, or set ?format=");
                      } else {
                        return Status::Invalid({{{"query", "format"}, "must be one of: jsonl, json, csv",
                                                 "type_error.enum"}});
                      }
                      Validation v;
                      bool atomic = QueryBool(req, "atomic", v).value_or(false);
                      EXEMPLAR_RETURN_IF_ERROR(v.ToStatus());
                      EXEMPLAR_ASSIGN_OR_RETURN(auto parsed, service::ParseImport(req.body, format, kMaxImportRecords));
                      std::vector<service::BatchItemError> errors;
                      for (auto& [i, msg] : parsed.errors) errors.push_back({i, msg});
                      EXEMPLAR_ASSIGN_OR_RETURN(auto result, Ingest(s, parsed.records, parsed.record_index,
                                                                    std::move(errors), atomic, {"body"}, req.user));
                      Json out = BatchToJson(result);
                      out["total_records"] = parsed.total;
                      return Reply::Created(out);
                    }});
  routes.push_back({"GET", base + "/export", "Export examples as JSONL or CSV (list filters apply)", "examples",
                    [&s](const Request& req) -> Result<Reply> {
                      std::string fmt = req.Query("format").value_or("jsonl");
                      if (fmt != "jsonl" && fmt != "csv") {
                        return Status::Invalid({{{"query", "format"}, "must be one of: jsonl, csv", "type_error.enum"}});
                      }
                      EXEMPLAR_ASSIGN_OR_RETURN(ListQuery q, ParseListQuery(req));
                      Reply reply;
                      reply.content_type = fmt == "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson";
                      reply.headers["Content-Disposition"] =
                          std::string("attachment; filename=\"examples.") + fmt + "\"";
                      // Streamed a page at a time (chunked), so memory stays flat whatever the
                      // store's size; the first page is read here, so a store error is a status.
                      auto export_rows = std::make_shared<ExportStream>(&s.store, std::move(q.filter), fmt == "csv");
                      EXEMPLAR_RETURN_IF_ERROR(export_rows->ReadPage());
                      reply.stream = std::make_shared<BodyStream>();
                      reply.stream->next = [export_rows](std::string* out) { return export_rows->Next(out); };
                      return reply;
                    }});
  routes.push_back({"POST", base + "/regenerate-embeddings",
                    "Re-embed examples without an embedding (or all with ?force=true)", "examples",
                    [&s](const Request& req) -> Result<Reply> {
                      Validation v;
                      bool all = QueryBool(req, "force", v).value_or(false);
                      EXEMPLAR_RETURN_IF_ERROR(v.ToStatus());
                      if (!req.body.empty()) {
                        EXEMPLAR_ASSIGN_OR_RETURN(Json body, ParseJson(req));
                        if (body.is_object()) {
                          JsonReader r(body, v);
                          all = r.Bool("force").value_or(all) || r.Bool("all").value_or(false);
                          r.RejectUnknownKeys();
                          EXEMPLAR_RETURN_IF_ERROR(v.ToStatus());
                        }
                      }
                      EXEMPLAR_ASSIGN_OR_RETURN(auto r, s.examples.RegenerateEmbeddings(all));
                      return Reply::Json200({{"processed", r.processed},
                                             {"skipped", r.skipped},
                                             {"errors", r.errors},
                                             {"model", r.model}});
                    }});
  routes.push_back({"GET", base + "/databit/{databit_id}", "Examples of one template (DataBit)", "examples",
                    [&s](const Request& req) -> Result<Reply> {
                      EXEMPLAR_ASSIGN_OR_RETURN(ListQuery q, ParseListQuery(req));
                      q.filter.databit_id = req.path_params.at(0);
                      return ListPage(s, q);
                    }});
  routes.push_back({"GET", base + "/{id}", "Get one example", "examples",
                    [&s](const Request& req) -> Result<Reply> {
                      EXEMPLAR_ASSIGN_OR_RETURN(std::string id, PathUuid(req, 0, "Example"));
                      Validation v;
                      // A deleted example is hidden unless asked for (lineage and history views).
                      const bool deleted_too = QueryBool(req, "include_deleted", v).value_or(false);
                      EXEMPLAR_RETURN_IF_ERROR(v.ToStatus());
                      if (deleted_too) {
                        EXEMPLAR_ASSIGN_OR_RETURN(Example e, s.examples.GetIncludingDeleted(id));
                        return Reply::Json200(service::ExampleWithTombstoneJson(e));
                      }
                      EXEMPLAR_ASSIGN_OR_RETURN(Example e, s.examples.Get(id));
                      return Reply::Json200(service::ExampleToJson(e));
                    }});
  routes.push_back({"PUT", base + "/{id}", "Update an example (partial; null clears a field)", "examples",
                    [&s](const Request& req) -> Result<Reply> {
                      EXEMPLAR_ASSIGN_OR_RETURN(std::string id, PathUuid(req, 0, "Example"));
                      EXEMPLAR_ASSIGN_OR_RETURN(Json body, ParseJsonObject(req));
                      EXEMPLAR_ASSIGN_OR_RETURN(Example e, s.examples.Update(id, body));
                      return Reply::Json200(service::ExampleToJson(e));
                    }});
  routes.push_back({"DELETE", base + "/{id}",
                    "Delete an example: hidden, versions and lineage kept (restore brings it back); "
                    "?purge=true (admin) erases its content, keeping a hash and the audit record",
                    "examples", [&s](const Request& req) -> Result<Reply> {
                      EXEMPLAR_ASSIGN_OR_RETURN(std::string id, PathUuid(req, 0, "Example"));
                      Validation v;
                      const bool purge = QueryBool(req, "purge", v).value_or(false);
                      EXEMPLAR_RETURN_IF_ERROR(v.ToStatus());
                      std::optional<std::string> user;
                      if (!req.user.empty()) user = req.user;
                      EXEMPLAR_RETURN_IF_ERROR(purge ? s.examples.Purge(id, user) : s.examples.Delete(id, user));
                      return Reply::NoContent();
                    }});
  routes.push_back({"GET", base + "/{id}/versions", "Version history of an example", "examples",
                    [&s](const Request& req) -> Result<Reply> {
                      EXEMPLAR_ASSIGN_OR_RETURN(std::string id, PathUuid(req, 0, "Example"));
                      EXEMPLAR_ASSIGN_OR_RETURN(auto versions, s.examples.Versions(id));
                      Json items = Json::array();
                      for (const auto& v : versions) {
                        items.push_back({{"version", v.version},
                                         {"snapshot", Json::parse(v.snapshot_json, nullptr, false)},
                                         {"replaced_at", FormatRfc3339(v.created_at)}});
                      }
                      return Reply::Json200({{"example_id", id}, {"versions", std::move(items)}});
                    }});
}

}  // namespace exemplar::api

// Examples resource: CRUD, history, batch, import and export (SPEC §2.2).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <unordered_map>

#include "api/list_cursor.h"
#include "api/routes.h"
#include "common/field_loc.h"
#include "common/ids.h"
#include "service/examples/example_io.h"
#include "common/time.h"
#include "service/examples/example_json.h"
#include "service/quality/pii.h"

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
  std::optional<storage::ExampleCursor> cursor;  // or page
  Json page_field;                                // what the answer says: page, or null by cursor
};

// One page by cursor (keyset: any depth at index speed) or by page number (an offset).
Result<Reply> ListPage(Services& s, ListQuery q) {
  s.examples.ResolveFilter(&q.filter);
  storage::ExampleListQuery lq{q.filter, q.sort, q.desc, (q.page - 1) * q.page_size, q.page_size, q.cursor};
  EXEMPLAR_ASSIGN_OR_RETURN(auto page, s.store.ListExamples(lq));
  Json items = Json::array();
  for (const auto& e : page.examples) items.push_back(service::ExampleToJson(e));
  Json next = page.next ? Json(EncodeExampleCursor(*page.next, q.sort, q.desc)) : Json(nullptr);
  return Reply::Json200({{"examples", std::move(items)}, {"total", page.total}, {"page", q.page_field},
                         {"page_size", q.page_size}, {"next_cursor", std::move(next)}});
}

Result<ListQuery> ParseListQuery(const Request& req) {
  ListQuery q;
  Validation v;
  Json params = QueryAsJson(req, {"capability_tags", "capability_tags_all"},
                            {"min_quality_score", "min_effectiveness_score"}, {});
  // Content filters: `output.defect_type=crack`; a repeated parameter means any of its values.
  for (const auto& [k, val] : req.query) {
    if (k.rfind("input.", 0) != 0 && k.rfind("output.", 0) != 0) continue;
    if (!params[k].is_array()) params[k] = Json::array();
    params[k].push_back(val);
  }
  for (auto& [k, val] : params.items()) {
    if ((k.rfind("input.", 0) == 0 || k.rfind("output.", 0) == 0) && val.size() == 1) val = Json(val[0]);
  }
  JsonReader r(params, v, {"query"});
  service::ParseFilterFields(r, &q.filter, true);
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
  CheckPageOrCursor(req, v);
  EXEMPLAR_RETURN_IF_ERROR(v.ToStatus());
  q.page_field = PageField(req, q.page);
  if (auto c = req.Query("cursor")) {
    EXEMPLAR_ASSIGN_OR_RETURN(q.cursor, DecodeExampleCursor(*c, q.sort, q.desc));
  }
  return q;
}

Json BatchToJson(const service::BatchResult& r) {
  Json errors = Json::array();
  for (const auto& e : r.errors) {
    Json j = {{"index", e.index}, {"error", e.error}};
    if (!e.loc.empty()) j["loc"] = LocToJson(e.loc);  // indexes as integers, as in a 422's detail
    if (!e.type.empty()) j["type"] = e.type;
    errors.push_back(std::move(j));
  }
  Json warnings = Json::array();
  for (const auto& w : r.warnings) {
    Json j = service::WarningToJson(w.warning);
    j["index"] = w.index;
    if (!w.item_id.empty()) j["item_id"] = w.item_id;
    warnings.push_back(std::move(j));
  }
  return {{"created_count", r.created_count},   {"failed_count", r.failed_count},
          {"existing_count", r.existing_count}, {"created_ids", r.created_ids},
          {"existing_ids", r.existing_ids},     {"errors", std::move(errors)},
          {"warnings", std::move(warnings)}};
}

// The answer to a batch or import: 201 when something was created, 200 when every record was
// already stored, and 422 when nothing was stored at all, with the report and each record's error
// as the error's detail (a per-item write where every item failed is no success).
Reply BatchReply(const service::BatchResult& r, Json report, const std::vector<std::string>& loc_prefix,
                 const std::string& request_id) {
  if (r.created_count > 0) return Reply::Created(std::move(report));
  if (r.failed_count == 0 && r.existing_count > 0) return Reply::Json200(std::move(report));
  std::vector<FieldError> errors;
  for (const auto& e : r.errors) {
    std::vector<std::string> loc = e.loc;
    if (loc.empty()) {
      loc = loc_prefix;
      loc.push_back(std::to_string(e.index));
    }
    errors.push_back({std::move(loc), e.error, e.type.empty() ? "value_error" : e.type});
  }
  Status refused = errors.empty() ? Status::InvalidArgument("no records to import") : Status::Invalid(std::move(errors));
  Json error = ErrorBody(refused, request_id);  // items() of a temporary would dangle
  for (auto& [key, value] : error.items()) report[key] = std::move(value);
  return Reply{422, std::move(report)};
}

Json WarningsToJson(const std::vector<service::QualityWarning>& ws) {
  Json out = Json::array();
  for (const auto& w : ws) out.push_back(service::WarningToJson(w));
  return out;
}

// The quality policies of a write: the server's defaults, then ?on_duplicate= and ?on_secret=
// (allow | reject), then the same keys of a batch body.
Result<service::WriteOptions> ParseWriteOptions(const Services& s, const Request& req, JsonReader* body) {
  service::WriteOptions o = service::DefaultWriteOptions(s.config);
  Validation v;
  auto apply = [&](const std::optional<std::string>& dup, const std::optional<std::string>& secret,
                   std::vector<std::string> loc_dup, std::vector<std::string> loc_secret) {
    if (dup) {
      if (auto p = service::ParseDuplicatePolicy(*dup)) o.on_duplicate = *p;
      else v.Add(loc_dup, "must be one of: allow, warn, reject", "type_error.enum");
    }
    if (secret) {
      if (*secret == "allow" || *secret == "reject") o.reject_secrets = *secret == "reject";
      else v.Add(loc_secret, "must be one of: allow, reject", "type_error.enum");
    }
  };
  apply(req.Query("on_duplicate"), req.Query("on_secret"), {"query", "on_duplicate"}, {"query", "on_secret"});
  if (body) {
    auto dup = body->Enum("on_duplicate", {"allow", "warn", "reject"});
    auto secret = body->Enum("on_secret", {"allow", "reject"});
    apply(dup, secret, body->Loc("on_duplicate"), body->Loc("on_secret"));
  }
  EXEMPLAR_RETURN_IF_ERROR(v.ToStatus());
  return o;
}

// What a malformed If-Match on an example should have been.
constexpr const char* kExampleETag = "the example's version, e.g. \"3\"";

std::string ETagOf(const Example& e) { return NumberETag(e.version); }

// Validates records into examples; invalid ones become per-item errors (422 detail when atomic).
// `labels` (an import's, parallel to `records`, else null) start each record's message.
Result<service::BatchResult> Ingest(Services& s, const std::vector<Json>& records,
                                    const std::vector<size_t>& positions,
                                    std::vector<service::BatchItemError> errors, bool atomic,
                                    const std::vector<std::string>& loc_prefix,
                                    const std::string& created_by, service::WriteOptions o,
                                    const std::vector<std::string>* labels = nullptr) {
  std::vector<Example> items;
  Validation all;
  for (size_t i = 0; i < records.size(); ++i) {
    Validation v;
    auto loc = loc_prefix;
    loc.push_back(std::to_string(positions[i]));
    Example e = service::ExampleFromCreateJson(records[i], v, loc);
    if (!v.ok()) {
      const FieldError& fe = v.errors().front();
      errors.push_back({positions[i],
                        labels ? service::RecordErrorText((*labels)[i], fe.msg, fe.loc, loc.size())
                               : fe.msg + " at " + LocPartText(fe.loc.back()),
                        fe.loc, fe.type});
      for (const auto& fe : v.errors()) all.Add(fe.loc, fe.msg, fe.type);
      continue;
    }
    if (!created_by.empty()) e.created_by = created_by;
    items.push_back(std::move(e));
  }
  if (atomic && !all.ok()) return all.ToStatus();
  if (atomic && !errors.empty()) {
    const auto& first = errors.front();
    std::vector<std::string> loc = first.loc;
    if (loc.empty()) loc = {"body", std::to_string(first.index)};
    return Status::Invalid({{std::move(loc), first.error, first.type.empty() ? "value_error" : first.type}});
  }
  o.loc = loc_prefix;
  o.indexed = true;
  return s.examples.Batch(std::move(items), std::move(errors), atomic, o);
}

// GET /examples/export as a BodyStream: each piece is one page of rows in created_at order, read
// with a keyset cursor and no count, so every page costs the same however deep the export is
// (offset pages made a 1M-row export quadratic: 97 s).
class ExportStream {
 public:
  // Rows per piece: ~0.5 MB of JSONL for typical examples; bounds the export's memory.
  static constexpr int64_t kPage = 500;

  ExportStream(storage::Store* store, storage::ExampleFilter filter, bool csv, bool redact)
      : store_(store), filter_(std::move(filter)), csv_(csv), redact_(redact) {}

  // Reads the next page into the buffer.
  Status ReadPage() {
    storage::ExampleListQuery q{filter_, storage::ExampleSortKey::kCreatedAt, false, 0, kPage, after_};
    q.count_total = false;
    EXEMPLAR_ASSIGN_OR_RETURN(auto page, store_->ListExamples(q));
    page_ = std::move(page.examples);
    rows_ += static_cast<int64_t>(page_.size());
    after_ = page.next;
    last_ = !after_;
    return Status::Ok();
  }

  BodyStream::Step Next(std::string* out) {
    if (finished_) return BodyStream::Step::kDone;
    if (!started_ && csv_) *out = service::CsvHeader();
    if (!started_ && !csv_ && page_.empty()) *out = "\n";  // an empty export is one empty line, as before
    started_ = true;
    for (auto& e : page_) {
      if (redact_) e = service::RedactExample(std::move(e));
      *out += csv_ ? service::ExampleToCsvRow(e) : service::ExampleToJsonl(e);
    }
    page_.clear();
    if (last_) {
      finished_ = true;
    } else if (Status st = ReadPage(); !st.ok()) {
      spdlog::error("export stopped after {} rows: {}", rows_, st.ToString());
      return BodyStream::Step::kFailed;
    }
    return BodyStream::Step::kData;
  }

 private:
  storage::Store* store_;
  storage::ExampleFilter filter_;
  bool csv_, redact_;
  int64_t rows_ = 0;
  std::optional<storage::ExampleCursor> after_;
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
                      EXEMPLAR_ASSIGN_OR_RETURN(auto options, ParseWriteOptions(s, req, nullptr));
                      Validation v;
                      Example e = service::ExampleFromCreateJson(body, v, {"body"});
                      EXEMPLAR_RETURN_IF_ERROR(v.ToStatus());
                      if (!req.user.empty()) e.created_by = req.user;
                      EXEMPLAR_ASSIGN_OR_RETURN(auto created, s.examples.Create(std::move(e), options));
                      Json out = service::ExampleToJson(created.example);
                      out["warnings"] = WarningsToJson(created.warnings);
                      // A retry (client_id or example_id of a stored example, same content) is no
                      // create: 200 with the example as stored; its other fields are not applied.
                      if (created.existing) return Reply::Json200(std::move(out));
                      return Reply::Created(out);
                    }});
  routes.push_back({"POST", base + "/batch", "Create up to 1000 examples (atomic by default; 422 with the report when none is stored)", "examples",
                    [&s](const Request& req) -> Result<Reply> {
                      EXEMPLAR_ASSIGN_OR_RETURN(Json body, ParseJsonObject(req));
                      Validation v;
                      JsonReader r(body, v);
                      bool atomic = r.Bool("atomic").value_or(true);
                      EXEMPLAR_ASSIGN_OR_RETURN(auto options, ParseWriteOptions(s, req, &r));
                      r.Allow({"examples"});
                      r.RejectUnknownKeys();
                      const Json* list = body.contains("examples") ? &body["examples"] : nullptr;
                      if (!list || !list->is_array()) {
                        v.Add({"body", "examples"}, "field required: a list of examples", "value_error.missing");
                      } else if (list->empty() || list->size() > kMaxBatchItems) {
                        v.Add({"body", "examples"}, "must hold 1 to 1000 items", "value_error.list.size");
                      }
                      EXEMPLAR_RETURN_IF_ERROR(v.ToStatus());
                      // Moved out of the body, not copied: the body is not read again.
                      std::vector<Json> records = std::move(body["examples"].get_ref<Json::array_t&>());
                      std::vector<size_t> positions(records.size());
                      for (size_t i = 0; i < positions.size(); ++i) positions[i] = i;
                      EXEMPLAR_ASSIGN_OR_RETURN(auto result, Ingest(s, records, positions, {}, atomic,
                                                                    {"body", "examples"}, req.user, options));
                      return BatchReply(result, BatchToJson(result), {"body", "examples"}, req.request_id);
                    }});
  routes.push_back({"POST", base + "/import", "Import examples from JSONL, a JSON array or CSV (422 with the report when none is stored)", "examples",
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
                      EXEMPLAR_ASSIGN_OR_RETURN(auto options, ParseWriteOptions(s, req, nullptr));
                      EXEMPLAR_ASSIGN_OR_RETURN(auto parsed, service::ParseImport(req.body, format, kMaxImportRecords));
                      std::unordered_map<size_t, std::string> label_at;  // index → "line 3"
                      for (size_t i = 0; i < parsed.records.size(); ++i) label_at[parsed.record_index[i]] = parsed.labels[i];
                      EXEMPLAR_ASSIGN_OR_RETURN(auto result, Ingest(s, parsed.records, parsed.record_index,
                                                                    std::move(parsed.errors), atomic, {"body"},
                                                                    req.user, options, &parsed.labels));
                      // Every record's error names where the record is, also one the store refused
                      // (a duplicate, a client id that names other content).
                      for (auto& e : result.errors) {
                        if (e.loc.empty()) e.loc = {"body", std::to_string(e.index)};
                        auto it = label_at.find(e.index);
                        if (it != label_at.end() && e.error.rfind(it->second + ": ", 0) != 0) {
                          e.error = it->second + ": " + e.error;
                        }
                      }
                      Json out = BatchToJson(result);
                      out["total_records"] = parsed.total;
                      return BatchReply(result, std::move(out), {"body"}, req.request_id);
                    }});
  routes.push_back({"GET", base + "/export", "Export examples as JSONL or CSV (list filters apply; redact=true masks PII)", "examples",
                    [&s](const Request& req) -> Result<Reply> {
                      std::string fmt = req.Query("format").value_or("jsonl");
                      if (fmt != "jsonl" && fmt != "csv") {
                        return Status::Invalid({{{"query", "format"}, "must be one of: jsonl, csv", "type_error.enum"}});
                      }
                      EXEMPLAR_ASSIGN_OR_RETURN(ListQuery q, ParseListQuery(req));
                      Validation rv;
                      bool redact = QueryBool(req, "redact", rv).value_or(false);
                      EXEMPLAR_RETURN_IF_ERROR(rv.ToStatus());
                      s.examples.ResolveFilter(&q.filter);
                      Reply reply;
                      reply.content_type = fmt == "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson";
                      reply.headers["Content-Disposition"] =
                          std::string("attachment; filename=\"examples.") + fmt + "\"";
                      // Streamed a page at a time (chunked), so memory stays flat whatever the
                      // store's size; the first page is read here, so a store error is a status.
                      auto export_rows = std::make_shared<ExportStream>(&s.store, std::move(q.filter), fmt == "csv", redact);
                      EXEMPLAR_RETURN_IF_ERROR(export_rows->ReadPage());
                      reply.stream = std::make_shared<BodyStream>();
                      reply.stream->next = [export_rows](std::string* out) { return export_rows->Next(out); };
                      return reply;
                    }});
  AddBulkExampleRoutes(routes, s);  // here: before the /{id} routes, as listed in the OpenAPI document
  routes.push_back({"GET", base + "/databit/{databit_id}", "Examples of one template (DataBit)", "examples",
                    [&s](const Request& req) -> Result<Reply> {
                      // A databit id is a template id: a malformed or unknown one is 404 (SPEC
                      // §2.1, §3), not an empty page. (The path names the template, so the
                      // OpenAPI document declares no databit_id query parameter: one is a 422.)
                      EXEMPLAR_ASSIGN_OR_RETURN(std::string id, PathUuid(req, 0, "Template"));
                      EXEMPLAR_RETURN_IF_ERROR(s.templates.Get(id).status());
                      EXEMPLAR_ASSIGN_OR_RETURN(ListQuery q, ParseListQuery(req));
                      q.filter.databit_id = id;
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
                      Reply reply;  // written as text: no JSON DOM on the hot path
                      reply.raw = service::ExampleJsonText(e);
                      reply.headers["ETag"] = ETagOf(e);  // for If-Match on PUT
                      return reply;
                    }});
  routes.push_back({"PUT", base + "/{id}", "Update an example (partial; null clears a field)", "examples",
                    [&s](const Request& req) -> Result<Reply> {
                      EXEMPLAR_ASSIGN_OR_RETURN(std::string id, PathUuid(req, 0, "Example"));
                      EXEMPLAR_ASSIGN_OR_RETURN(Json body, ParseJsonObject(req));
                      EXEMPLAR_ASSIGN_OR_RETURN(auto options, ParseWriteOptions(s, req, nullptr));
                      EXEMPLAR_ASSIGN_OR_RETURN(options.if_match, ParseIfMatch(req, kExampleETag));
                      EXEMPLAR_ASSIGN_OR_RETURN(auto updated, s.examples.Update(id, body, options));
                      Json out = service::ExampleToJson(updated.example);
                      out["warnings"] = WarningsToJson(updated.warnings);
                      Reply reply = Reply::Json200(out);
                      reply.headers["ETag"] = ETagOf(updated.example);
                      return reply;
                    }});
  routes.push_back({"DELETE", base + "/{id}",
                    "Delete an example: hidden, versions and lineage kept (restore brings it back); "
                    "?purge=true (admin) erases its content, keeping a hash and the audit record",
                    "examples", [&s](const Request& req) -> Result<Reply> {
                      EXEMPLAR_ASSIGN_OR_RETURN(std::string id, PathUuid(req, 0, "Example"));
                      EXEMPLAR_RETURN_IF_ERROR(RequireNoFields(req));  // a DELETE takes no body fields
                      Validation v;
                      const bool purge = QueryBool(req, "purge", v).value_or(false);
                      EXEMPLAR_RETURN_IF_ERROR(v.ToStatus());
                      std::optional<std::string> user;
                      if (!req.user.empty()) user = req.user;
                      EXEMPLAR_RETURN_IF_ERROR(purge ? s.examples.Purge(id, user) : s.examples.Delete(id, user));
                      return Reply::NoContent();
                    }});
  routes.push_back({"GET", base + "/{id}/versions", "Version history of an example, newest first, paged", "examples",
                    [&s](const Request& req) -> Result<Reply> {
                      EXEMPLAR_ASSIGN_OR_RETURN(std::string id, PathUuid(req, 0, "Example"));
                      Validation v;
                      // Paged like the other lists: 100 edits of a 1 MB example made a 96 MB answer.
                      const int64_t page = QueryInt(req, "page", 1, 1000000, v).value_or(1);
                      const int64_t page_size = QueryInt(req, "page_size", 1, 100, v).value_or(20);
                      EXEMPLAR_RETURN_IF_ERROR(v.ToStatus());
                      // A deleted example keeps its history (the trash and lineage views read it).
                      EXEMPLAR_RETURN_IF_ERROR(s.examples.GetIncludingDeleted(id).status());
                      EXEMPLAR_ASSIGN_OR_RETURN(auto versions,
                                                s.store.ListExampleVersionPage(id, (page - 1) * page_size, page_size));
                      Json items = Json::array();
                      for (const auto& v : versions.versions) {
                        items.push_back({{"version", v.version},
                                         {"snapshot", Json::parse(v.snapshot_json, nullptr, false)},
                                         {"replaced_at", FormatRfc3339(v.created_at)}});
                      }
                      return Reply::Json200({{"example_id", id}, {"versions", std::move(items)},
                                             {"total", versions.total}, {"page", page}, {"page_size", page_size}});
                    }});
}

}  // namespace exemplar::api

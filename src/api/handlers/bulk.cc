// Bulk edits of examples (POST /examples/bulk-update, /examples/bulk-delete): a selection by ids
// or by the list filters, changed in one transaction, capped, with a dry run that counts.
#include "api/routes.h"
#include "common/ids.h"
#include "service/examples/example_json.h"

namespace exemplar::api {
namespace {

// The selection of a bulk edit: `ids`, or `filter` (the list filters, content filters included).
Result<std::vector<std::string>> ParseSelection(Services& s, const Json& body, JsonReader& r, Validation& v) {
  // Whether each was given, not whether it parsed: a list over the cap is that one error, not also
  // "give ids or a filter".
  const bool ids_given = r.Raw("ids") != nullptr, filter_given = r.Raw("filter") != nullptr;
  auto ids = r.StringList("ids", service::kMaxBulkExamples, 64);
  std::optional<Json> filter = r.Object("filter");
  if (ids_given && filter_given) v.Add({"body"}, "give either ids or filter, not both", "value_error.bulk.selection");
  if (!ids_given && !filter_given) v.Add({"body"}, "give ids or a filter to select examples", "value_error.missing");
  std::vector<std::string> out;
  if (filter) {
    storage::ExampleFilter f;
    JsonReader fr(*filter, v, {"body", "filter"});
    service::ParseFilterFields(fr, &f, true);
    fr.RejectUnknownKeys();
    if (v.ok()) {
      if (!s.index.catalog().Match(f)) {
        v.Add({"body", "filter"}, "an empty filter would select every example; name at least one condition",
              "value_error.bulk.selection");
      } else {
        out = s.examples.SelectIds(f);
      }
    }
  } else if (ids) {
    for (const auto& id : *ids) {
      if (!IsUuid(id)) return Status::NotFound("Example " + id + " not found");
      out.push_back(NormalizeUuid(id));
    }
  }
  (void)body;
  return out;
}

// The reply of a bulk edit: how many examples the selection matched, and how many changed.
Json BulkToJson(const service::BulkResult& r, const char* verb) {
  return {{"matched", r.matched}, {verb, r.affected}, {"dry_run", r.dry_run}, {"example_ids", r.ids}};
}

}  // namespace

void AddBulkExampleRoutes(std::vector<Route>& routes, Services& s) {
  const std::string base = "/api/v1/examples";
  routes.push_back({"POST", base + "/bulk-update",
                    "Update many examples at once by ids or filter (atomic, versioned, capped; dry_run counts)",
                    "examples", [&s](const Request& req) -> Result<Reply> {
                      EXEMPLAR_ASSIGN_OR_RETURN(Json body, ParseJsonObject(req));
                      Validation v;
                      JsonReader r(body, v);
                      bool dry_run = r.Bool("dry_run").value_or(false);
                      EXEMPLAR_ASSIGN_OR_RETURN(auto ids, ParseSelection(s, body, r, v));
                      service::BulkSet set;
                      if (auto obj = r.Object("set")) {
                        JsonReader sr(*obj, v, {"body", "set"});
                        if (auto t = sr.StringList("tags_add", 1000, 1024)) set.tags_add = *t;
                        if (auto t = sr.StringList("tags_remove", 1000, 1024)) set.tags_remove = *t;
                        if (auto d = sr.String("domain", 1024)) {
                          if (d->empty()) v.Add(sr.Loc("domain"), "must not be empty", "value_error.any_str.min_length");
                          else set.domain = *d;
                        }
                        set.difficulty = sr.Enum("difficulty", service::kDifficulties);
                        if (sr.IsNull("quality_score")) set.quality_score = std::optional<double>();
                        else if (auto q = sr.Number("quality_score", 0.0, 1.0)) set.quality_score = q;
                        if (sr.IsNull("databit_id")) set.databit_id = std::optional<std::string>();
                        else if (auto d = sr.String("databit_id", 1024)) set.databit_id = d;
                        sr.RejectUnknownKeys();
                        if (obj->empty()) v.Add({"body", "set"}, "name at least one change", "value_error.missing");
                      } else {
                        v.Add({"body", "set"}, "field required", "value_error.missing");
                      }
                      r.RejectUnknownKeys();
                      EXEMPLAR_RETURN_IF_ERROR(v.ToStatus());
                      EXEMPLAR_ASSIGN_OR_RETURN(auto result, s.examples.BulkUpdate(ids, set, dry_run));
                      return Reply::Json200(BulkToJson(result, "updated"));
                    }});
  routes.push_back({"POST", base + "/bulk-delete",
                    "Delete many examples at once by ids or filter (atomic, capped; dry_run counts)", "examples",
                    [&s](const Request& req) -> Result<Reply> {
                      EXEMPLAR_ASSIGN_OR_RETURN(Json body, ParseJsonObject(req));
                      Validation v;
                      JsonReader r(body, v);
                      bool dry_run = r.Bool("dry_run").value_or(false);
                      EXEMPLAR_ASSIGN_OR_RETURN(auto ids, ParseSelection(s, body, r, v));
                      r.RejectUnknownKeys();
                      EXEMPLAR_RETURN_IF_ERROR(v.ToStatus());
                      EXEMPLAR_ASSIGN_OR_RETURN(auto result, s.examples.BulkDelete(ids, dry_run));
                      return Reply::Json200(BulkToJson(result, "deleted"));
                    }});
}

}  // namespace exemplar::api

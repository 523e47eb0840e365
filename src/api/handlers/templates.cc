// Templates (DataBits) resource and the lineage views (SPEC §2.2, §4.7).
#include "api/list_cursor.h"
#include "api/routes.h"
#include "service/examples/example_json.h"
#include "service/templates/template_json.h"

namespace exemplar::api {
namespace {

Json PageToJson(const storage::KeyedPage<Template>& p, Json page, int64_t size) {
  Json items = Json::array();
  for (const auto& t : p.items) items.push_back(service::TemplateToJson(t));
  Json next = p.next ? Json(EncodeKeyCursor("templates", *p.next)) : Json(nullptr);
  return {{"templates", items}, {"total", p.total}, {"page", page}, {"page_size", size}, {"next_cursor", next}};
}

// A template's ETag is its updated_at in milliseconds: every write (edit, publish, archive) moves
// it forward (Templates' NextUpdatedAt), and the guarded store write compares it.
Reply WithETag(Reply reply, const Template& t) {
  reply.headers["ETag"] = NumberETag(t.updated_at);
  return reply;
}

// What a malformed If-Match on a template should have been.
constexpr const char* kTemplateETag = "the template's last save (GET /templates/{id} sends it), e.g. \"1733590000123\"";

std::optional<std::string> User(const Request& req) {
  if (req.user.empty()) return std::nullopt;
  return req.user;
}

// Adds label and key attributes to each node of a lineage subgraph.
Json Hydrate(Services& s, const service::Subgraph& g) {
  Json out = service::SubgraphToJson(g);
  for (auto& node : out["nodes"]) {
    std::string type = node["type"], id = node["id"];
    if (type == "template") {
      auto t = s.store.GetTemplate(id);
      if (t.ok()) {
        node["label"] = t->name + " v" + t->version;
        node["attributes"] = {{"name", t->name}, {"version", t->version}, {"status", t->status}};
      } else {
        node["label"] = "template (deleted)";
        node["attributes"] = {{"deleted", true}};
      }
    } else if (type == "example") {
      // Deleted examples keep their content (tombstones): shown, marked, restorable.
      auto e = s.store.GetExampleIncludingDeleted(id);
      if (e.ok()) {
        std::string preview = e->purged_at ? "(content purged)" : e->input_json.substr(0, 60);
        node["label"] = e->function_name.value_or(e->domain) + ": " + preview;
        node["attributes"] = {{"domain", e->domain},
                              {"function_name", e->function_name ? Json(*e->function_name) : Json(nullptr)},
                              {"version", e->version},
                              {"deleted", e->deleted_at.has_value()},
                              {"purged", e->purged_at.has_value()},
                              {"effectiveness_score", e->effectiveness_score() ? Json(*e->effectiveness_score()) : Json(nullptr)}};
        if (!e->purged_at) {
          node["attributes"]["input"] = Json::parse(e->input_json, nullptr, false);
          node["attributes"]["expected_output"] = Json::parse(e->expected_output_json, nullptr, false);
        }
        if (e->content_hash) node["attributes"]["content_hash"] = *e->content_hash;
      } else {
        node["label"] = "example (erased)";
        node["attributes"] = {{"deleted", true}};
      }
    } else if (type == "snapshot") {
      auto snap = s.store.GetSnapshot(id);
      node["label"] = snap.ok() ? "snapshot " + snap->name : "snapshot " + id.substr(0, 8);
      node["attributes"] = snap.ok() ? Json{{"name", snap->name}, {"item_count", snap->item_count}} : Json::object();
    } else if (type == "dspy_program") {
      // "<Module>:<content hash>", "<Module>:run-<run id>", or a legacy bare hash.
      const size_t colon = id.find(':');
      const std::string module = colon == std::string::npos ? "" : id.substr(0, colon);
      const std::string rest = colon == std::string::npos ? id : id.substr(colon + 1);
      node["label"] = "DSPy " + (module.empty() ? std::string() : module + " ") + "program " +
                      (rest.rfind("run-", 0) == 0 ? "from run " + rest.substr(4, 8) : rest.substr(0, 8));
      node["attributes"] = module.empty() ? Json::object() : Json{{"module", module}};
    } else {
      node["label"] = type + " " + id.substr(0, 8);
      node["attributes"] = Json::object();
    }
  }
  return out;
}

Result<service::Direction> ParseDirection(const Request& req, Validation& v) {
  std::string d = req.Query("direction").value_or("both");
  if (d == "upstream") return service::Direction::kUpstream;
  if (d == "downstream") return service::Direction::kDownstream;
  if (d == "both") return service::Direction::kBoth;
  v.Add({"query", "direction"}, "must be one of: upstream, downstream, both", "type_error.enum");
  return service::Direction::kBoth;
}

}  // namespace

void AddTemplateRoutes(std::vector<Route>& routes, Services& s) {
  const std::string base = "/api/v1/templates";
  routes.push_back({"GET", base, "List templates (status, search, page or cursor)", "templates",
                    [&s](const Request& req) -> Result<Reply> {
                      Validation v;
                      int64_t page = QueryInt(req, "page", 1, 1000000, v).value_or(1);
                      int64_t size = QueryInt(req, "page_size", 1, 100, v).value_or(20);
                      auto status = req.Query("status");
                      if (status && std::find(service::kTemplateStatuses.begin(), service::kTemplateStatuses.end(),
                                              *status) == service::kTemplateStatuses.end()) {
                        v.Add({"query", "status"}, "must be one of: draft, published, archived", "type_error.enum");
                      }
                      CheckPageOrCursor(req, v);
                      EXEMPLAR_RETURN_IF_ERROR(v.ToStatus());
                      storage::TemplateListQuery q{status, req.Query("search"), (page - 1) * size, size, std::nullopt};
                      if (auto c = req.Query("cursor")) {
                        EXEMPLAR_ASSIGN_OR_RETURN(q.after, DecodeKeyCursor(*c, "templates"));
                      }
                      EXEMPLAR_ASSIGN_OR_RETURN(auto p, s.templates.List(q));
                      return Reply::Json200(PageToJson(p, PageField(req, page), size));
                    }});
  routes.push_back({"POST", base, "Create a template (draft, version 1.0.0)", "templates",
                    [&s](const Request& req) -> Result<Reply> {
                      EXEMPLAR_ASSIGN_OR_RETURN(Json body, ParseJsonObject(req));
                      EXEMPLAR_ASSIGN_OR_RETURN(Template t, s.templates.Create(body, User(req)));
                      return Reply::Created(service::TemplateToJson(t));
                    }});
  routes.push_back({"GET", base + "/{id}", "Get a template", "templates",
                    [&s](const Request& req) -> Result<Reply> {
                      EXEMPLAR_ASSIGN_OR_RETURN(std::string id, PathUuid(req, 0, "Template"));
                      EXEMPLAR_ASSIGN_OR_RETURN(Template t, s.templates.Get(id));
                      return WithETag(Reply::Json200(service::TemplateToJson(t)), t);  // for If-Match on PUT
                    }});
  routes.push_back({"PUT", base + "/{id}", "Update a draft template (published ones are immutable: 409)", "templates",
                    [&s](const Request& req) -> Result<Reply> {
                      EXEMPLAR_ASSIGN_OR_RETURN(std::string id, PathUuid(req, 0, "Template"));
                      EXEMPLAR_ASSIGN_OR_RETURN(Json body, ParseJsonObject(req));
                      EXEMPLAR_ASSIGN_OR_RETURN(auto if_match, ParseIfMatch(req, kTemplateETag));
                      EXEMPLAR_ASSIGN_OR_RETURN(Template t, s.templates.Update(id, body, if_match));
                      return WithETag(Reply::Json200(service::TemplateToJson(t)), t);
                    }});
  routes.push_back({"DELETE", base + "/{id}",
                    "Delete a template that is not published (?cascade=detach|delete when it has examples)",
                    "templates", [&s](const Request& req) -> Result<Reply> {
                      EXEMPLAR_ASSIGN_OR_RETURN(std::string id, PathUuid(req, 0, "Template"));
                      EXEMPLAR_RETURN_IF_ERROR(RequireNoFields(req));  // a DELETE takes no body fields
                      service::TemplateCascade cascade = service::TemplateCascade::kNone;
                      if (auto c = req.Query("cascade")) {
                        if (*c == "detach") cascade = service::TemplateCascade::kDetach;
                        else if (*c == "delete") cascade = service::TemplateCascade::kDelete;
                        else return Status::Invalid({{{"query", "cascade"}, "must be one of: detach, delete", "type_error.enum"}});
                      }
                      EXEMPLAR_RETURN_IF_ERROR(s.templates.Delete(id, cascade, s.examples));
                      return Reply::NoContent();
                    }});
  auto action = [&](const std::string& verb, const std::string& summary, auto fn) {
    routes.push_back({"POST", base + "/{id}/" + verb, summary, "templates",
                      [&s, fn, verb](const Request& req) -> Result<Reply> {
                        EXEMPLAR_ASSIGN_OR_RETURN(std::string id, PathUuid(req, 0, "Template"));
                        // None of the lifecycle actions takes fields: a key sent is a mistake to report.
                        EXEMPLAR_RETURN_IF_ERROR(RequireNoFields(req));
                        EXEMPLAR_ASSIGN_OR_RETURN(Template t, fn(s, id, req));
                        return Reply{verb == "version" ? 201 : 200, service::TemplateToJson(t)};
                      }});
  };
  action("publish", "Publish a template (freezes it)",
         [](Services& s, const std::string& id, const Request&) { return s.templates.Publish(id); });
  action("archive", "Archive a template",
         [](Services& s, const std::string& id, const Request&) { return s.templates.Archive(id); });
  action("version", "Create a new draft version (parent_template_id set, semver bumped)",
         [](Services& s, const std::string& id, const Request& req) { return s.templates.NewVersion(id, User(req)); });
  routes.push_back({"GET", base + "/{id}/versions", "All versions of a template (same name)", "templates",
                    [&s](const Request& req) -> Result<Reply> {
                      EXEMPLAR_ASSIGN_OR_RETURN(std::string id, PathUuid(req, 0, "Template"));
                      EXEMPLAR_ASSIGN_OR_RETURN(auto versions, s.templates.Versions(id));
                      Json items = Json::array();
                      for (const auto& t : versions) items.push_back(service::TemplateToJson(t));
                      return Reply::Json200({{"template_id", id}, {"versions", items}});
                    }});
  routes.push_back({"GET", base + "/{id}/dspy-signature", "The DSPy signature: JSON, Python code and findings", "dspy",
                    [&s](const Request& req) -> Result<Reply> {
                      EXEMPLAR_ASSIGN_OR_RETURN(std::string id, PathUuid(req, 0, "Template"));
                      EXEMPLAR_ASSIGN_OR_RETURN(Json out, s.dspy_export.Signature(id));
                      return Reply::Json200(std::move(out));
                    }});
  routes.push_back({"POST", base + "/{id}/import-dspy",
                    "Import a program compiled in DSPy (program.save JSON) as a new draft version; "
                    "?create_examples=true stores unmatched demos as examples",
                    "dspy", [&s](const Request& req) -> Result<Reply> {
                      EXEMPLAR_ASSIGN_OR_RETURN(std::string id, PathUuid(req, 0, "Template"));
                      Validation v;
                      const bool create = QueryBool(req, "create_examples", v).value_or(false);
                      EXEMPLAR_RETURN_IF_ERROR(v.ToStatus());
                      // The body is a file the user saved in DSPy: JSON that does not parse is a
                      // 400 as on every route, saying which file was expected.
                      Result<Json> parsed = ParseJsonObject(req);
                      if (!parsed.ok() && parsed.status().code() == Code::kMalformed) {
                        return Status::Malformed("not a DSPy program state (the JSON written by program.save()): " +
                                                 parsed.status().message());
                      }
                      EXEMPLAR_ASSIGN_OR_RETURN(Json state, std::move(parsed));
                      std::optional<std::string> user;
                      if (!req.user.empty()) user = req.user;
                      EXEMPLAR_ASSIGN_OR_RETURN(Json out, s.dspy_import.Import(id, state, create, user));
                      // A repeat of an import answers the version it made: 200, nothing new.
                      if (out["already_imported"] == true) return Reply::Json200(std::move(out));
                      return Reply::Created(std::move(out));
                    }});
  routes.push_back({"POST", base + "/{id}/export-dspy",
                    "Export to DSPy: python_module, program_state, dataset_jsonl, json_config or notebook", "dspy",
                    [&s](const Request& req) -> Result<Reply> {
                      EXEMPLAR_ASSIGN_OR_RETURN(std::string id, PathUuid(req, 0, "Template"));
                      Validation v;
                      const bool download = QueryBool(req, "download", v).value_or(false);
                      EXEMPLAR_RETURN_IF_ERROR(v.ToStatus());
                      EXEMPLAR_ASSIGN_OR_RETURN(Json body, ParseOptionalJsonObject(req));
                      EXEMPLAR_ASSIGN_OR_RETURN(Json out, s.dspy_export.Export(id, body));
                      if (download) {
                        Reply file;
                        file.raw = out["content"].get<std::string>();
                        file.content_type = out["media_type"].get<std::string>();
                        file.headers["Content-Disposition"] =
                            "attachment; filename=\"" + out["filename"].get<std::string>() + "\"";
                        return file;
                      }
                      return Reply::Json200(std::move(out));
                    }});
  routes.push_back({"GET", base + "/{id}/lineage", "Lineage DAG around a template version", "lineage",
                    [&s](const Request& req) -> Result<Reply> {
                      EXEMPLAR_ASSIGN_OR_RETURN(std::string id, PathUuid(req, 0, "Template"));
                      EXEMPLAR_RETURN_IF_ERROR(s.templates.Get(id).status());
                      Validation v;
                      auto dir = ParseDirection(req, v);
                      int depth = static_cast<int>(QueryInt(req, "max_depth", 1, 50, v).value_or(10));
                      EXEMPLAR_RETURN_IF_ERROR(v.ToStatus());
                      EXEMPLAR_ASSIGN_OR_RETURN(auto g, s.lineage.Traverse({"template", id}, *dir, depth));
                      return Reply::Json200(Hydrate(s, g));
                    }});
  routes.push_back({"GET", base + "/{id}/attribution",
                    "Trace to training data: upstream examples and templates with their contributions", "lineage",
                    [&s](const Request& req) -> Result<Reply> {
                      EXEMPLAR_ASSIGN_OR_RETURN(std::string id, PathUuid(req, 0, "Template"));
                      EXEMPLAR_ASSIGN_OR_RETURN(Json out, s.attribution.ForTemplate(id));
                      return Reply::Json200(std::move(out));
                    }});
  routes.push_back({"GET", "/api/v1/examples/{id}/lineage", "Where an example flowed (runs, template versions)", "lineage",
                    [&s](const Request& req) -> Result<Reply> {
                      EXEMPLAR_ASSIGN_OR_RETURN(std::string id, PathUuid(req, 0, "Example"));
                      EXEMPLAR_RETURN_IF_ERROR(s.store.GetExampleIncludingDeleted(id).status());
                      Validation v;
                      auto dir = req.Query("direction") ? ParseDirection(req, v) : Result<service::Direction>(service::Direction::kDownstream);
                      int depth = static_cast<int>(QueryInt(req, "max_depth", 1, 50, v).value_or(10));
                      EXEMPLAR_RETURN_IF_ERROR(v.ToStatus());
                      EXEMPLAR_ASSIGN_OR_RETURN(auto g, s.lineage.Traverse({"example", id}, *dir, depth));
                      return Reply::Json200(Hydrate(s, g));
                    }});
}

}  // namespace exemplar::api

// Templates::Restore: a template exported from another store, stored again with its id, status
// and lineage, so that an export's examples find the templates they name (exemplar import
// --templates).
#include <string>
#include <vector>

#include "common/time.h"
#include "service/audit/audit.h"
#include "service/templates/program_origin.h"
#include "service/templates/template_json.h"
#include "service/templates/templates.h"

namespace exemplar::service {
namespace {

// The fields of `a` and `b` that differ, leaving out what a store sets itself (timestamps, the
// creator) and the status, which moves on after a restore (draft → published → archived).
std::vector<std::string> ContentDifferences(const Template& a, const Template& b) {
  const Json ja = TemplateToJson(a), jb = TemplateToJson(b);
  std::vector<std::string> out;
  for (const auto& [key, value] : ja.items()) {
    if (key == "created_at" || key == "updated_at" || key == "created_by" || key == "status") continue;
    if (!jb.contains(key) || jb[key] != value) out.push_back(key);
  }
  return out;
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace

Result<bool> Templates::Restore(Template t, const std::optional<std::string>& program_node) {
  auto stored = store_.GetTemplate(t.id);
  if (stored.ok()) {
    const auto differences = ContentDifferences(t, *stored);
    if (differences.empty()) return false;
    return Status::AlreadyExists("template " + t.id + " ('" + t.name + "' " + t.version +
                                 ") is already in this store with other content (" + Join(differences) +
                                 "); an id names one template, so it is not replaced");
  }
  if (!stored.status().IsNotFound()) return stored.status();
  std::vector<std::pair<std::string, std::string>> sources;  // (id, relation)
  if (t.parent_template_id) sources.emplace_back(*t.parent_template_id, "version_of");
  for (const auto& src : t.derived_from) sources.emplace_back(src, "derived_from");
  const int64_t now = NowMillis();
  std::vector<LineageEdge> edges;
  for (const auto& [src, relation] : sources) {
    auto source = store_.GetTemplate(src);
    if (source.status().IsNotFound()) {
      return Status::FailedPrecondition("template " + t.id + " ('" + t.name + "' " + t.version + ") is " +
                                        (relation == "version_of" ? "a version of" : "derived from") + " template " +
                                        src + ", which is not in this store; restore that one first");
    }
    EXEMPLAR_RETURN_IF_ERROR(source.status());
    edges.push_back({"template", src, "template", t.id, relation, now});
  }
  if (program_node) edges.push_back({kProgramNode, *program_node, "template", t.id, kImportedAs, now});
  EXEMPLAR_RETURN_IF_ERROR(purged_.ScrubTemplate(t));
  EXEMPLAR_ASSIGN_OR_RETURN(auto inline_edges, provenance_.InlineExampleEdges(t));
  for (auto& e : inline_edges) {
    e.created_at = now;
    edges.push_back(std::move(e));
  }
  t.created_at = t.updated_at = now;
  audit::Describe("template", {t.id}, {{"restored", true}, {"name", t.name}, {"version", t.version}});
  auto inserted = store_.InsertTemplateVersion(t, edges, std::nullopt, now);
  if (inserted.status().code() == Code::kAlreadyExists) {
    return Status::AlreadyExists("template " + t.id + " cannot be restored: another template named '" + t.name +
                                 "' with version " + t.version + " is already in this store");
  }
  EXEMPLAR_RETURN_IF_ERROR(inserted.status());
  return true;
}

Status Templates::LinkInlineExamples(const std::string& id) {
  EXEMPLAR_ASSIGN_OR_RETURN(Template t, store_.GetTemplate(id));
  return provenance_.SyncTemplate(t);
}

}  // namespace exemplar::service

#include "cli/template_file.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <set>

#include "cli/commands.h"
#include "service/templates/program_origin.h"
#include "service/templates/template_json.h"
#include "service/templates/templates.h"
#include "storage/audit_context.h"

namespace exemplar::cli {
namespace {

// The key of a line naming the DSPy program its version was made from (program_origin.h).
constexpr const char* kProgramKey = "dspy_program";

// `templates` reordered so that a template's parent and derived_from sources (those among them)
// come before it; otherwise in the given order. kInvalidArgument naming a template on a cycle.
Result<std::vector<Template>> ParentsFirst(std::vector<Template> templates) {
  std::map<std::string, size_t> by_id;
  for (size_t i = 0; i < templates.size(); ++i) by_id.emplace(templates[i].id, i);
  enum class Mark { kNone, kVisiting, kDone };
  std::vector<Mark> marks(templates.size(), Mark::kNone);
  std::vector<size_t> order;
  // Depth-first: lineage chains are short (versions of one name), so recursion depth is small.
  std::function<Status(size_t)> visit = [&](size_t i) -> Status {
    if (marks[i] == Mark::kDone) return Status::Ok();
    if (marks[i] == Mark::kVisiting) {
      return Status::InvalidArgument("template " + templates[i].id + " is its own ancestor (parent / derived_from)");
    }
    marks[i] = Mark::kVisiting;
    std::vector<std::string> sources = templates[i].derived_from;
    if (templates[i].parent_template_id) sources.insert(sources.begin(), *templates[i].parent_template_id);
    for (const auto& src : sources) {
      auto it = by_id.find(src);
      if (it != by_id.end()) EXEMPLAR_RETURN_IF_ERROR(visit(it->second));
    }
    marks[i] = Mark::kDone;
    order.push_back(i);
    return Status::Ok();
  };
  for (size_t i = 0; i < templates.size(); ++i) EXEMPLAR_RETURN_IF_ERROR(visit(i));
  std::vector<Template> out;
  out.reserve(templates.size());
  for (size_t i : order) out.push_back(std::move(templates[i]));
  return out;
}

}  // namespace

Status WriteTemplatesFile(storage::Store& store, const std::string& path, int64_t* count) {
  std::vector<Template> all;
  constexpr int64_t kPage = 500;
  for (int64_t offset = 0;; offset += kPage) {
    EXEMPLAR_ASSIGN_OR_RETURN(auto page, store.ListTemplates(storage::TemplateListQuery{
                                             std::nullopt, std::nullopt, offset, kPage, std::nullopt}));
    for (auto& t : page.items) all.push_back(std::move(t));
    if (static_cast<int64_t>(page.items.size()) < kPage) break;
  }
  // Oldest first, so the file reads as the store grew; ParentsFirst keeps that where it can.
  std::stable_sort(all.begin(), all.end(), [](const Template& a, const Template& b) {
    return a.created_at != b.created_at ? a.created_at < b.created_at : a.id < b.id;
  });
  EXEMPLAR_ASSIGN_OR_RETURN(all, ParentsFirst(std::move(all)));
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (!file.is_open()) return Status::InvalidArgument("cannot write " + path + ": " + std::strerror(errno));
  for (const auto& t : all) {
    Json line = service::TemplateToJson(t);
    EXEMPLAR_ASSIGN_OR_RETURN(std::optional<std::string> program, service::OwnProgramNode(store, t));
    if (program) line[kProgramKey] = *program;
    file << DumpJson(line) << "\n";
  }
  file.close();
  if (!file) return Status::Unavailable("writing the templates to " + path + " failed (disk full?); it is incomplete");
  *count = static_cast<int64_t>(all.size());
  return Status::Ok();
}

Result<RestoredTemplates> RestoreTemplatesFile(Runtime& rt, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in.is_open()) return Status::InvalidArgument("cannot read " + path + ": " + std::strerror(errno));
  std::vector<Template> templates;
  std::map<std::string, std::string> programs;  // template id → program node
  std::set<std::string> ids;
  std::string line;
  for (size_t number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = path + " line " + std::to_string(number);
    Json j = Json::parse(line, nullptr, false);
    if (j.is_discarded()) return Status::InvalidArgument(where + ": not JSON (one template a line)");
    // The program a version was made from (WriteTemplatesFile): not a field of the template.
    std::optional<std::string> program;
    if (j.is_object() && j.contains(kProgramKey)) {
      const Json& node = j[kProgramKey];
      if (!node.is_string() || !service::IsProgramNodeId(node.get<std::string>())) {
        return Status::InvalidArgument(where + ": " + kProgramKey +
                                       " must name the program the version was made from, as exemplar export "
                                       "--templates writes it (\"ChainOfThought:<id>\")");
      }
      program = node.get<std::string>();
      j.erase(kProgramKey);
    }
    Validation v;
    Template t = service::TemplateFromExportJson(j, v);
    if (!v.ok()) {
      Validation fields;  // named as in the file: input_schema.0.name, not body.input_schema.0.name
      for (auto e : v.errors()) {
        if (!e.loc.empty() && e.loc.front() == "body") e.loc.erase(e.loc.begin());
        fields.Add(e.loc, e.msg, e.type);
      }
      return Status::InvalidArgument(where + ": " + FieldErrorsText(fields));
    }
    if (!ids.insert(t.id).second) return Status::InvalidArgument(where + ": template " + t.id + " is listed twice");
    templates.push_back(std::move(t));
    if (program) programs[templates.back().id] = *program;
  }
  EXEMPLAR_ASSIGN_OR_RETURN(templates, ParentsFirst(std::move(templates)));
  RestoredTemplates out;
  for (auto& t : templates) {
    const std::string id = t.id;
    storage::AuditScope audit_scope(CliAuditEntry("import"));
    auto program = programs.find(id);
    EXEMPLAR_ASSIGN_OR_RETURN(bool restored,
                              rt.templates().Restore(std::move(t), program == programs.end()
                                                                       ? std::nullopt
                                                                       : std::optional<std::string>(program->second)));
    if (restored) out.restored_ids.push_back(id);
    else ++out.present;
  }
  return out;
}

}  // namespace exemplar::cli

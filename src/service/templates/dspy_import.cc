#include "service/templates/dspy_import.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <tuple>

#include "common/ids.h"
#include "common/sha256.h"
#include "service/audit/audit.h"
#include "service/lineage/example_matcher.h"
#include "service/lineage/purged_content.h"
#include "service/templates/dspy/program_import.h"
#include "service/templates/dspy/signature.h"
#include "service/templates/program_origin.h"
#include "service/templates/template_family.h"
#include "service/templates/template_json.h"

namespace exemplar::service {
namespace {

// Examples of each template of the family considered when matching demos: a template's whole
// example set in practice (matching is in memory, once per import).
constexpr size_t kMatchPerTemplate = 100000;

// A demo's outputs as an example created from it holds them (reasoning is the LM's, not a label).
Json DemoLabels(const dspy::ImportedDemo& d) {
  Json outputs = d.outputs;
  outputs.erase("reasoning");
  return outputs;
}

std::string DemoContentHash(const dspy::ImportedDemo& d, const std::optional<std::string>& explanation) {
  return audit::ContentHash(DumpJson(d.inputs), DumpJson(DemoLabels(d)), explanation);
}

// Inline examples without how each was linked (example_version, match: written since
// 2026-12-07), so that a program imported before then is still recognised as a repeat.
Json WithoutLinkDetails(Json inline_examples) {
  if (!inline_examples.is_array()) return inline_examples;
  for (Json& ex : inline_examples) {
    if (!ex.is_object()) continue;
    ex.erase("example_version");
    ex.erase("match");
  }
  return inline_examples;
}

// The demos as the program holds them, without which stored example each was linked to: the
// link depends on the store at the time (an example deleted or edited since), the program does
// not, so importing the same file again is a repeat whatever matched in between.
Json DemoContent(Json inline_examples) {
  inline_examples = WithoutLinkDetails(std::move(inline_examples));
  if (!inline_examples.is_array()) return inline_examples;
  for (Json& ex : inline_examples) {
    if (ex.is_object() && !ex.contains("purged")) ex.erase("example_id");
  }
  return inline_examples;
}

// Whether `next` links a demo that `had` (the same demos) left unlinked: the examples created for
// them (?create_examples=true after an import that reported them) make a new version, not a repeat.
bool LinksMore(const Json& next, const Json& had) {
  if (!next.is_array() || !had.is_array() || next.size() != had.size()) return false;
  for (size_t i = 0; i < next.size(); ++i) {
    auto linked = [](const Json& demo) { return demo.is_object() && demo.contains("example_id"); };
    if (linked(next[i]) && !linked(had[i])) return true;
  }
  return false;
}

// Field by field: a repeat of an import also made the same descriptions.
bool SameSchema(const std::vector<SchemaField>& a, const std::vector<SchemaField>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].name || a[i].type != b[i].type || a[i].description != b[i].description ||
        a[i].required != b[i].required) {
      return false;
    }
  }
  return true;
}

// A created example's validation errors, placed on the demo they came from: ["body", "input",
// "question"] becomes ["body", "predict", "demos", "3", "question"] (the file's own path).
Status AtDemo(const Status& st, const std::string& predictor, size_t index) {
  if (st.code() != Code::kInvalidArgument || st.field_errors().empty()) return st;
  std::vector<FieldError> placed;
  for (FieldError fe : st.field_errors()) {
    std::vector<std::string> loc = {"body"};
    if (!predictor.empty()) loc.push_back(predictor);
    loc.insert(loc.end(), {"demos", std::to_string(index)});
    // After "body" and "input"/"expected_output" comes the field, as the demo names it.
    if (fe.loc.size() > 2) loc.insert(loc.end(), fe.loc.begin() + 2, fe.loc.end());
    fe.loc = std::move(loc);
    fe.msg = "demo " + std::to_string(index) + " cannot become an example: " + fe.msg;
    placed.push_back(std::move(fe));
  }
  return Status::Invalid(std::move(placed));
}

constexpr const char* kPurgedReason = "matches a purged example";

std::string DeletedReason(const std::string& example_id) {
  return "example " + example_id + " is deleted: linked all the same (a deleted example keeps its id and content "
         "until purged); restore it to search, retrieve and train on it again";
}

// What an example created from a demo is filed under: the family's root template, which the
// examples of every version name (template_family.h), and the domain and function name most of
// the root's examples have (the first seen among equals), so that it is listed, retrieved and
// trained on with them.
struct CreatedExampleHome {
  std::string databit_id;
  std::string domain = "general";
  std::optional<std::string> function_name;
};

Result<CreatedExampleHome> HomeOfCreatedExamples(storage::Store& store, const Template& parent) {
  EXEMPLAR_ASSIGN_OR_RETURN(std::vector<std::string> line, TemplateLineIds(store, parent));
  CreatedExampleHome home;
  home.databit_id = line.empty() ? parent.id : line.back();
  storage::ExampleFilter f;
  f.databit_id = home.databit_id;
  constexpr int64_t kSampled = 200;  // enough to see what the family's examples are filed under
  EXEMPLAR_ASSIGN_OR_RETURN(auto page, store.ListExamples(f, storage::ExampleSortKey::kCreatedAt, false, 0, kSampled));
  std::vector<std::pair<std::pair<std::string, std::optional<std::string>>, int>> counts;
  for (const Example& e : page.examples) {
    auto key = std::make_pair(e.domain, e.function_name);
    auto it = std::find_if(counts.begin(), counts.end(), [&](const auto& c) { return c.first == key; });
    if (it == counts.end()) counts.push_back({key, 1});
    else ++it->second;
  }
  auto best = std::max_element(counts.begin(), counts.end(),
                               [](const auto& a, const auto& b) { return a.second < b.second; });
  if (best != counts.end()) std::tie(home.domain, home.function_name) = best->first;
  return home;
}

}  // namespace

Result<std::optional<std::string>> DspyImport::PurgedMatch(const dspy::ImportedDemo& d, PurgedHashes& purged_hashes) {
  if (d.example_id) {
    auto named = store_.GetExampleIncludingDeleted(*d.example_id);
    if (named.ok() && named->purged_at) return std::optional<std::string>(named->id);
    if (!named.ok() && !named.status().IsNotFound()) return named.status();
  }
  if (!purged_hashes) {
    PurgedContent purged(store_);
    EXEMPLAR_ASSIGN_OR_RETURN(purged_hashes, purged.PurgedHashes());
  }
  std::vector<std::optional<std::string>> explanations = {std::nullopt};
  if (d.explanation) explanations.push_back(d.explanation);
  for (const auto& explanation : explanations) {
    if (auto it = purged_hashes->find(DemoContentHash(d, explanation)); it != purged_hashes->end()) {
      return std::optional<std::string>(it->second);
    }
  }
  return std::optional<std::string>();
}

Result<std::optional<Template>> DspyImport::FindRepeat(const Template& parent, const Template& next,
                                                        const std::string& node_id) {
  EXEMPLAR_ASSIGN_OR_RETURN(auto edges, store_.EdgesTouching({{kProgramNode, node_id}}, /*upstream=*/false));
  for (const auto& e : edges) {
    if (e.type != kImportedAs || e.target_type != "template" || e.closed_at) continue;
    auto t = store_.GetTemplate(e.target_id);
    if (t.status().IsNotFound()) continue;  // deleted since
    EXEMPLAR_RETURN_IF_ERROR(t.status());
    // Still what the import made (a draft may have been edited since): same prompt and demos.
    if (t->parent_template_id != parent.id || t->prompt_template != next.prompt_template) continue;
    if (!SameSchema(t->input_schema, next.input_schema) || !SameSchema(t->output_schema, next.output_schema)) continue;
    const Json had = Json::parse(t->examples_json, nullptr, false);
    const Json makes = Json::parse(next.examples_json, nullptr, false);
    if (DemoContent(had) != DemoContent(makes) || LinksMore(makes, had)) continue;
    return std::optional<Template>(std::move(t).value());
  }
  return std::optional<Template>();
}

Result<DspyImport::Plan> DspyImport::MatchDemos(const Template& parent, const dspy::ImportedProgram& program,
                                                bool create_examples, const std::optional<std::string>& user) {
  // Demos are matched as the inline examples of every version are (lineage/example_matcher.h):
  // the example a demo names, else by content (input, preferably with the same labels) among those
  // the template embeds, its own, its ancestors' and its sources'. A program exported from a version thus matches that version.
  ExampleMatcher matcher(store_, parent, kMatchPerTemplate);
  Plan plan;
  std::optional<CreatedExampleHome> home;
  if (create_examples) {
    EXEMPLAR_ASSIGN_OR_RETURN(home, HomeOfCreatedExamples(store_, parent));
  }
  PurgedHashes purged_hashes;  // loaded when a demo matches no live example
  for (size_t i = 0; i < program.demos.size(); ++i) {
    const dspy::ImportedDemo& d = program.demos[i];
    std::optional<ExampleMatcher::Match> found;
    if (d.example_id) {
      EXEMPLAR_ASSIGN_OR_RETURN(found, matcher.ById(*d.example_id, /*include_deleted=*/false, &d.inputs, &d.outputs));
    }
    if (!found) {
      EXEMPLAR_ASSIGN_OR_RETURN(found, matcher.ByContent(d.inputs, d.outputs));
    }
    Json entry = {{"index", i}, {"example_id", nullptr}, {"match", "none"}, {"augmented", d.augmented}};
    std::optional<std::string> purged_id;
    if (!found) {
      EXEMPLAR_ASSIGN_OR_RETURN(purged_id, PurgedMatch(d, purged_hashes));
    }
    if (!found && !purged_id) {
      // A deleted example keeps its id and content until purged, and its lineage: a demo that is
      // one (the example it names, or one the parent embeds: a version's own export re-imported)
      // links to it, so restoring the example restores the link too. A live one is preferred.
      if (d.example_id) {
        EXEMPLAR_ASSIGN_OR_RETURN(found, matcher.ById(*d.example_id, /*include_deleted=*/true, &d.inputs, &d.outputs));
        if (found && found->example.purged_at) found.reset();  // PurgedMatch handled it
      }
      if (!found) {
        EXEMPLAR_ASSIGN_OR_RETURN(found, matcher.ByContent(d.inputs, d.outputs, /*include_deleted=*/true));
      }
    }
    if (purged_id) {
      // Erased content stays erased: neither a new example nor an inline copy, only the marker
      // a purge leaves (lineage/purged_content.h).
      Json marker = {{"example_id", *purged_id}, {"purged", true}, {"source", "dspy_import"}};
      if (d.augmented) marker["augmented"] = true;
      plan.inline_examples.push_back(marker);
      entry["purged"] = true;  // so a client need not read the reason to know none can be created
      entry["reason"] = kPurgedReason;
      plan.report.push_back(entry);
      continue;
    }
    std::string example_id;
    int64_t example_version = 0;
    if (found) {
      example_id = found->example.id;
      example_version = found->version;
      entry["match"] = found->how;
      if (found->example.deleted_at) {
        entry["deleted"] = true;
        entry["reason"] = DeletedReason(example_id);
      }
    } else if (create_examples) {
      // Created only once the import is known to make a new version (Import): until then its id
      // stands for it, so the same demo again matches it rather than planning another.
      Example e;
      e.id = NewUuid();
      e.input_json = DumpJson(d.inputs);
      e.expected_output_json = DumpJson(DemoLabels(d));
      e.explanation = d.explanation;
      e.databit_id = home->databit_id;
      e.domain = home->domain;
      e.function_name = home->function_name;
      e.source = "dspy_import";
      e.created_by = user;
      matcher.Add(e);
      example_id = e.id;
      example_version = e.version;
      entry["match"] = "created";
      plan.to_create.emplace_back(i, std::move(e));
    } else {
      const char* kNone =
          "no example of the template, its ancestors or sources has this input, now or in an earlier version "
          "(a deleted example is found only by its id or when the parent version embeds it: restore it and import "
          "again); ?create_examples=true stores it";
      entry["reason"] = d.example_id ? "example " + *d.example_id + " does not exist, and " + kNone : std::string(kNone);
    }
    Json ex = {{"input", d.inputs}, {"output", d.outputs}, {"source", "dspy_import"}};
    if (d.augmented) ex["augmented"] = true;
    if (!example_id.empty()) {
      // The link as the import found it: the version whose content the demo holds (an older one
      // when the example was edited since it was exported) and how, so that attribution and the
      // lineage say what this answer says.
      ex["example_id"] = example_id;
      ex["example_version"] = example_version;
      ex["match"] = entry["match"];
      entry["example_id"] = example_id;
      entry["example_version"] = example_version;
    }
    plan.inline_examples.push_back(ex);
    plan.report.push_back(entry);
  }
  return plan;
}

Result<Json> DspyImport::RepeatReport(const Template& version, const dspy::ImportedProgram& program, Json report) {
  const Json had = Json::parse(version.examples_json, nullptr, false);
  for (size_t i = 0; i < report.size() && i < had.size(); ++i) {
    const Json& ex = had[i];
    // Unlinked there, or a purge marker: so is the demo now (else it would not be a repeat).
    if (!ex.is_object() || IsPurgedCopy(ex) || !ex.contains("example_id") || !ex["example_id"].is_string()) continue;
    const std::string id = ex["example_id"].get<std::string>();
    Json entry = {{"index", i}, {"example_id", id}, {"augmented", program.demos[i].augmented}};
    const std::string now_match = report[i]["match"].get<std::string>();
    entry["match"] = ex.contains("match") && ex["match"].is_string() ? ex["match"].get<std::string>()
                     : report[i]["example_id"] == id                 ? now_match
                                                                     : std::string("id");
    auto e = store_.GetExampleIncludingDeleted(id);
    if (!e.ok() && !e.status().IsNotFound()) return e.status();
    if (ex.contains("example_version") && ex["example_version"].is_number_integer()) {
      entry["example_version"] = ex["example_version"];
    } else if (e.ok()) {
      entry["example_version"] = e->version;  // a version imported before links named theirs
    }
    if (e.ok() && e->deleted_at && !e->purged_at) {
      entry["deleted"] = true;
      entry["reason"] = DeletedReason(id);
    }
    report[i] = std::move(entry);
  }
  return report;
}

Result<Json> DspyImport::Import(const std::string& template_id, const Json& state, bool create_examples,
                                const std::optional<std::string>& user) {
  std::lock_guard lock(mu_);
  EXEMPLAR_ASSIGN_OR_RETURN(Template parent, store_.GetTemplate(template_id));
  EXEMPLAR_ASSIGN_OR_RETURN(dspy::SignatureSpec spec, VersionSignature(store_, parent));
  if (spec.HasErrors()) return dspy::FindingsToStatus(spec.findings);
  EXEMPLAR_ASSIGN_OR_RETURN(dspy::ImportedProgram program, dspy::ParseProgramState(state, spec));
  std::vector<dspy::Finding> findings = program.findings;
  // Nothing is created before the repeat is decided: a repeat answers the version it returns,
  // and an example created for it would be linked from nothing (an orphan).
  EXEMPLAR_ASSIGN_OR_RETURN(Plan plan, MatchDemos(parent, program, create_examples, user));

  Template next = parent;
  next.created_by = user;
  // Unchanged instructions keep the parent's prompt ({field} placeholders and all).
  next.prompt_template = dspy::PromptFromInstructions(parent, spec.instructions, program.instructions);
  next.examples_json = DumpJson(plan.inline_examples);
  // DSPy's load() applies the saved field descriptions, and they are in its prompts: a changed one
  // becomes the field's description on the new version.
  for (const auto& [field, description] : program.descriptions) {
    for (auto* schema : {&next.input_schema, &next.output_schema}) {
      for (SchemaField& f : *schema) {
        if (f.name == field) f.description = description;
      }
    }
  }
  // The program's content as imported: importing it again into the same parent is a repeat.
  auto hash_with = [&](const Json& demos) {
    return Sha256Hex(DumpJson({{"module", std::string(dspy::ModuleName(program.module))},
                               {"instructions", program.instructions},
                               {"fields", program.fields},
                               {"demos", demos}}));
  };
  const std::string content_hash = hash_with(DemoContent(plan.inline_examples));
  // The node names the module, so the version exports as the module imported (program_origin.h).
  const std::string node_id = ProgramNodeId(program.module, content_hash);
  // The demos the examples to create would link count as linked: a repeat links no fewer.
  EXEMPLAR_ASSIGN_OR_RETURN(std::optional<Template> existing, FindRepeat(parent, next, node_id));
  // Imported before the hash left out the links (2026-12-07), or before the node named its module.
  const std::string linked_hash = hash_with(WithoutLinkDetails(plan.inline_examples));
  if (!existing) {
    EXEMPLAR_ASSIGN_OR_RETURN(existing, FindRepeat(parent, next, ProgramNodeId(program.module, linked_hash)));
  }
  if (!existing) {
    EXEMPLAR_ASSIGN_OR_RETURN(existing, FindRepeat(parent, next, linked_hash));
  }
  Template version;
  Json created_ids = Json::array();
  if (existing) {
    version = std::move(*existing);
    // Its own links, which may differ from what matched now (an example deleted since).
    EXEMPLAR_ASSIGN_OR_RETURN(plan.report, RepeatReport(version, program, std::move(plan.report)));
    audit::NotRecorded();  // a repeat changes nothing
  } else {
    // One import, one audit entry: the version's, naming the examples created for it. They are
    // stored first (the version links them) with no entry of their own, and removed again when
    // the version cannot be stored, so a failed import leaves neither.
    std::vector<Example> created;
    Status made = CreatePlanned(plan, program.predictor, created);
    if (!made.ok()) return Undone(made, created);
    std::vector<std::string> audit_ids;
    for (const Example& e : created) audit_ids.push_back(e.id);
    for (const auto& [index, e] : plan.to_create) created_ids.push_back(e.id);
    next.examples_json = DumpJson(plan.inline_examples);
    std::vector<LineageEdge> edges;
    for (size_t i = 0; i < plan.inline_examples.size(); ++i) {
      const Json& ex = plan.inline_examples[i];
      if (IsPurgedCopy(ex) || !ex.contains("example_id")) continue;
      LineageEdge edge{"example", ex["example_id"].get<std::string>(), "template", "",
                       program.demos[i].augmented ? "bootstrapped_from" : "demo_of"};
      edge.example_version = ex["example_version"].get<int64_t>();
      edges.push_back(edge);
    }
    edges.push_back({kProgramNode, node_id, "template", "", kImportedAs});
    auto stored = templates_.CreateVersionFrom(parent, next, edges, audit_ids);
    if (!stored.ok()) return Undone(stored.status(), created);
    version = std::move(stored).value();
  }
  Json unmatched = Json::array();
  size_t deleted_demos = 0, purged_demos = 0;
  for (const Json& entry : plan.report) {
    if (entry["example_id"].is_null()) unmatched.push_back(entry["index"]);
    deleted_demos += entry.value("deleted", false);
    purged_demos += entry.value("reason", "") == kPurgedReason;
  }
  if (deleted_demos > 0) {
    findings.push_back(dspy::Warning("deleted_demos", std::nullopt,
                                     std::to_string(deleted_demos) +
                                         " demo(s) are deleted examples: linked to them (restore them to use them "
                                         "again); see each demo's reason"));
  }
  if (purged_demos > 0) {
    findings.push_back(dspy::Warning("purged_demos", std::nullopt,
                                     std::to_string(purged_demos) +
                                         " demo(s) hold the content of purged examples: it is not imported (the "
                                         "version keeps purge markers) and no example is created from it"));
  }
  return Json{{"template", TemplateToJson(version)},
              {"already_imported", existing.has_value()},
              {"module", std::string(dspy::ModuleName(program.module))},
              {"demos", plan.report},
              {"unmatched", unmatched},
              {"created_example_ids", created_ids},
              {"findings", dspy::FindingsToJson(findings)}};
}

Status DspyImport::CreatePlanned(Plan& plan, const std::string& predictor, std::vector<Example>& created) {
  storage::AuditScope quiet(AuditRecord{});
  audit::NotRecorded();
  for (auto& [index, e] : plan.to_create) {
    const std::string planned = e.id;
    auto stored = examples_.Create(e, WriteOptions{});
    if (!stored.ok()) return AtDemo(stored.status(), predictor, index);
    e = std::move(stored->example);
    if (!stored->existing) created.push_back(e);
    // The demos that matched it (the same demo twice) link what was stored.
    for (size_t i = 0; i < plan.inline_examples.size(); ++i) {
      for (Json* item : {&plan.inline_examples[i], &plan.report[i]}) {
        if (item->value("example_id", Json()) != planned) continue;
        (*item)["example_id"] = e.id;
        (*item)["example_version"] = e.version;
      }
    }
  }
  return Status::Ok();
}

Status DspyImport::Undone(const Status& failure, const std::vector<Example>& created) {
  storage::AuditScope quiet(AuditRecord{});
  audit::NotRecorded();
  Status undone = examples_.Discard(created);
  if (!undone.ok()) {
    spdlog::error("import-dspy: the examples created for a version that was not stored stay: {}", undone.ToString());
  }
  return failure;
}

}  // namespace exemplar::service

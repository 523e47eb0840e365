#include "service/templates/dspy_import.h"

#include "common/ids.h"
#include "common/sha256.h"
#include "service/audit/audit.h"
#include "service/lineage/example_matcher.h"
#include "service/lineage/purged_content.h"
#include "service/templates/dspy/program_import.h"
#include "service/templates/dspy/signature.h"
#include "service/templates/program_origin.h"
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

Result<Json> DspyImport::Import(const std::string& template_id, const Json& state, bool create_examples,
                                const std::optional<std::string>& user) {
  std::lock_guard lock(mu_);
  EXEMPLAR_ASSIGN_OR_RETURN(Template parent, store_.GetTemplate(template_id));
  EXEMPLAR_ASSIGN_OR_RETURN(dspy::SignatureSpec spec, VersionSignature(store_, parent));
  if (spec.HasErrors()) return dspy::FindingsToStatus(spec.findings);
  EXEMPLAR_ASSIGN_OR_RETURN(dspy::ImportedProgram program, dspy::ParseProgramState(state, spec));
  std::vector<dspy::Finding> findings = program.findings;

  // Demos are matched as the inline examples of every version are (lineage/example_matcher.h):
  // the example a demo names, else by content (input, preferably with the same labels) among those
  // the template embeds, its own, its ancestors' and its sources'. A program exported from a version thus matches that version.
  ExampleMatcher matcher(store_, parent, kMatchPerTemplate);
  Json report = Json::array(), unmatched = Json::array(), created_ids = Json::array();
  Json inline_examples = Json::array();
  std::vector<LineageEdge> edges;
  size_t purged_demos = 0;
  PurgedHashes purged_hashes;  // loaded when a demo matches no live example
  size_t deleted_demos = 0;
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
      inline_examples.push_back(marker);
      entry["purged"] = true;  // so a client need not read the reason to know none can be created
      entry["reason"] = "matches a purged example";
      unmatched.push_back(i);
      report.push_back(entry);
      ++purged_demos;
      continue;
    }
    std::string example_id;
    std::optional<int64_t> example_version;
    if (found) {
      example_id = found->example.id;
      example_version = found->version;
      entry["match"] = found->how;
      if (found->example.deleted_at) {
        entry["deleted"] = true;
        entry["reason"] = "example " + example_id + " is deleted: linked all the same (a deleted example keeps its "
                          "id and content until purged); restore it to search, retrieve and train on it again";
        ++deleted_demos;
      }
    } else if (create_examples) {
      Example e;
      e.id = NewUuid();
      e.input_json = DumpJson(d.inputs);
      e.expected_output_json = DumpJson(DemoLabels(d));
      e.explanation = d.explanation;
      e.databit_id = template_id;
      e.source = "dspy_import";
      e.created_by = user;
      auto created = examples_.Create(std::move(e));
      if (!created.ok()) return AtDemo(created.status(), program.predictor, i);
      example_id = created->id;
      example_version = created->version;
      entry["match"] = "created";
      created_ids.push_back(example_id);
      matcher.Add(*created);  // the same demo again matches it rather than making another
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
      ex["example_version"] = *example_version;
      ex["match"] = entry["match"];
      entry["example_id"] = example_id;
      entry["example_version"] = *example_version;
      LineageEdge edge{"example", example_id, "template", "", d.augmented ? "bootstrapped_from" : "demo_of"};
      edge.example_version = example_version;
      edges.push_back(edge);
    } else {
      unmatched.push_back(i);
    }
    inline_examples.push_back(ex);
    report.push_back(entry);
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

  Template next = parent;
  next.created_by = user;
  // Unchanged instructions keep the parent's prompt ({field} placeholders and all).
  next.prompt_template = dspy::PromptFromInstructions(parent, spec.instructions, program.instructions);
  next.examples_json = DumpJson(inline_examples);
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
  const std::string content_hash = hash_with(DemoContent(inline_examples));
  // The node names the module, so the version exports as the module imported (program_origin.h).
  const std::string node_id = ProgramNodeId(program.module, content_hash);
  EXEMPLAR_ASSIGN_OR_RETURN(std::optional<Template> existing, FindRepeat(parent, next, node_id));
  // Imported before the hash left out the links (2026-12-07), or before the node named its module.
  const std::string linked_hash = hash_with(WithoutLinkDetails(inline_examples));
  if (!existing) {
    EXEMPLAR_ASSIGN_OR_RETURN(existing, FindRepeat(parent, next, ProgramNodeId(program.module, linked_hash)));
  }
  if (!existing) {
    EXEMPLAR_ASSIGN_OR_RETURN(existing, FindRepeat(parent, next, linked_hash));
  }
  Template version;
  if (existing) {
    version = std::move(*existing);
  } else {
    edges.push_back({kProgramNode, node_id, "template", "", kImportedAs});
    EXEMPLAR_ASSIGN_OR_RETURN(version, templates_.CreateVersionFrom(parent, next, edges));
  }
  return Json{{"template", TemplateToJson(version)},
              {"already_imported", existing.has_value()},
              {"module", std::string(dspy::ModuleName(program.module))},
              {"demos", report},
              {"unmatched", unmatched},
              {"created_example_ids", created_ids},
              {"findings", dspy::FindingsToJson(findings)}};
}

}  // namespace exemplar::service

#include "service/templates/dspy_export.h"

#include <algorithm>
#include <set>

#include "service/lineage/purged_content.h"
#include "service/quality/pii.h"

#include "service/templates/dspy/export.h"
#include "service/templates/dspy/select.h"
#include "service/templates/dspy/signature.h"
#include "service/templates/program_origin.h"
#include "service/templates/template_family.h"

namespace exemplar::service {

Result<std::vector<Example>> DspyExport::TemplateExamples(const Template& t, size_t limit) {
  return TemplateLineExamples(store_, t, {}, limit);
}

Result<Json> DspyExport::Signature(const std::string& template_id) {
  EXEMPLAR_ASSIGN_OR_RETURN(Template t, store_.GetTemplate(template_id));
  EXEMPLAR_ASSIGN_OR_RETURN(auto examples, TemplateExamples(t, 1000));
  EXEMPLAR_ASSIGN_OR_RETURN(dspy::SignatureSpec spec, VersionSignature(store_, t, examples));
  return Json{{"template_id", t.id},
              {"signature", dspy::RenderSignatureJson(spec)},
              {"python", dspy::RenderSignaturePython(spec)},
              {"findings", dspy::FindingsToJson(spec.findings)},
              {"valid", !spec.HasErrors()}};
}

Result<Json> DspyExport::Export(const std::string& template_id, const Json& body) {
  EXEMPLAR_ASSIGN_OR_RETURN(Template t, store_.GetTemplate(template_id));
  Json opts = body;
  // Shorthand: {"optimizer_type": "MIPROv2"} means {"optimizer": {"type": "MIPROv2"}}; it must be
  // a string, and naming both is ambiguous.
  if (auto it = body.find("optimizer_type"); it != body.end() && !it->is_null()) {
    if (!it->is_string()) {
      return Status::Invalid({{{"body", "optimizer_type"}, "must be a string", "type_error.str"}});
    }
    if (body.contains("optimizer") && !body["optimizer"].is_null()) {
      return Status::Invalid({{{"body", "optimizer_type"},
                               "give optimizer_type or optimizer ({type, ...params}), not both",
                               "value_error.conflict"}});
    }
    opts["optimizer"] = {{"type", *it}};
  }
  EXEMPLAR_ASSIGN_OR_RETURN(dspy::ExportOptions options, dspy::ParseExportOptions(opts));
  Validation v;
  JsonReader r(body, v);
  auto strategy_name = r.Enum("selection", {"top", "diverse", "balanced", "similar"});
  auto query = r.String("query", 64 * 1024);
  size_t max_examples = static_cast<size_t>(r.Int("max_examples", 0, 1000).value_or(16));
  auto min_eff = r.Number("min_effectiveness", 0.0, 1.0);
  auto ids = r.StringList("example_ids", 1000, 64);
  const bool redact = r.Bool("redact").value_or(false);  // mask PII in the exported demos
  // Where the demos come from: the version's own (accepted or imported demos, with their
  // bootstrapped outputs and augmented marks) or examples selected from the store. "auto": the
  // version's own for program formats when it has any, else the store's.
  auto source = r.Enum("example_source", {"auto", "version", "store"}).value_or("auto");
  if (ids && source == "version") {
    v.Add(r.Loc("example_source"), "example_ids select from the store; use example_source \"store\"", "value_error");
  }
  dspy::SelectionStrategy strategy =
      dspy::ParseSelectionStrategy(strategy_name.value_or("top")).value_or(dspy::SelectionStrategy::kTop);
  if (strategy == dspy::SelectionStrategy::kSimilar && (!query || query->empty())) {
    v.Add(r.Loc("query"), "required for selection 'similar'", "value_error.missing");
  }
  // The export options read by dspy::ParseExportOptions, then anything else is a typo.
  r.Allow({"format", "module", "metric", "include_optimizer", "demos_as_program_state", "lm_model", "optimizer",
           "optimizer_type"});
  r.RejectUnknownKeys();
  EXEMPLAR_RETURN_IF_ERROR(v.ToStatus());
  // A version made from a program (an accepted run, an import) exports as that program's module
  // unless the request names one: a ChainOfThought's state is keyed predict.predict and has
  // `reasoning`, and DSPy cannot load a Predict's state into it.
  EXEMPLAR_ASSIGN_OR_RETURN(ProgramOrigin origin, FindProgramOrigin(store_, t));
  if ((!body.contains("module") || body["module"].is_null()) && origin.module) options.module = *origin.module;
  options.literal_instructions = origin.literal_instructions;

  const bool program_format = options.format == dspy::ExportFormat::kProgramState ||
                              options.format == dspy::ExportFormat::kPythonModule ||
                              options.format == dspy::ExportFormat::kNotebook;
  std::vector<bool> augmented;
  bool program_demos = false;
  size_t purged = 0;
  std::vector<Example> own = VersionDemos(t, &augmented, &program_demos, &purged);
  // A program's empty demo set is its choice (a zero-shot candidate won; the imported program had
  // none): it exports with none rather than with the store's examples.
  const bool zero_shot_program = origin.from_program && own.empty() && purged == 0;
  program_demos |= zero_shot_program;
  // "auto" takes the version's own demos when they came from a run or an import (hand-written
  // inline examples are not a program's demos) unless the request names stored examples; the
  // store's selection options apply with example_source "store" (or a version without demos).
  if (source == "version" || (source == "auto" && !ids && program_format && program_demos)) {
    // A dataset holds labels: a bootstrapped demo's outputs (and reasoning) are an LM's, so it is
    // left out, as python_module keeps it out of its trainset (program_state keeps it, marked).
    size_t bootstrapped = 0;
    const bool dataset = options.format == dspy::ExportFormat::kDatasetJsonl;
    EXEMPLAR_ASSIGN_OR_RETURN(Json changed, ChangedDemoFindings(t, dataset));
    if (dataset) {
      std::vector<Example> labeled;
      for (size_t i = 0; i < own.size(); ++i) {
        if (i < augmented.size() && augmented[i]) ++bootstrapped;
        else labeled.push_back(std::move(own[i]));
      }
      own = std::move(labeled);
      augmented.assign(own.size(), false);
    }
    return Render(t, Redacted(std::move(own), redact), augmented, options, "version", std::nullopt, purged,
                  zero_shot_program, bootstrapped, changed);
  }
  std::vector<Example> candidates;
  if (ids) {
    for (const auto& id : *ids) {
      auto e = store_.GetExample(id);
      if (!e.ok()) {
        return Status::Invalid({{{"body", "example_ids"}, "example " + id + " does not exist", "value_error.not_found"}});
      }
      candidates.push_back(std::move(e).value());
    }
    strategy = dspy::SelectionStrategy::kSimilar;  // keep the caller's order
  } else if (strategy == dspy::SelectionStrategy::kSimilar) {
    SearchRequest req;
    req.query_text = query;
    req.mode = SearchMode::kHybrid;
    EXEMPLAR_ASSIGN_OR_RETURN(auto family, TemplateLineIds(store_, t));
    if (family.size() == 1) {
      req.filter.databit_id = t.id;
    } else {
      // Examples may name any version of the family (as the other selections read them), and a
      // filter names one databit: the search is restricted to the family's examples by id.
      EXEMPLAR_ASSIGN_OR_RETURN(auto members, TemplateExamples(t, 100000));
      if (members.empty()) req.filter.databit_id = t.id;  // matches nothing, as an empty id list would not
      for (const auto& e : members) req.filter.ids.push_back(e.id);
    }
    req.k = static_cast<int>(std::clamp<size_t>(max_examples, 1, 100));
    EXEMPLAR_ASSIGN_OR_RETURN(auto found, search_.Run(req));
    for (auto& hit : found.results) candidates.push_back(std::move(hit.example));
  } else {
    EXEMPLAR_ASSIGN_OR_RETURN(candidates, TemplateExamples(t, 100000));
  }
  std::string label_field = t.output_schema.empty() ? "" : t.output_schema.front().name;
  const size_t available = candidates.size();
  std::vector<Example> chosen =
      dspy::SelectExamples(std::move(candidates), strategy, max_examples, min_eff, label_field);
  // A dataset cut at max_examples (default 16) is a sample of the store's: say so (review s24 loops2).
  Json sampled = Json::array();
  if (options.format == dspy::ExportFormat::kDatasetJsonl && !ids && strategy != dspy::SelectionStrategy::kSimilar &&
      max_examples > 0 && chosen.size() == max_examples && available > max_examples) {
    sampled.push_back({{"severity", "info"}, {"code", "sampled"},
                       {"message", "sampled: " + std::to_string(chosen.size()) + " of " + std::to_string(available) +
                                       " examples (max_examples " + std::to_string(max_examples) + ", selection " +
                                       std::string(dspy::SelectionStrategyName(strategy)) +
                                       "); raise max_examples (at most 1000) to export more"}});
  }
  return Render(t, Redacted(std::move(chosen), redact), {}, options, "store",
                std::string(dspy::SelectionStrategyName(strategy)), 0, false, 0, sampled);
}

std::vector<Example> DspyExport::Redacted(std::vector<Example> examples, bool redact) {
  if (redact) {
    for (auto& e : examples) e = RedactExample(std::move(e));
  }
  return examples;
}

std::vector<Example> DspyExport::VersionDemos(const Template& t, std::vector<bool>* augmented,
                                              bool* from_program, size_t* purged) {
  std::vector<Example> out;
  const Json inline_examples = Json::parse(t.examples_json, nullptr, false);
  if (!inline_examples.is_array()) return out;
  for (const Json& item : inline_examples) {
    if (!item.is_object()) continue;
    *from_program |= item.contains("example_id") || item.contains("augmented") || item.contains("source");
    if (IsPurgedCopy(item)) {  // its content was erased: nothing to export
      ++*purged;
      continue;
    }
    Example e;
    e.id = item.contains("example_id") && item["example_id"].is_string() ? item["example_id"].get<std::string>()
                                                                         : "inline-" + std::to_string(out.size() + 1);
    e.input_json = DumpJson(item.value("input", Json::object()));
    e.expected_output_json = DumpJson(item.value("output", Json::object()));
    augmented->push_back(item.value("augmented", false));
    out.push_back(std::move(e));
  }
  return out;
}

Result<Json> DspyExport::ChangedDemoFindings(const Template& t, bool labeled_only) {
  Json deleted = Json::array(), edited = Json::array(), edited_ids = Json::array();
  const Json inline_examples = Json::parse(t.examples_json, nullptr, false);
  if (!inline_examples.is_array()) return Json::array();
  for (const Json& item : inline_examples) {
    if (!item.is_object() || IsPurgedCopy(item) || !item.contains("example_id") || !item["example_id"].is_string()) continue;
    if (labeled_only && item.value("augmented", false)) continue;
    const std::string id = item["example_id"];
    auto e = store_.GetExampleIncludingDeleted(id);
    if (e.status().IsNotFound()) continue;  // an inline example's id the store never held
    EXEMPLAR_RETURN_IF_ERROR(e.status());
    if (e->purged_at) continue;
    if (e->deleted_at) {
      deleted.push_back(id);
      continue;
    }
    const int64_t taken = item.value("example_version", int64_t{0});
    if (taken > 0 && e->version != taken) {
      edited_ids.push_back(id);
      edited.push_back({{"example_id", id}, {"demo_version", taken}, {"current_version", e->version}});
    }
  }
  auto list = [](const Json& ids) {
    std::string out;
    for (const auto& id : ids) out += (out.empty() ? "" : ", ") + id.get<std::string>();
    return out;
  };
  Json findings = Json::array();
  if (!deleted.empty()) {
    findings.push_back({{"severity", "warning"}, {"code", "deleted_demos"},
                        {"message", std::to_string(deleted.size()) + " demo(s) of this version are deleted examples "
                                    "(" + list(deleted) + "); exported as the version holds them (restore the "
                                    "examples, or export with example_source \"store\", which leaves deleted examples out)"},
                        {"example_ids", deleted}});
  }
  if (!edited.empty()) {
    findings.push_back({{"severity", "warning"}, {"code", "edited_demos"},
                        {"message", std::to_string(edited.size()) + " demo(s) of this version hold an earlier version "
                                    "of their example (" + list(edited_ids) + "); exported as the version holds them, "
                                    "not as the examples read now (example_source \"store\" exports the current ones)"},
                        {"example_ids", edited_ids}, {"examples", edited}});
  }
  return findings;
}

Result<Json> DspyExport::Render(const Template& t, const std::vector<Example>& chosen, const std::vector<bool>& augmented,
                                const dspy::ExportOptions& options, const std::string& source,
                                const std::optional<std::string>& selection, size_t purged_demos,
                                bool zero_shot_program, size_t bootstrapped_left_out, const Json& demo_findings) {
  EXEMPLAR_ASSIGN_OR_RETURN(dspy::Artifact artifact, dspy::Export(t, chosen, options, augmented));
  Json findings = dspy::FindingsToJson(artifact.findings);
  for (const Json& f : demo_findings) findings.push_back(f);
  if (purged_demos > 0) {
    findings.push_back({{"severity", "warning"}, {"code", "purged_demos"},
                        {"message", std::to_string(purged_demos) + " demo(s) of this version were purged (their "
                                    "examples' content was erased) and are left out of the export"}});
  }
  if (bootstrapped_left_out > 0) {
    findings.push_back({{"severity", "warning"}, {"code", "bootstrapped_demos_left_out"},
                        {"message", std::to_string(bootstrapped_left_out) + " of this version's demos are bootstrapped "
                                    "(augmented: their outputs, and a ChainOfThought's reasoning, are an LM's, not labels) and are left out "
                                    "of the dataset, as python_module keeps them out of its trainset; program_state "
                                    "exports them as the program's demos, marked augmented"}});
  }
  // Demos with personal data or secrets go out as stored unless the request redacts them (then
  // `chosen` holds the masked copies and nothing is found).
  Json pii_ids = Json::array();
  std::set<std::string> pii_found;
  for (const auto& e : chosen) {
    std::vector<std::string> kinds = PiiFlags(e);
    if (kinds.empty()) continue;
    pii_ids.push_back(e.id);
    pii_found.insert(kinds.begin(), kinds.end());
  }
  if (!pii_ids.empty()) {
    std::vector<std::string> kinds;
    std::string kind_list, id_list;
    for (const auto& k : kPiiKinds) {
      if (!pii_found.count(k)) continue;
      kinds.push_back(k);
      kind_list += (kind_list.empty() ? "" : ", ") + k;
    }
    for (const auto& id : pii_ids) id_list += (id_list.empty() ? "" : ", ") + id.get<std::string>();
    findings.push_back({{"severity", "warning"}, {"code", "pii"},
                        {"message", std::to_string(pii_ids.size()) + " exported demo(s) carry personal data or "
                                    "secrets (" + kind_list + "): " + id_list +
                                    "; export with \"redact\": true to mask them"},
                        {"example_ids", pii_ids}, {"kinds", kinds}});
  }
  if (chosen.empty() && bootstrapped_left_out > 0) {
    findings.push_back({{"severity", "warning"}, {"code", "no_examples"},
                        {"message", "every demo of this version is bootstrapped, so the dataset has no rows; "
                                    "example_source \"store\" exports the stored examples"}});
  } else if (chosen.empty() && zero_shot_program) {
    findings.push_back({{"severity", "warning"}, {"code", "no_examples"},
                        {"message", "the program this version was made from has no demos (the optimizer or the "
                                    "imported program chose none), so neither has the export; example_source "
                                    "\"store\" exports stored examples instead"}});
  } else if (chosen.empty()) {
    // Never a silent empty program: say where demos would have come from.
    findings.push_back({{"severity", "warning"}, {"code", "no_examples"},
                        {"message", source == "version"
                                        ? "this version has no demos of its own; export with example_source \"store\""
                                        : "no stored examples matched (databit_id = this template or one of its "
                                          "ancestors): the export has no demos"}});
  }
  Json example_ids = Json::array();
  for (const auto& e : chosen) example_ids.push_back(e.id);
  Json out = {{"template_id", t.id},
              {"format", std::string(dspy::FormatName(options.format))},
              {"filename", artifact.filename},
              {"media_type", artifact.media_type},
              {"content", artifact.content},
              {"findings", findings},
              {"example_count", artifact.example_count},
              {"example_ids", example_ids},
              {"example_source", source},
              {"selection", selection ? Json(*selection) : Json(nullptr)}};
  // The module the program was built with (the version's own unless the request named one); a
  // dataset has none.
  if (options.format != dspy::ExportFormat::kDatasetJsonl) out["module"] = std::string(dspy::ModuleName(options.module));
  return out;
}

}  // namespace exemplar::service

#include "service/templates/dspy_import.h"

#include "common/ids.h"
#include "service/lineage/example_matcher.h"
#include "service/templates/dspy/program_import.h"
#include "service/templates/dspy/signature.h"
#include "service/templates/template_json.h"

namespace exemplar::service {
namespace {

// Examples of each template of the family considered when matching demos: a template's whole
// example set in practice (matching is in memory, once per import).
constexpr size_t kMatchPerTemplate = 100000;

}  // namespace

Result<Json> DspyImport::Import(const std::string& template_id, const Json& state, bool create_examples,
                                const std::optional<std::string>& user) {
  EXEMPLAR_ASSIGN_OR_RETURN(Template parent, store_.GetTemplate(template_id));
  dspy::SignatureSpec spec = dspy::BuildSignature(parent);
  if (spec.HasErrors()) return dspy::FindingsToStatus(spec.findings);
  EXEMPLAR_ASSIGN_OR_RETURN(dspy::ImportedProgram program, dspy::ParseProgramState(state, spec));

  // Demos are matched as the inline examples of every version are (lineage/example_matcher.h):
  // the example a demo names, else by input among those the template embeds, its own, its
  // ancestors' and its sources'. A program exported from a version thus matches that version.
  ExampleMatcher matcher(store_, parent, kMatchPerTemplate);
  Json report = Json::array(), unmatched = Json::array(), created_ids = Json::array();
  Json inline_examples = Json::array();
  std::vector<LineageEdge> edges;
  for (size_t i = 0; i < program.demos.size(); ++i) {
    const dspy::ImportedDemo& d = program.demos[i];
    std::optional<ExampleMatcher::Match> found;
    if (d.example_id) {
      EXEMPLAR_ASSIGN_OR_RETURN(found, matcher.ById(*d.example_id, /*include_deleted=*/false));
    }
    if (!found) {
      EXEMPLAR_ASSIGN_OR_RETURN(found, matcher.ByInput(d.inputs));
    }
    std::string example_id, match = "none";
    if (found) {
      example_id = found->example.id;
      match = found->how;
    } else if (create_examples) {
      Example e;
      e.id = NewUuid();
      e.input_json = DumpJson(d.inputs);
      Json outputs = d.outputs;
      outputs.erase("reasoning");
      e.expected_output_json = DumpJson(outputs);
      e.databit_id = template_id;
      e.source = "dspy_import";
      e.created_by = user;
      EXEMPLAR_ASSIGN_OR_RETURN(Example created, examples_.Create(std::move(e)));
      example_id = created.id;
      match = "created";
      created_ids.push_back(example_id);
      matcher.Add(created);  // the same demo again matches it rather than making another
    }
    Json ex = {{"input", d.inputs}, {"output", d.outputs}, {"source", "dspy_import"}};
    if (d.augmented) ex["augmented"] = true;
    if (!example_id.empty()) {
      ex["example_id"] = example_id;
      edges.push_back({"example", example_id, "template", "", d.augmented ? "bootstrapped_from" : "demo_of"});
    } else {
      unmatched.push_back(i);
    }
    inline_examples.push_back(ex);
    report.push_back({{"index", i}, {"example_id", example_id.empty() ? Json(nullptr) : Json(example_id)},
                      {"match", match}, {"augmented", d.augmented}});
  }

  Template next = parent;
  next.created_by = user;
  next.prompt_template = program.instructions;
  next.examples_json = DumpJson(inline_examples);
  EXEMPLAR_ASSIGN_OR_RETURN(Template created, templates_.CreateVersionFrom(parent, next, edges));
  return Json{{"template", TemplateToJson(created)},
              {"module", std::string(dspy::ModuleName(program.module))},
              {"demos", report},
              {"unmatched", unmatched},
              {"created_example_ids", created_ids}};
}

}  // namespace exemplar::service

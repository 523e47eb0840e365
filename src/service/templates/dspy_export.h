// DSPy export of stored templates (SPEC §4.4): chooses the examples (top, diverse, balanced, or
// similar to a query), then renders through the pure generation library in dspy/.
#pragma once

#include <string>

#include "common/json_util.h"
#include "service/search/search.h"
#include "service/templates/dspy/export_options.h"
#include "service/templates/templates.h"

namespace exemplar::service {

class DspyExport {
 public:
  DspyExport(storage::Store& store, Search& search) : store_(store), search_(search) {}

  // {signature (JSON), python, findings, valid} for the template.
  Result<Json> Signature(const std::string& template_id);
  // Export body: format, module, include_optimizer, optimizer, metric, lm_model,
  // demos_as_program_state, example_source (auto|version|store), plus, for the store:
  // selection (top|diverse|balanced|similar), query (for similar), max_examples (1..1000,
  // default 16), min_effectiveness, example_ids (explicit choice); redact (mask PII in the
  // demos, service/quality/pii.h).
  // module defaults to the module of the program the version was made from (program_origin.h),
  // else Predict.
  // "auto" exports a version's own demos (accepted or imported, bootstrapped ones marked
  // augmented) for program_state, python_module and notebook when it has any and no example_ids
  // are given, else the store's selection. A version made from a program with no demos (zero-shot)
  // has none of its own and exports none.
  // → {format, filename, media_type, content, findings, example_count, example_ids,
  //    example_source, selection}; an export with no demos carries a no_examples warning. A
  //    version's purged demos (lineage/purged_content.h) are left out (not in example_count or
  //    example_ids), and a purged_demos warning says how many. dataset_jsonl of the version's
  //    demos leaves its bootstrapped (augmented) demos out: a bootstrapped_demos_left_out warning.
  Result<Json> Export(const std::string& template_id, const Json& body);

  // The examples of a template's line (template_family.h): stored examples whose databit_id is
  // the template or one of its ancestors, nearest first, each once.
  Result<std::vector<Example>> TemplateExamples(const Template& t, size_t limit);

 private:
  // A version's own demos (its inline examples) as examples, with their augmented marks;
  // *from_program is set when any came from a run or an import rather than by hand; purged
  // demos are left out and counted in *purged.
  static std::vector<Example> VersionDemos(const Template& t, std::vector<bool>* augmented, bool* from_program,
                                           size_t* purged);
  // The examples with personal data masked when `redact`.
  static std::vector<Example> Redacted(std::vector<Example> examples, bool redact);
  Result<Json> Render(const Template& t, const std::vector<Example>& chosen, const std::vector<bool>& augmented,
                      const dspy::ExportOptions& options, const std::string& source,
                      const std::optional<std::string>& selection, size_t purged_demos = 0,
                      bool zero_shot_program = false, size_t bootstrapped_left_out = 0,
                      const Json& demo_findings = Json::array());
  // Findings on a version's demos whose examples changed after the version took them (exports
  // carry what was accepted): `deleted_demos` (deleted, not purged) and `edited_demos` (the example
  // has a later version). `labeled_only`: bootstrapped demos are not exported and not named.
  Result<Json> ChangedDemoFindings(const Template& t, bool labeled_only);

  storage::Store& store_;
  Search& search_;
};

}  // namespace exemplar::service

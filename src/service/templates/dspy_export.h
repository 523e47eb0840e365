// DSPy export of stored templates (SPEC §4.4): chooses the examples (top, diverse, balanced, or
// similar to a query), then renders through the pure generation library in dspy/.
#pragma once

#include <string>

#include "common/json_util.h"
#include "service/search/search.h"
#include "service/templates/templates.h"

namespace exemplar::service {

class DspyExport {
 public:
  DspyExport(storage::Store& store, Search& search) : store_(store), search_(search) {}

  // {signature (JSON), python, findings, valid} for the template.
  Result<Json> Signature(const std::string& template_id);
  // Export body: format, module, include_optimizer, optimizer, metric, lm_model,
  // demos_as_program_state, plus selection (top|diverse|balanced|similar), query (for similar),
  // max_examples (1..1000, default 16), min_effectiveness, example_ids (explicit choice).
  // → {format, filename, media_type, content, findings, example_count, example_ids}.
  Result<Json> Export(const std::string& template_id, const Json& body);

  // The examples of a template: stored examples with databit_id = template id.
  Result<std::vector<Example>> TemplateExamples(const std::string& template_id, size_t limit);

 private:
  storage::Store& store_;
  Search& search_;
};

}  // namespace exemplar::service

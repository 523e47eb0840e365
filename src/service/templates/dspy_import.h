// Importing a program compiled in real DSPy (a notebook, a job) as a new draft version of its
// template: its instructions and demos, each demo matched to the stored example it came from —
// the one its `example_id` names, else by content (exact, then normalised) among the examples the
// template embeds, its own, its ancestors' and its sources' (lineage/example_matcher.h) — and
// linked in lineage (demo_of, or bootstrapped_from when DSPy marked it augmented). Unmatched
// demos are reported, or created as examples of the template (source dspy_import).
#pragma once

#include <optional>
#include <string>

#include "common/json_util.h"
#include "service/examples/examples.h"
#include "service/templates/templates.h"

namespace exemplar::service {

class DspyImport {
 public:
  DspyImport(storage::Store& store, Templates& templates, Examples& examples)
      : store_(store), templates_(templates), examples_(examples) {}

  // `state` is the saved program JSON. → {template, module, demos: [{index, example_id|null,
  // match: id|exact|normalized|created|none, augmented}], unmatched, created_example_ids}.
  // 422 (field errors at loc) when the program does not fit the template's signature.
  Result<Json> Import(const std::string& template_id, const Json& state, bool create_examples,
                      const std::optional<std::string>& user);

 private:
  storage::Store& store_;
  Templates& templates_;
  Examples& examples_;
};

}  // namespace exemplar::service

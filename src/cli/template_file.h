// The templates file of an export (`exemplar export --templates FILE`) and its restore
// (`exemplar import --templates FILE`): an export's examples name templates by id, so a store
// that is to take the examples first needs those templates, with the same ids.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cli/runtime.h"
#include "common/status.h"

namespace exemplar::cli {

// Writes every template of the store (every version of every name), one JSON object a line as
// GET /templates/{id} answers, a parent and the templates it derives from before their versions;
// a version made from a DSPy program also names it ("dspy_program", service::OwnProgramNode).
// The number written goes to *count. An error names the file.
Status WriteTemplatesFile(storage::Store& store, const std::string& path, int64_t* count);

struct RestoredTemplates {
  int64_t present = 0;                    // already in the store with the same content
  std::vector<std::string> restored_ids;  // stored by this restore, in the order stored
};

// Restores the templates of a file WriteTemplatesFile wrote (Templates::Restore): parents and
// derived_from sources first, ids, statuses and lineage kept. Every line is checked before any
// template is stored; a bad line, a cycle, or a template the store cannot take (its id holding
// other content, its name and version taken, a source missing) stops it with an error naming the
// line or the template. Templates restored before such a stop stay.
Result<RestoredTemplates> RestoreTemplatesFile(Runtime& rt, const std::string& path);

}  // namespace exemplar::cli

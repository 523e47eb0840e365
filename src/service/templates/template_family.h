// A template version's examples are those of its line: the version and its ancestors (examples
// name the root template when they are written; a version has none of its own unless an import
// or a client created them). The DSPy export and optimization runs read a version's data this way,
// so a version accepted from a run can be exported and optimized again.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "storage/store.h"

namespace exemplar::service {

// The template's id, then its parent's, ..., up to the root's.
Result<std::vector<std::string>> TemplateLineIds(storage::Store& store, const Template& t);

// The stored examples of `t`'s line that match `filter` (its databit_id is ignored), the version's
// own first, then each ancestor's, oldest first within each, each once, at most `limit`.
Result<std::vector<Example>> TemplateLineExamples(storage::Store& store, const Template& t, storage::ExampleFilter filter,
                                                  size_t limit);

}  // namespace exemplar::service

// What example writes and template edits check of each other in their transactions, so that no
// example is stored that its template's schema refuses (Store::InsertExamples, UpdateTemplate, …).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "storage/records.h"

namespace exemplar::storage {

// An example write's check, in its own transaction, of each example that names a template against
// that template as the transaction reads it: the write is serialised with template edits (SQLite's
// one writer; on PostgreSQL both take the change-log lock first), so a schema edit committed after
// the caller read the template is seen here, and one committing later sees this example (its
// GovernedExamples check). A status other than Ok rolls the write back and is returned. Empty: none.
using TemplateFitCheck = std::function<Status(const Example& example, const Template& its_template)>;

// A template edit's check of the examples its schema governs (Store::UpdateTemplate): `visit` is
// called, in the edit's transaction and after its row is written, with every live example naming
// one of `template_ids`, then `verdict`, whose status other than Ok rolls the edit back and is
// returned. No example write commits between the check and the edit (TemplateFitCheck).
struct GovernedExamples {
  std::vector<std::string> template_ids;
  std::function<void(const Example&)> visit;
  std::function<Status()> verdict;
};

}  // namespace exemplar::storage

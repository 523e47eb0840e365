// Wire form of templates (DataBits) and validation of create/update bodies (SPEC §1, §3).
#pragma once

#include <string>

#include "common/json_util.h"
#include "storage/records.h"

namespace exemplar::service {

inline const std::vector<std::string> kTemplateStatuses = {"draft", "published", "archived"};
inline const std::vector<std::string> kFieldTypes = {"string", "integer", "number", "boolean",
                                                     "array", "object"};
// How an inline example's stored example was found, as an import reports it (its `match` mark):
// named by id, by content (ExampleMatcher's kinds), or created from the demo.
inline const std::vector<std::string> kInlineMatches = {"id",    "exact",            "normalized",
                                                        "input", "input_normalized", "created"};

Json TemplateToJson(const Template& t);

// Who wrote a body's inline examples, for the marks only the server writes on them: the version
// of the stored example a demo holds (`example_version`) and how it was found (`match`), which
// attribution and lineage repeat.
enum class InlineMarks {
  // A client's (POST/PUT /templates): a mark is accepted only as the template holds it on the same
  // inline example (same example_id, input and output), i.e. sent back as a GET gave it; else a
  // 422 naming the key. A new template holds none.
  kAsStored,
  // A trusted file's (a template exported from another store and restored, the seed): kept.
  kKept,
};

// Applies the fields present in `body` to `t` (create: t starts from defaults; update: from the
// stored template). Field names in schemas must be valid Python identifiers, unique, not Python
// keywords and not DSPy-reserved names. `creating` requires `name`.
void ApplyTemplateJson(const Json& body, Template* t, Validation& v, bool creating,
                       InlineMarks marks = InlineMarks::kAsStored);

// A template as TemplateToJson wrote it (a line of `exemplar export --templates`), to restore in
// another store: besides the fields a create takes, its id, status, version, parent_template_id
// and created_by are kept; created_at and updated_at are read and left out (a restore starts
// them afresh, as an import does an example's). Errors go to `v` under {"body", …}.
Template TemplateFromExportJson(const Json& body, Validation& v);

}  // namespace exemplar::service

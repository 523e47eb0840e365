// What a purge (legal erasure) leaves of an example's content where other records copied it:
// a template version's inline examples and an optimization run's best program. Like a purged
// version snapshot ({"example_id", "version", "purged": true, "content_hash"}), a copy becomes a
// marker that says a purged example was there and holds none of its content:
//   inline example  {"example_id", "purged": true} (+ example_version, source, augmented)
//   program demo    {"example_id", "purged": true, "augmented"}
// Exports leave such demos out (DspyExport); lineage keeps the example's edges.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>

#include "common/json_util.h"
#include "storage/store.h"

namespace exemplar::service {

// Whether an inline example or program demo is a purge marker.
bool IsPurgedCopy(const Json& item);

// Replaces, in a template's inline examples (a JSON array), every item that names one of `ids`
// as its example_id. Returns how many items it replaced.
size_t ScrubInlineExamples(Json& examples, const std::set<std::string>& ids);
// Replaces the items without an example_id whose input is `input` (SameInputs, normalised): in a
// template that lineage links to the purged example, they are copies of it. The markers name
// `example_id`. Returns how many items it replaced.
size_t ScrubInlineCopies(Json& examples, const std::string& example_id, const Json& input);

// Replaces the demos of a run's best program ({instructions, demos: [{example_id, augmented,
// fields}]}) that name one of `ids`. Returns how many it replaced.
size_t ScrubProgramDemos(Json& program, const std::set<std::string>& ids);

// The rewrites Store::PurgeExample applies, in the purge's transaction, to the other records
// holding copies of `example_id`'s content. `input` is its input before the purge (matched
// against inline examples without an id in templates lineage links to it); none when the
// content is already gone.
storage::PurgeRewrites PurgeRewritesFor(const std::string& example_id, std::optional<Json> input);

// Catches copies written after a purge by work that read the content before it (a run that was
// executing, a template edited from a stale copy): scrubs the demos naming examples that are
// purged by now.
class PurgedContent {
 public:
  explicit PurgedContent(storage::Store& store) : store_(store) {}

  // Scrubs `t.examples_json` in place.
  Status ScrubTemplate(Template& t);
  // Scrubs a best program in place.
  Status ScrubProgram(Json& program);
  // content hash (audit::ContentHash) → purged example id, over every version of every purged
  // example, with and without its explanation (io_hash): what a purge kept of their content, so
  // that it is not brought back as new content (a DSPy program's demo that still holds it, with
  // or without the explanation). Reads the whole trash: call once per import.
  Result<std::map<std::string, std::string>> PurgedHashes();

 private:
  // Of the example ids named by the items' `example_id`, those whose examples are purged.
  Result<std::set<std::string>> PurgedAmong(const Json& items);

  storage::Store& store_;
};

}  // namespace exemplar::service

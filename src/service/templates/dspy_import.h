// Importing a program compiled in real DSPy (a notebook, a job) as a new draft version of its
// template: its instructions (the parent's prompt kept when they are unchanged) and demos, each
// demo matched to the stored example it came from — the one its `example_id` names, else by
// input — an example whose labels the demo also carries first — among the examples the template embeds, its own, its
// ancestors' and its sources' (lineage/example_matcher.h) — and linked in lineage (demo_of, or
// bootstrapped_from when DSPy marked it augmented). Unmatched demos are reported, or created as
// examples of the template (source dspy_import); a demo holding a purged example's content is
// neither (it stays a purge marker). The version is linked from a `dspy_program` lineage node
// named by the content's hash, so importing the same content into the same parent again returns
// that version instead of making another.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "common/json_util.h"
#include "service/examples/examples.h"
#include "service/templates/dspy/program_import.h"
#include "service/templates/templates.h"

namespace exemplar::service {

class DspyImport {
 public:
  DspyImport(storage::Store& store, Templates& templates, Examples& examples)
      : store_(store), templates_(templates), examples_(examples) {}

  // `state` is the saved program JSON. → {template, already_imported, module, demos: [{index,
  // example_id|null, match: id|exact|normalized|created|none, augmented, reason?}], unmatched,
  // created_example_ids, findings (warnings: prefix_changed, description_changed, demo_keys_ignored, purged_demos,
  // reasoning_description_ignored, lm_ignored; dspy/program_import.h)}.
  // A field description the program changed becomes the new version's (DSPy applies it on load).
  // already_imported: the parent already has a version imported from the same content (same
  // module, instructions, fields and resulting demos), returned as is; nothing is stored.
  // 422 (field errors at loc) when the program does not fit the template's signature.
  Result<Json> Import(const std::string& template_id, const Json& state, bool create_examples,
                      const std::optional<std::string>& user);

 private:
  // content hash → purged example id (PurgedContent::PurgedHashes), read once per import.
  using PurgedHashes = std::optional<std::map<std::string, std::string>>;
  // The purged example whose content the demo holds (or whose id it names), if any.
  Result<std::optional<std::string>> PurgedMatch(const dspy::ImportedDemo& d, PurgedHashes& purged_hashes);
  // A version of `parent` imported from `content_hash` that still holds what `next` would.
  Result<std::optional<Template>> FindRepeat(const Template& parent, const Template& next,
                                             const std::string& node_id);

  storage::Store& store_;
  Templates& templates_;
  Examples& examples_;
  // One import at a time in this process: a repeat is found by what an earlier import stored, so
  // two identical imports at once would both find nothing and make two versions (and, with
  // create_examples, two examples per demo). Imports are rare and short; replicas of a shared
  // store still race each other.
  std::mutex mu_;
};

}  // namespace exemplar::service

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
#include <utility>
#include <vector>

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
  // module, instructions, fields and resulting demos) that links every demo this import would,
  // returned as is with its own links in `demos` and `unmatched` (an example deleted since stays
  // its demo's, marked deleted); nothing is stored, no example created. Examples for unmatched
  // demos are created only for a new version, so created_example_ids are the ones it links.
  // 422 (field errors at loc) when the program does not fit the template's signature.
  Result<Json> Import(const std::string& template_id, const Json& state, bool create_examples,
                      const std::optional<std::string>& user);

 private:
  // The demos matched to stored examples, before anything is stored.
  struct Plan {
    Json inline_examples = Json::array();  // the new version's, one per demo
    Json report = Json::array();           // Import's `demos`, one per demo
    // Examples to create (create_examples), each with the index of the demo it comes from: its id
    // already stands in the demos that link it (and is replaced if the store assigns another).
    std::vector<std::pair<size_t, Example>> to_create;
  };
  Result<Plan> MatchDemos(const Template& parent, const dspy::ImportedProgram& program, bool create_examples,
                          const std::optional<std::string>& user);
  // Stores plan.to_create; a demo that cannot become an example is a 422 at its place in the file.
  // The examples it stored (not those a client_id found stored) are appended to `created`, even
  // on a failure; their writes carry no audit entry (the version's names them).
  Status CreatePlanned(Plan& plan, const std::string& predictor, std::vector<Example>& created);
  // Removes `created` (the import failed after creating them) and returns `failure`.
  Status Undone(const Status& failure, const std::vector<Example>& created);
  // `report` (MatchDemos') as `version`, a repeat, links the demos: its example, version and match.
  Result<Json> RepeatReport(const Template& version, const dspy::ImportedProgram& program, Json report);
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

// Which stored example a demo is: the one its example_id names, else the one with the same input
// (and, preferably, the same labels) among the examples the template's family holds. Used for the
// inline examples of every template version (Provenance: demo_of / bootstrapped_from edges) and
// for the demos of an imported DSPy program (DspyImport), so both match alike.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/json_util.h"
#include "storage/store.h"

namespace exemplar::service {

// Whether the demo's input fields equal the example's (exact, or normalised text: lower case,
// single spaces).
bool SameInputs(const Json& demo_inputs, const Json& example_input, bool normalized);
// Whether the demo carries the example's labels: every field of the example's expected output is
// in the demo's outputs with the same value (exact, or normalised). Keys the example has no label
// for (a ChainOfThought demo's `reasoning`) are not compared; an example without labels never
// matches.
bool SameLabels(const Json& demo_outputs, const Json& example_output, bool normalized);

class ExampleMatcher {
 public:
  // Examples loaded per template at most (the template, each ancestor, each source).
  static constexpr size_t kDefaultPerTemplate = 2000;

  // Candidates for `t`'s demos, loaded once when first needed, in this order: the examples `t`
  // embeds inline by example_id (matched on the inline copy's input — the version a run trained
  // on — and on the stored one; a deleted one only for ByContent's include_deleted, a purged one
  // never), then the examples (databit_id) of `t`, of its version ancestors (parent chain,
  // nearest first) and of the templates these derive from.
  ExampleMatcher(storage::Store& store, Template t, size_t per_template = kDefaultPerTemplate)
      : store_(store), t_(std::move(t)), per_template_(per_template) {}

  struct Match {
    Example example;
    // id: named by example_id; exact: same input and labels; normalized: the same after
    // normalising text; input: same input, other labels (or the demo has none); input_normalized:
    // same input after normalising, other labels.
    std::string how;
    // The example's version whose content the demo holds: an older one when the example was
    // edited after the demo was copied (README "Provenance": the version that fed the template).
    int64_t version = 0;
  };

  // The example `id` names: a live one, or with `include_deleted` a tombstone too. nullopt when
  // there is none. With the demo's content (`inputs` non-null), `version` is the version holding
  // it (ContentVersion); without, the current one.
  Result<std::optional<Match>> ById(const std::string& id, bool include_deleted, const Json* inputs = nullptr,
                                    const Json* outputs = nullptr);
  // The candidate the demo's content matches best, by kind in this order: exact, normalized,
  // input, input_normalized (an example with the demo's labels beats one that only shares its
  // input). Among candidates of the best kind the first in candidate order wins (embedded by id,
  // then the template's own, nearest ancestor's, sources'), and within one template the oldest
  // (created_at, then id), so the choice never depends on the order rows come back in.
  // `include_deleted` also considers the deleted examples `t` embeds by id. When no candidate
  // holds the content exactly now, the candidates' earlier versions are tried, and one that
  // matches better wins (the match names that version): a demo exported before its example was
  // edited, its input or only its labels (the current content then still matches on "input").
  Result<std::optional<Match>> ByContent(const Json& inputs, const Json& outputs, bool include_deleted = false);
  // The version of `e` whose content the demo's best matches (kinds as ByContent; the newest among
  // equals, the current version first); e.version when no version shares the demo's input.
  Result<int64_t> ContentVersion(const Example& e, const Json& inputs, const Json& outputs) {
    return DemoVersion(e, inputs, outputs, std::nullopt);
  }
  // The same for a demo that names its version (`marked`: an inline example's example_version):
  // that version when it holds the demo as well as any version of `e` does, else ContentVersion's.
  // A marker written in another store counts that store's versions, and an example's history
  // restarts when it is imported: its number may be none of this store's, or a later edit's here.
  Result<int64_t> DemoVersion(const Example& e, const Json& inputs, const Json& outputs, std::optional<int64_t> marked);
  // How the demo's content matches version `version` of `e` in this store (kinds as ByContent;
  // "id" when it shares no input with it); nullopt when this store has no such version of `e` or
  // `e` is purged. A recorded match holds only while the version it names still holds the demo so.
  Result<std::optional<std::string>> KindAt(const Example& e, int64_t version, const Json& inputs, const Json& outputs);
  // Adds a candidate after the others (an example just created from a demo, so a repeat of that
  // demo matches it instead of creating another).
  void Add(const Example& e);

 private:
  Status Load();
  // The earlier versions of every loaded example that has been edited, as candidates (history_).
  Status LoadHistory();
  void AddCandidate(const Example& e, size_t tier);
  // Appends up to per_template_ examples of `template_id` (once per template).
  Status LoadOwner(const std::string& template_id);

  struct Candidate {
    Json input;
    Json output;
    size_t example;  // index into examples_
    size_t tier;     // 0: embedded by id; then one per template, in load order; Add()ed last
    // The example's version this content is: the stored content's is the current version; an
    // inline copy's is the example_version it names, else unknown (found by ContentVersion).
    std::optional<int64_t> version;
    bool deleted = false;  // an embedded example that is deleted (a tombstone, not purged)
  };

  // The candidate matching the demo best (kinds as ByContent; ties to the first in candidate
  // order, then the oldest example); null when none shares its input. *kind: the match kind.
  const Candidate* Best(const std::vector<Candidate>& candidates, const Json& inputs, const Json& outputs,
                        bool include_deleted, int* kind) const;

  storage::Store& store_;
  Template t_;
  size_t per_template_;
  bool loaded_ = false;
  std::vector<Example> examples_;
  std::vector<Candidate> candidates_;
  bool history_loaded_ = false;
  std::vector<Candidate> history_;  // earlier versions of the candidates' examples (LoadHistory)
  std::vector<std::string> owners_;  // templates whose examples are loaded
};

}  // namespace exemplar::service

#include "service/lineage/example_matcher.h"

#include <algorithm>
#include <cctype>
#include <limits>
#include <set>
#include <tuple>

namespace exemplar::service {
namespace {

// A value as comparable text: lower case, words separated by single spaces, punctuation kept.
std::string Normalized(const Json& value) {
  const std::string text = value.is_string() ? value.get<std::string>() : DumpJson(value);
  std::string out;
  bool space = false;
  for (unsigned char c : text) {
    if (std::isspace(c)) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += static_cast<char>(std::tolower(c));
  }
  return out;
}

// Versions are new templates with a parent link; a family deeper than this is not walked further
// (a guard against a corrupt parent cycle, far beyond any real version history).
constexpr int kMaxAncestors = 1000;
constexpr int64_t kPage = 500;

}  // namespace

namespace {

// Every key of `part` (an object with at least one key) is in `whole` with an equal value, or an
// equal normalised one.
bool Covers(const Json& whole, const Json& part, bool normalized) {
  if (!whole.is_object() || !part.is_object() || part.empty()) return false;
  for (const auto& [k, value] : part.items()) {
    auto it = whole.find(k);
    if (it == whole.end()) return false;
    if (normalized ? Normalized(*it) != Normalized(value) : *it != value) return false;
  }
  return true;
}

}  // namespace

bool SameInputs(const Json& demo_inputs, const Json& example_input, bool normalized) {
  return Covers(example_input, demo_inputs, normalized);
}

bool SameLabels(const Json& demo_outputs, const Json& example_output, bool normalized) {
  return Covers(demo_outputs, example_output, normalized);
}

namespace {

// How well a demo's content matches an example's: 0 exact, 1 normalized, 2 input, 3
// input_normalized, 4 not at all (ExampleMatcher::ByContent's kinds).
int MatchKind(const Json& inputs, const Json& outputs, const Json& example_input, const Json& example_output) {
  if (SameInputs(inputs, example_input, false)) {
    return SameLabels(outputs, example_output, false) ? 0 : SameLabels(outputs, example_output, true) ? 1 : 2;
  }
  if (SameInputs(inputs, example_input, true)) return SameLabels(outputs, example_output, true) ? 1 : 3;
  return 4;
}

constexpr const char* kKinds[] = {"exact", "normalized", "input", "input_normalized"};

}  // namespace

Result<std::optional<ExampleMatcher::Match>> ExampleMatcher::ById(const std::string& id, bool include_deleted,
                                                                  const Json* inputs, const Json* outputs) {
  auto e = include_deleted ? store_.GetExampleIncludingDeleted(id) : store_.GetExample(id);
  if (e.status().IsNotFound()) return std::optional<Match>();
  EXEMPLAR_RETURN_IF_ERROR(e.status());
  Match m{std::move(e).value(), "id", 0};
  m.version = m.example.version;
  if (inputs) {
    EXEMPLAR_ASSIGN_OR_RETURN(m.version, ContentVersion(m.example, *inputs, outputs ? *outputs : Json::object()));
  }
  return std::optional<Match>(std::move(m));
}

Result<int64_t> ExampleMatcher::DemoVersion(const Example& e, const Json& inputs, const Json& outputs,
                                            std::optional<int64_t> marked) {
  if (e.purged_at) return marked.value_or(e.version);  // its history is erased
  int best_kind = MatchKind(inputs, outputs, Json::parse(e.input_json, nullptr, false),
                            Json::parse(e.expected_output_json, nullptr, false));
  int64_t best = e.version;
  constexpr int kUnknown = 5;  // the marked version is none of this example's here
  int marked_kind = marked == e.version ? best_kind : kUnknown;
  if (best_kind == 0 && (!marked || marked_kind == 0)) return best;  // the current content: no history to read
  EXEMPLAR_ASSIGN_OR_RETURN(auto history, store_.ListExampleVersions(e.id));  // newest first
  for (const auto& v : history) {
    const Json w = Json::parse(v.snapshot_json, nullptr, false);
    if (!w.is_object()) continue;
    const int kind = MatchKind(inputs, outputs, w.value("input", Json()), w.value("expected_output", Json()));
    if (marked && v.version == *marked) marked_kind = kind;
    if (kind < best_kind) {
      best_kind = kind;
      best = v.version;
    }
  }
  return marked && marked_kind <= best_kind ? *marked : best;
}

Result<std::optional<std::string>> ExampleMatcher::KindAt(const Example& e, int64_t version, const Json& inputs,
                                                          const Json& outputs) {
  if (e.purged_at) return std::optional<std::string>();
  std::optional<int> kind;
  if (version == e.version) {
    kind = MatchKind(inputs, outputs, Json::parse(e.input_json, nullptr, false),
                     Json::parse(e.expected_output_json, nullptr, false));
  } else {
    EXEMPLAR_ASSIGN_OR_RETURN(auto history, store_.ListExampleVersions(e.id));
    for (const auto& v : history) {
      if (v.version != version) continue;
      const Json w = Json::parse(v.snapshot_json, nullptr, false);
      if (w.is_object()) kind = MatchKind(inputs, outputs, w.value("input", Json()), w.value("expected_output", Json()));
      break;
    }
  }
  if (!kind) return std::optional<std::string>();
  return std::optional<std::string>(*kind < 4 ? kKinds[*kind] : "id");
}

const ExampleMatcher::Candidate* ExampleMatcher::Best(const std::vector<Candidate>& candidates, const Json& inputs,
                                                      const Json& outputs, bool include_deleted, int* kind) const {
  // Kinds, best first: the reviewer's case was two examples with one input and different labels,
  // where the first one loaded won although the demo carried the other's labels.
  const Candidate* best = nullptr;
  *kind = 4;
  auto earlier = [this](const Candidate& a, const Candidate& b) {
    const Example& ea = examples_[a.example];
    const Example& eb = examples_[b.example];
    return std::tie(a.tier, ea.created_at, ea.id) < std::tie(b.tier, eb.created_at, eb.id);
  };
  for (const Candidate& c : candidates) {
    if (c.deleted && !include_deleted) continue;
    const int k = MatchKind(inputs, outputs, c.input, c.output);
    if (k < *kind || (k == *kind && k < 4 && earlier(c, *best))) {
      best = &c;
      *kind = k;
    }
  }
  return best;
}

Result<std::optional<ExampleMatcher::Match>> ExampleMatcher::ByContent(const Json& inputs, const Json& outputs,
                                                                       bool include_deleted) {
  if (!loaded_) EXEMPLAR_RETURN_IF_ERROR(Load());
  int best_kind = 4;
  const Candidate* best = Best(candidates_, inputs, outputs, include_deleted, &best_kind);
  if (best_kind > 0) {
    // No example holds this content exactly now: one may have held it before an edit (a store
    // export imported after its example changed: its input, or only its labels, so that the
    // current content still shares the input). Earlier versions, read once, win when they match
    // better: the demo holds that version's content.
    if (!history_loaded_) EXEMPLAR_RETURN_IF_ERROR(LoadHistory());
    int earlier_kind = 4;
    const Candidate* earlier = Best(history_, inputs, outputs, include_deleted, &earlier_kind);
    if (earlier && earlier_kind < best_kind) {
      best = earlier;
      best_kind = earlier_kind;
    }
  }
  if (!best) return std::optional<Match>();
  Match m{examples_[best->example], kKinds[best_kind], 0};
  if (best->version) {
    m.version = *best->version;
  } else {
    // An inline copy that names no version: the version whose content the demo holds.
    EXEMPLAR_ASSIGN_OR_RETURN(m.version, ContentVersion(m.example, inputs, outputs));
  }
  return std::optional<Match>(std::move(m));
}

Status ExampleMatcher::LoadHistory() {
  history_loaded_ = true;
  std::set<size_t> seen;
  for (const Candidate& c : candidates_) {
    const Example& e = examples_[c.example];
    if (e.version <= 1 || e.purged_at || !seen.insert(c.example).second) continue;
    EXEMPLAR_ASSIGN_OR_RETURN(auto versions, store_.ListExampleVersions(e.id));
    for (const auto& v : versions) {
      if (v.version == e.version) continue;  // the current content is a candidate already
      const Json w = Json::parse(v.snapshot_json, nullptr, false);
      if (!w.is_object()) continue;
      history_.push_back({w.value("input", Json()), w.value("expected_output", Json()), c.example, c.tier, v.version,
                          c.deleted});
    }
  }
  return Status::Ok();
}

// Examples created from demos come after every loaded template's.
void ExampleMatcher::Add(const Example& e) { AddCandidate(e, std::numeric_limits<size_t>::max()); }

void ExampleMatcher::AddCandidate(const Example& e, size_t tier) {
  examples_.push_back(e);
  candidates_.push_back({Json::parse(e.input_json, nullptr, false), Json::parse(e.expected_output_json, nullptr, false),
                         examples_.size() - 1, tier, e.version});
}

Status ExampleMatcher::Load() {
  loaded_ = true;
  // The examples the template embeds by id, on the input the template holds and the stored one.
  const Json inline_examples = Json::parse(t_.examples_json, nullptr, false);
  std::set<std::string> embedded;
  for (const Json& item : inline_examples.is_array() ? inline_examples : Json::array()) {
    if (!item.is_object() || !item.contains("example_id") || !item["example_id"].is_string()) continue;
    const std::string id = item["example_id"].get<std::string>();
    if (!embedded.insert(id).second) continue;
    // A deleted example keeps its id and content until purged: it matches only when asked
    // (ByContent's include_deleted); a purged one has no content to match.
    auto e = store_.GetExampleIncludingDeleted(id);
    if (e.status().IsNotFound()) continue;
    EXEMPLAR_RETURN_IF_ERROR(e.status());
    if (e->purged_at) continue;
    const bool deleted = e->deleted_at.has_value();
    examples_.push_back(std::move(e).value());
    const size_t index = examples_.size() - 1;
    // The inline copy with its own output (a bootstrapped demo's is the LM's), then the stored one.
    if (item.contains("input") && item["input"].is_object()) {
      std::optional<int64_t> version;
      if (item.contains("example_version") && item["example_version"].is_number_integer()) {
        EXEMPLAR_ASSIGN_OR_RETURN(version, DemoVersion(examples_.back(), item["input"], item.value("output", Json::object()),
                                                       item["example_version"].get<int64_t>()));
      }
      candidates_.push_back({item["input"], item.value("output", Json::object()), index, 0, version, deleted});
    }
    candidates_.push_back({Json::parse(examples_.back().input_json, nullptr, false),
                           Json::parse(examples_.back().expected_output_json, nullptr, false), index, 0,
                           examples_.back().version, deleted});
  }
  // The template and its ancestors, nearest first, then the templates they derive from.
  std::vector<Template> family = {t_};
  std::set<std::string> seen = {t_.id};
  for (int depth = 0; depth < kMaxAncestors && family.back().parent_template_id; ++depth) {
    const std::string parent = *family.back().parent_template_id;
    if (!seen.insert(parent).second) break;
    auto p = store_.GetTemplate(parent);
    if (p.status().IsNotFound()) break;
    EXEMPLAR_RETURN_IF_ERROR(p.status());
    family.push_back(std::move(p).value());
  }
  for (const Template& member : family) EXEMPLAR_RETURN_IF_ERROR(LoadOwner(member.id));
  for (const Template& member : family) {
    for (const auto& source : member.derived_from) EXEMPLAR_RETURN_IF_ERROR(LoadOwner(source));
  }
  return Status::Ok();
}

Status ExampleMatcher::LoadOwner(const std::string& template_id) {
  if (template_id.empty() || std::find(owners_.begin(), owners_.end(), template_id) != owners_.end()) {
    return Status::Ok();
  }
  owners_.push_back(template_id);
  const size_t tier = owners_.size();  // after the embedded examples (tier 0), in load order
  storage::ExampleFilter f;
  f.databit_id = template_id;
  size_t loaded = 0;
  for (int64_t offset = 0; loaded < per_template_; offset += kPage) {
    const int64_t limit = std::min<int64_t>(kPage, static_cast<int64_t>(per_template_ - loaded));
    EXEMPLAR_ASSIGN_OR_RETURN(auto page, store_.ListExamples(f, storage::ExampleSortKey::kCreatedAt, false, offset, limit));
    for (const auto& e : page.examples) AddCandidate(e, tier);
    loaded += page.examples.size();
    if (static_cast<int64_t>(page.examples.size()) < limit) break;
  }
  return Status::Ok();
}

}  // namespace exemplar::service

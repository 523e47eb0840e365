#include "service/lineage/provenance.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <tuple>

#include "common/time.h"

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

bool IsDemoEdge(const std::string& type) { return type == "demo_of" || type == "bootstrapped_from"; }

constexpr int64_t kMatchPool = 2000;  // examples per template considered when matching inline inputs

}  // namespace

bool SameInputs(const Json& demo_inputs, const Json& example_input, bool normalized) {
  if (!example_input.is_object() || !demo_inputs.is_object() || demo_inputs.empty()) return false;
  for (const auto& [k, value] : demo_inputs.items()) {
    auto it = example_input.find(k);
    if (it == example_input.end()) return false;
    if (normalized ? Normalized(*it) != Normalized(value) : *it != value) return false;
  }
  return true;
}

Result<std::vector<std::optional<LineageEdge>>> Provenance::MatchInlineExamples(const Template& t) {
  std::vector<std::optional<LineageEdge>> out;
  Json inline_examples = Json::parse(t.examples_json, nullptr, false);
  if (!inline_examples.is_array() || inline_examples.empty()) return out;
  // Candidates for inline examples without an id: the template's examples, its parent's and its
  // sources', loaded once.
  std::vector<Example> pool;
  std::vector<Json> pool_inputs;
  bool pool_loaded = false;
  auto load_pool = [&]() -> Status {
    pool_loaded = true;
    std::set<std::string> owners{t.id};
    if (t.parent_template_id) owners.insert(*t.parent_template_id);
    owners.insert(t.derived_from.begin(), t.derived_from.end());
    for (const auto& owner : owners) {
      storage::ExampleFilter f;
      f.databit_id = owner;
      EXEMPLAR_ASSIGN_OR_RETURN(auto page, store_.ListExamples(f, storage::ExampleSortKey::kCreatedAt, false, 0, kMatchPool));
      for (auto& e : page.examples) {
        pool_inputs.push_back(Json::parse(e.input_json, nullptr, false));
        pool.push_back(std::move(e));
      }
    }
    return Status::Ok();
  };
  for (const Json& ex : inline_examples) {
    out.emplace_back();
    if (!ex.is_object()) continue;
    const std::string type = ex.value("augmented", false) ? "bootstrapped_from" : "demo_of";
    std::optional<Example> found;
    if (ex.contains("example_id") && ex["example_id"].is_string()) {
      auto e = store_.GetExampleIncludingDeleted(ex["example_id"].get<std::string>());
      if (e.ok()) found = std::move(e).value();
    } else if (ex.contains("input")) {
      if (!pool_loaded) EXEMPLAR_RETURN_IF_ERROR(load_pool());
      for (int pass = 0; pass < 2 && !found; ++pass) {
        for (size_t j = 0; j < pool.size(); ++j) {
          if (SameInputs(ex["input"], pool_inputs[j], pass == 1)) {
            found = pool[j];
            break;
          }
        }
      }
    }
    if (!found) continue;
    LineageEdge edge{"example", found->id, "template", t.id, type};
    // An accepted run's demo names the version it was trained on; otherwise the current one.
    edge.example_version = ex.contains("example_version") && ex["example_version"].is_number_integer()
                               ? ex["example_version"].get<int64_t>()
                               : found->version;
    out.back() = edge;
  }
  return out;
}

Result<std::vector<LineageEdge>> Provenance::InlineExampleEdges(const Template& t) {
  EXEMPLAR_ASSIGN_OR_RETURN(auto matches, MatchInlineExamples(t));
  std::vector<LineageEdge> edges;
  std::set<std::string> seen;
  for (auto& m : matches) {
    if (m && seen.insert(m->source_id).second) edges.push_back(std::move(*m));
  }
  return edges;
}

Status Provenance::SyncTemplate(const Template& t) {
  EXEMPLAR_ASSIGN_OR_RETURN(auto wanted, InlineExampleEdges(t));
  for (const auto& src : t.derived_from) wanted.push_back({"template", src, "template", t.id, "derived_from"});
  EXEMPLAR_ASSIGN_OR_RETURN(auto existing, store_.EdgesTouching({{"template", t.id}}, /*upstream=*/true));
  std::set<std::tuple<std::string, std::string, std::string>> keep;
  for (const auto& e : wanted) keep.insert({e.source_type, e.source_id, e.type});
  std::vector<LineageEdge> stale;
  for (const auto& e : existing) {
    bool managed = IsDemoEdge(e.type) || e.type == "derived_from";
    if (managed && !e.closed_at && !keep.count({e.source_type, e.source_id, e.type})) stale.push_back(e);
  }
  const int64_t now = NowMillis();
  for (auto& e : wanted) e.created_at = now;
  if (!stale.empty()) EXEMPLAR_RETURN_IF_ERROR(store_.CloseEdges(stale, now));
  if (!wanted.empty()) EXEMPLAR_RETURN_IF_ERROR(store_.InsertEdges(wanted));
  return Status::Ok();
}

Status Provenance::SyncMembership(const std::string& example_id, int64_t version,
                                  const std::optional<std::string>& was_databit,
                                  const std::optional<std::string>& now_databit) {
  const int64_t now = NowMillis();
  if (was_databit && was_databit != now_databit) {
    EXEMPLAR_RETURN_IF_ERROR(store_.CloseEdges({{"example", example_id, "template", *was_databit, "member_of"}}, now));
  }
  if (now_databit) {
    LineageEdge e{"example", example_id, "template", *now_databit, "member_of", now};
    e.example_version = version;
    EXEMPLAR_RETURN_IF_ERROR(store_.InsertEdges({e}));
  }
  return Status::Ok();
}

Status Provenance::AddMemberships(const std::vector<const Example*>& examples) {
  std::vector<LineageEdge> edges;
  const int64_t now = NowMillis();
  for (const Example* e : examples) {
    if (!e->databit_id) continue;
    LineageEdge edge{"example", e->id, "template", *e->databit_id, "member_of", now};
    edge.example_version = e->version;
    edges.push_back(edge);
  }
  if (edges.empty()) return Status::Ok();
  return store_.InsertEdges(edges);
}

Status Provenance::Backfill(bool force) {
  static const std::string kName = "lineage_v1";
  if (!force) {
    EXEMPLAR_ASSIGN_OR_RETURN(bool done, store_.BackfillDone(kName));
    if (done) return Status::Ok();
  }
  std::set<std::string> template_ids;
  std::vector<Template> templates;
  for (int64_t offset = 0;; offset += 500) {
    EXEMPLAR_ASSIGN_OR_RETURN(auto page, store_.ListTemplates(storage::TemplateListQuery{std::nullopt, std::nullopt, offset, 500, std::nullopt}));
    for (auto& t : page.items) {
      template_ids.insert(t.id);
      templates.push_back(std::move(t));
    }
    if (page.items.size() < 500) break;
  }
  // Membership first, so that matching inline examples below sees every example.
  std::vector<LineageEdge> members;
  const int64_t now = NowMillis();
  EXEMPLAR_RETURN_IF_ERROR(store_.ScanExamples(false, [&](Example&& e) {
    if (!e.databit_id || !template_ids.count(*e.databit_id)) return;
    LineageEdge edge{"example", e.id, "template", *e.databit_id, "member_of", e.created_at ? e.created_at : now};
    edge.example_version = e.version;
    members.push_back(std::move(edge));
  }));
  constexpr size_t kChunk = 1000;  // one write transaction per chunk
  for (size_t i = 0; i < members.size(); i += kChunk) {
    std::vector<LineageEdge> chunk(members.begin() + i, members.begin() + std::min(members.size(), i + kChunk));
    EXEMPLAR_RETURN_IF_ERROR(store_.InsertEdges(chunk));
  }
  for (const auto& t : templates) {
    EXEMPLAR_ASSIGN_OR_RETURN(auto edges, InlineExampleEdges(t));
    for (const auto& src : t.derived_from) {
      if (template_ids.count(src)) edges.push_back({"template", src, "template", t.id, "derived_from"});
    }
    if (t.parent_template_id && template_ids.count(*t.parent_template_id)) {
      edges.push_back({"template", *t.parent_template_id, "template", t.id, "version_of"});
    }
    for (auto& e : edges) e.created_at = t.created_at ? t.created_at : now;
    if (!edges.empty()) EXEMPLAR_RETURN_IF_ERROR(store_.InsertEdges(edges));
  }
  return store_.MarkBackfillDone(kName);
}

}  // namespace exemplar::service

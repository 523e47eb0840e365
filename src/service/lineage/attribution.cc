#include "service/lineage/attribution.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <vector>

namespace exemplar::service {
namespace {

// The path from `node` down to the root, following the edge that discovered each node.
Json PathTo(const std::string& node, const std::map<std::string, LineageEdge>& via) {
  Json path = Json::array();
  std::string cur = node;
  for (int guard = 0; guard < 100; ++guard) {
    auto colon = cur.find(':');
    Json step = {{"type", cur.substr(0, colon)}, {"id", cur.substr(colon + 1)}};
    auto it = via.find(cur);
    if (it == via.end()) {
      path.push_back(step);
      break;
    }
    step["edge"] = it->second.type;
    path.push_back(step);
    cur = it->second.target_type + ":" + it->second.target_id;
  }
  return path;
}

// How directly an edge ties its source to the version, most specific first. An example inside
// the version's prompt (demo_of, bootstrapped_from) shaped it most; one the producing run trained
// or validated on (used_in) shaped it through the optimization; one that merely belongs to a
// template upstream (member_of) is the least specific, since every example of the parent is one.
// The reviewer saw a run's 64 non-demo training examples listed as member_of because the parent
// template's edge happened to be read before the run's. Template and run links come between.
int RelationRank(const std::string& type) {
  static const std::vector<std::string> kOrder = {"demo_of",      "bootstrapped_from", "used_in",
                                                  "trained_on",   "produced",          "imported_as",
                                                  "version_of",   "derived_from",      "optimized_by",
                                                  "member_of"};
  auto it = std::find(kOrder.begin(), kOrder.end(), type);
  return static_cast<int>(it - kOrder.begin());  // another kind: after these
}

// Whether `a` is the better of two edges reaching one node at the same depth: the more specific
// relation, then (same relation) the target's key, so the choice is the same whatever the order.
bool Preferred(const LineageEdge& a, const LineageEdge& b) {
  const int ra = RelationRank(a.type), rb = RelationRank(b.type);
  if (ra != rb) return ra < rb;
  return std::tie(a.target_type, a.target_id, a.type) < std::tie(b.target_type, b.target_id, b.type);
}

}  // namespace

Result<Json> Attribution::ForTemplate(const std::string& template_id, int max_depth) {
  EXEMPLAR_ASSIGN_OR_RETURN(Template self, store_.GetTemplate(template_id));
  NodeRef root{"template", template_id};
  EXEMPLAR_ASSIGN_OR_RETURN(Subgraph g, lineage_.Traverse(root, Direction::kUpstream, max_depth));
  // Breadth-first from the root over reversed edges: for each node, the edge that led to it.
  // Closed edges (membership that ended, demos removed) no longer feed the version. A node
  // reachable by several edges at the same depth takes the most specific one (RelationRank), so
  // `relation` and `path` do not depend on the order the edges were stored in.
  std::map<std::string, std::vector<const LineageEdge*>> into;  // target key → edges
  for (const auto& e : g.edges) {
    if (!e.closed_at) into[e.target_type + ":" + e.target_id].push_back(&e);
  }
  std::map<std::string, LineageEdge> via;
  std::vector<std::string> frontier{NodeKey(root)};
  std::set<std::string> seen{NodeKey(root)};
  while (!frontier.empty()) {
    std::map<std::string, const LineageEdge*> found;  // this level's nodes, by key (sorted)
    for (const auto& key : frontier) {
      for (const LineageEdge* e : into[key]) {
        const std::string src = e->source_type + ":" + e->source_id;
        if (seen.count(src)) continue;
        auto [it, fresh] = found.emplace(src, e);
        if (!fresh && Preferred(*e, *it->second)) it->second = e;
      }
    }
    std::vector<std::string> next;
    for (const auto& [src, e] : found) {
      seen.insert(src);
      via[src] = *e;
      next.push_back(src);
    }
    frontier = std::move(next);
  }

  // Contributions of each example in each upstream run.
  struct RunShare {
    std::string run_id;
    std::optional<double> contribution;  // null: the run could not tell this example apart
    int64_t with, without;
    std::string variation;
  };
  std::map<std::string, std::vector<RunShare>> shares;
  Json runs = Json::array();
  for (const auto& n : g.nodes) {
    if (n.type != "run") continue;
    auto run = store_.GetRun(n.id);
    if (!run.ok()) continue;
    runs.push_back({{"run_id", run->id}, {"status", run->status},
                    {"best_score", run->best_score ? Json(*run->best_score) : Json(nullptr)},
                    {"path", PathTo("run:" + n.id, via)}});
    if (!run->contributions_json) continue;
    Json contributions = Json::parse(*run->contributions_json, nullptr, false);
    if (!contributions.is_array()) continue;
    for (const auto& c : contributions) {
      if (!c.contains("example_id") || !c["example_id"].is_string()) continue;
      // A run that could not tell this example apart (it was in every trial, or in none) measured
      // nothing about it: listed with its verdict and trial counts, left out of the contribution.
      std::optional<double> contribution;
      if (c.contains("contribution") && c["contribution"].is_number()) contribution = c["contribution"].get<double>();
      const std::string variation =
          c.contains("variation") && c["variation"].is_string() ? c["variation"].get<std::string>()
                                                                : (contribution ? "ok" : "not_enough_variation");
      shares[c["example_id"].get<std::string>()].push_back(
          {run->id, contribution, c.value("trials_with", int64_t{0}), c.value("trials_without", int64_t{0}), variation});
    }
  }
  Json examples = Json::array(), templates = Json::array();
  for (const auto& n : g.nodes) {
    std::string key = NodeKey(n);
    if (key != NodeKey(root) && !via.count(key)) continue;  // reached only through closed edges
    if (n.type == "example") {
      Json item = {{"example_id", n.id}, {"path", PathTo(key, via)}};
      const LineageEdge& edge = via[key];
      item["relation"] = edge.type;
      item["version"] = edge.example_version ? Json(*edge.example_version) : Json(nullptr);
      auto e = store_.GetExampleIncludingDeleted(n.id);
      if (e.ok()) {
        item["label"] = e->purged_at ? "(purged example)"
                                     : e->function_name.value_or(e->domain) + ": " + e->input_json.substr(0, 80);
        item["domain"] = e->domain;
        item["current_version"] = e->version;
        item["deleted"] = e->deleted_at.has_value();
        item["purged"] = e->purged_at.has_value();
        item["effectiveness_score"] = e->effectiveness_score() ? Json(*e->effectiveness_score()) : Json(nullptr);
      } else {
        item["label"] = "(deleted example)";
        item["deleted"] = true;
      }
      double weighted = 0;
      int64_t trials = 0;
      Json per_run = Json::array();
      for (const auto& s : shares[n.id]) {
        per_run.push_back({{"run_id", s.run_id}, {"contribution", s.contribution ? Json(*s.contribution) : Json(nullptr)},
                           {"variation", s.variation}, {"trials_with", s.with}, {"trials_without", s.without}});
        if (!s.contribution) continue;
        int64_t t = s.with + s.without;
        weighted += *s.contribution * static_cast<double>(std::max<int64_t>(1, t));
        trials += std::max<int64_t>(1, t);
      }
      item["contribution"] = trials ? Json(weighted / static_cast<double>(trials)) : Json(nullptr);
      item["evidence_trials"] = trials;
      item["runs"] = per_run;
      examples.push_back(std::move(item));
    } else if (n.type == "template" && n.id != template_id) {
      Json item = {{"template_id", n.id}, {"path", PathTo(key, via)},
                   {"relation", via.count(key) ? via[key].type : ""}};
      auto t = store_.GetTemplate(n.id);
      if (t.ok()) {
        item["name"] = t->name;
        item["version"] = t->version;
        item["status"] = t->status;
      }
      templates.push_back(std::move(item));
    }
  }
  std::stable_sort(examples.begin(), examples.end(), [](const Json& a, const Json& b) {
    double ca = a["contribution"].is_number() ? a["contribution"].get<double>() : -1e9;
    double cb = b["contribution"].is_number() ? b["contribution"].get<double>() : -1e9;
    return ca > cb;
  });
  // The version's own inline examples, each with the stored example (and version) it came from,
  // or marked as inline only (written into the template, never stored as an example).
  Json inline_items = Json::array();
  std::map<std::string, const LineageEdge*> demo_edges;
  for (const auto& e : g.edges) {
    if (e.target_id == template_id && e.source_type == "example" && !e.closed_at &&
        (e.type == "demo_of" || e.type == "bootstrapped_from")) {
      demo_edges[e.source_id] = &e;
    }
  }
  EXEMPLAR_ASSIGN_OR_RETURN(auto matches, provenance_.MatchInlineExamples(self));
  for (size_t i = 0; i < matches.size(); ++i) {
    Json item = {{"index", i}, {"example_id", nullptr}, {"version", nullptr}, {"stored", false}};
    if (matches[i] && demo_edges.count(matches[i]->edge.source_id)) {
      const LineageEdge* e = demo_edges[matches[i]->edge.source_id];
      item["match"] = matches[i]->how;
      item["example_id"] = e->source_id;
      item["version"] = e->example_version ? Json(*e->example_version) : Json(nullptr);
      item["relation"] = e->type;
      item["stored"] = true;
    }
    inline_items.push_back(std::move(item));
  }
  return Json{{"template_id", template_id}, {"examples", examples}, {"templates", templates}, {"runs", runs},
              {"inline_examples", inline_items}};
}

}  // namespace exemplar::service

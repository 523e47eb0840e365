#include "service/lineage/attribution.h"

#include <algorithm>
#include <map>

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

}  // namespace

Result<Json> Attribution::ForTemplate(const std::string& template_id, int max_depth) {
  EXEMPLAR_RETURN_IF_ERROR(store_.GetTemplate(template_id).status());
  NodeRef root{"template", template_id};
  EXEMPLAR_ASSIGN_OR_RETURN(Subgraph g, lineage_.Traverse(root, Direction::kUpstream, max_depth));
  // Breadth-first from the root over reversed edges: for each node, the edge that led to it.
  std::map<std::string, std::vector<const LineageEdge*>> into;  // target key → edges
  for (const auto& e : g.edges) into[e.target_type + ":" + e.target_id].push_back(&e);
  std::map<std::string, LineageEdge> via;
  std::vector<std::string> frontier{NodeKey(root)};
  std::map<std::string, bool> seen{{NodeKey(root), true}};
  while (!frontier.empty()) {
    std::vector<std::string> next;
    for (const auto& key : frontier) {
      for (const LineageEdge* e : into[key]) {
        std::string src = e->source_type + ":" + e->source_id;
        if (seen[src]) continue;
        seen[src] = true;
        via[src] = *e;
        next.push_back(src);
      }
    }
    frontier = std::move(next);
  }

  // Contributions of each example in each upstream run.
  struct RunShare {
    std::string run_id;
    double contribution;
    int64_t with, without;
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
      if (!c.contains("example_id")) continue;
      // A run that could not tell this example apart measured nothing about it.
      if (!c.contains("contribution") || !c["contribution"].is_number()) continue;
      shares[c["example_id"].get<std::string>()].push_back(
          {run->id, c.value("contribution", 0.0), c.value("trials_with", int64_t{0}),
           c.value("trials_without", int64_t{0})});
    }
  }
  Json examples = Json::array(), templates = Json::array();
  for (const auto& n : g.nodes) {
    std::string key = NodeKey(n);
    if (n.type == "example") {
      Json item = {{"example_id", n.id}, {"path", PathTo(key, via)}};
      auto e = store_.GetExample(n.id);
      if (e.ok()) {
        item["label"] = e->function_name.value_or(e->domain) + ": " + e->input_json.substr(0, 80);
        item["domain"] = e->domain;
        item["effectiveness_score"] = e->effectiveness_score() ? Json(*e->effectiveness_score()) : Json(nullptr);
      } else {
        item["label"] = "(deleted example)";
      }
      double weighted = 0;
      int64_t trials = 0;
      Json per_run = Json::array();
      for (const auto& s : shares[n.id]) {
        int64_t t = s.with + s.without;
        weighted += s.contribution * static_cast<double>(std::max<int64_t>(1, t));
        trials += std::max<int64_t>(1, t);
        per_run.push_back({{"run_id", s.run_id}, {"contribution", s.contribution},
                           {"trials_with", s.with}, {"trials_without", s.without}});
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
  return Json{{"template_id", template_id}, {"examples", examples}, {"templates", templates}, {"runs", runs}};
}

}  // namespace exemplar::service

#include "service/lineage/lineage.h"

#include <map>
#include <set>

#include "common/time.h"

namespace exemplar::service {

Result<bool> Lineage::Reaches(const NodeRef& from, const NodeRef& to, int max_depth) {
  if (from == to) return true;
  EXEMPLAR_ASSIGN_OR_RETURN(Subgraph g, Traverse(from, Direction::kDownstream, max_depth));
  for (const auto& n : g.nodes) {
    if (n == to) return true;
  }
  return false;
}

Status Lineage::CheckEdges(const std::vector<LineageEdge>& edges) {
  for (const auto& e : edges) {
    // source → target closes a cycle when source is already downstream of target.
    EXEMPLAR_ASSIGN_OR_RETURN(bool cycle, Reaches({e.target_type, e.target_id}, {e.source_type, e.source_id}));
    if (cycle) {
      return Status::FailedPrecondition("lineage edge " + e.source_type + ":" + e.source_id + " → " +
                                        e.target_type + ":" + e.target_id + " (" + e.type +
                                        ") would create a cycle");
    }
  }
  return Status::Ok();
}

Status Lineage::AddEdges(const std::vector<LineageEdge>& edges) {
  EXEMPLAR_RETURN_IF_ERROR(CheckEdges(edges));
  std::vector<LineageEdge> stamped = edges;
  for (auto& e : stamped) {
    if (!e.created_at) e.created_at = NowMillis();
  }
  return store_.InsertEdges(stamped);
}

Result<Subgraph> Lineage::Traverse(const NodeRef& root, Direction direction, int max_depth) {
  Subgraph g;
  g.root = root;
  g.nodes.push_back(root);
  g.depth.push_back(0);
  std::set<NodeRef> visited{root};
  std::set<std::tuple<std::string, std::string, std::string, std::string, std::string>> seen_edges;
  auto walk = [&](bool upstream) -> Status {
    std::vector<NodeRef> frontier{root};
    for (int depth = 1; depth <= max_depth && !frontier.empty(); ++depth) {
      std::vector<std::pair<std::string, std::string>> keys;
      for (const auto& n : frontier) keys.emplace_back(n.type, n.id);
      EXEMPLAR_ASSIGN_OR_RETURN(auto edges, store_.EdgesTouching(keys, upstream));
      std::vector<NodeRef> next;
      for (auto& e : edges) {
        auto key = std::make_tuple(e.source_type, e.source_id, e.target_type, e.target_id, e.type);
        if (seen_edges.insert(key).second) g.edges.push_back(e);
        NodeRef other = upstream ? NodeRef{e.source_type, e.source_id} : NodeRef{e.target_type, e.target_id};
        if (visited.insert(other).second) {
          g.nodes.push_back(other);
          g.depth.push_back(upstream ? -depth : depth);
          next.push_back(other);
        }
      }
      frontier = std::move(next);
    }
    return Status::Ok();
  };
  if (direction != Direction::kDownstream) EXEMPLAR_RETURN_IF_ERROR(walk(true));
  if (direction != Direction::kUpstream) EXEMPLAR_RETURN_IF_ERROR(walk(false));
  // Keep only edges whose both ends are in the subgraph (the depth cap can cut one end off).
  std::erase_if(g.edges, [&](const LineageEdge& e) {
    return !visited.count({e.source_type, e.source_id}) || !visited.count({e.target_type, e.target_id});
  });
  return g;
}

Json SubgraphToJson(const Subgraph& g) {
  Json nodes = Json::array(), edges = Json::array();
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    nodes.push_back({{"key", NodeKey(g.nodes[i])}, {"type", g.nodes[i].type}, {"id", g.nodes[i].id},
                     {"depth", g.depth[i]}});
  }
  for (const auto& e : g.edges) {
    edges.push_back({{"source", e.source_type + ":" + e.source_id},
                     {"target", e.target_type + ":" + e.target_id},
                     {"source_type", e.source_type}, {"source_id", e.source_id},
                     {"target_type", e.target_type}, {"target_id", e.target_id},
                     {"type", e.type},
                     {"example_version", e.example_version ? Json(*e.example_version) : Json(nullptr)},
                     {"closed_at", e.closed_at ? Json(FormatRfc3339(*e.closed_at)) : Json(nullptr)}});
  }
  return {{"root", NodeKey(g.root)}, {"nodes", nodes}, {"edges", edges}};
}

}  // namespace exemplar::service

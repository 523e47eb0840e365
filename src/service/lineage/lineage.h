// Lineage (SPEC §4.7): typed, directed edges upstream → downstream between templates, examples
// and runs, stored once. Traversal is breadth-first with a visited set and a depth cap, one store
// query per level (not per node). An edge that would close a cycle is refused.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/json_util.h"
#include "storage/store.h"

namespace exemplar::service {

struct NodeRef {
  std::string type;  // template | example | run | snapshot
  std::string id;
  bool operator<(const NodeRef& o) const { return type != o.type ? type < o.type : id < o.id; }
  bool operator==(const NodeRef& o) const { return type == o.type && id == o.id; }
};

enum class Direction { kUpstream, kDownstream, kBoth };

struct Subgraph {
  NodeRef root;
  std::vector<NodeRef> nodes;      // root first, then in discovery order
  std::vector<int> depth;          // per node: distance from the root
  std::vector<LineageEdge> edges;  // each once
};

class Lineage {
 public:
  explicit Lineage(storage::Store& store) : store_(store) {}

  // Adds edges after checking none closes a cycle (kFailedPrecondition → 409 naming the edge).
  Status AddEdges(const std::vector<LineageEdge>& edges);
  // The check alone, for a caller that stores the edges itself in the transaction of the write
  // they belong to (Templates::Update), so a write that fails leaves no edge behind.
  Status CheckEdges(const std::vector<LineageEdge>& edges);
  // True when `to` is reachable from `from` going downstream.
  Result<bool> Reaches(const NodeRef& from, const NodeRef& to, int max_depth = 1000);
  Result<Subgraph> Traverse(const NodeRef& root, Direction direction, int max_depth);

 private:
  storage::Store& store_;
};

// {root, nodes:[{type,id,depth}], edges:[{source,target,type,example_version,closed_at}]} with
// node keys "type:id". Closed edges (a membership that ended, a demo removed) are history: shown.
Json SubgraphToJson(const Subgraph& g);
inline std::string NodeKey(const NodeRef& n) { return n.type + ":" + n.id; }

}  // namespace exemplar::service

// Turns the lineage response into positioned React Flow nodes and edges (dagre, left to right).
import dagre from "@dagrejs/dagre";
import { MarkerType, type Edge, type Node } from "@xyflow/react";
import type { Lineage, LineageNode } from "../api/get-lineage";

export const NODE_WIDTH = 210;
export const NODE_HEIGHT = 64;

export type LineageNodeData = { node: LineageNode; isRoot: boolean };

const keyOf = (n: LineageNode) => `${n.type}:${n.id}`;

export function rootKey(lineage: Lineage, fallbackId: string): string | undefined {
  const r = lineage.root;
  const id = typeof r === "string" ? r : r && typeof r === "object" ? r.id : fallbackId;
  const hit = lineage.nodes.find((n) => n.id === id || keyOf(n) === id);
  return hit ? keyOf(hit) : undefined;
}

export function layoutLineage(lineage: Lineage, fallbackRootId: string): { nodes: Node<LineageNodeData>[]; edges: Edge[] } {
  const nodes = Array.isArray(lineage.nodes) ? lineage.nodes.filter((n) => n && n.id) : [];
  const edgesIn = Array.isArray(lineage.edges) ? lineage.edges : [];
  // Edges may name endpoints by plain id or by "type:id".
  const resolve = new Map<string, string>();
  for (const n of nodes) {
    resolve.set(n.id, keyOf(n));
    resolve.set(keyOf(n), keyOf(n));
  }
  const root = rootKey({ ...lineage, nodes }, fallbackRootId);

  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: "LR", nodesep: 24, ranksep: 80, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of nodes) g.setNode(keyOf(n), { width: NODE_WIDTH, height: NODE_HEIGHT });

  const edges: Edge[] = [];
  edgesIn.forEach((e, i) => {
    const s = resolve.get(e.source);
    const t = resolve.get(e.target);
    if (!s || !t || s === t) return;
    g.setEdge(s, t);
    edges.push({
      id: `e${i}-${s}-${t}`,
      source: s,
      target: t,
      label: e.type,
      labelStyle: { fontSize: 10, fill: "#64748b" },
      labelBgStyle: { fill: "#f8fafc" },
      style: { stroke: "#94a3b8" },
      markerEnd: { type: MarkerType.ArrowClosed, color: "#94a3b8" },
    });
  });
  dagre.layout(g);

  return {
    nodes: nodes.map((n) => {
      const p = g.node(keyOf(n));
      return {
        id: keyOf(n),
        type: "lineage",
        width: NODE_WIDTH,
        height: NODE_HEIGHT,
        position: { x: (p?.x ?? 0) - NODE_WIDTH / 2, y: (p?.y ?? 0) - NODE_HEIGHT / 2 },
        data: { node: n, isRoot: keyOf(n) === root },
      };
    }),
    edges,
  };
}

/** The page a node links to. */
export function nodeHref(n: LineageNode): string | null {
  if (n.type === "template") return `/templates/${n.id}`;
  if (n.type === "example") return `/examples/${n.id}`;
  if (n.type === "run") return `/runs/${n.id}`;
  return null;
}

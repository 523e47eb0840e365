// Turns the lineage response into positioned React Flow nodes and edges (dagre, left to right).
// Large graphs stay readable: when there are more than CLUSTER_THRESHOLD examples, examples with
// the same connections (role and target, e.g. "used in run X") collapse into one cluster node with
// a count, unless the user expanded that cluster. Edges follow dagre's routes, so a long edge
// (version_of) goes around the nodes it skips instead of seeming to leave from one of them.
import dagre from "@dagrejs/dagre";
import { MarkerType, type Edge, type Node } from "@xyflow/react";
import type { Lineage, LineageEdge, LineageNode } from "../api/get-lineage";

// Room for a name on two lines of 14 px text under the kind, and a state line.
export const NODE_WIDTH = 240;
export const NODE_HEIGHT = 88;
/** More example nodes than this and they are grouped into clusters. */
export const CLUSTER_THRESHOLD = 12;

export type Cluster = { key: string; role: string; count: number; members: LineageNode[]; targets: string[] };
export type LineageNodeData = { node: LineageNode; isRoot: boolean; status?: string; cluster?: Cluster; expanded?: boolean };
export type RoutedEdgeData = { points: { x: number; y: number }[]; muted: boolean };

export type LayoutOptions = {
  /** Status of run nodes by run id (the lineage response does not carry it). */
  runStatus?: Map<string, string>;
  /** Cluster keys the user opened. */
  expanded?: Set<string>;
};

const keyOf = (n: LineageNode) => `${n.type}:${n.id}`;

const ROLE_LABELS: Record<string, string> = { used_in: "used in", demo_of: "demo of", member_of: "member of" };
export const roleLabel = (type: string) => ROLE_LABELS[type] ?? type.replace(/_/g, " ");

export function rootKey(lineage: Lineage, fallbackId: string): string | undefined {
  const r = lineage.root;
  const id = typeof r === "string" ? r : r && typeof r === "object" ? r.id : fallbackId;
  const hit = lineage.nodes.find((n) => n.id === id || keyOf(n) === id);
  return hit ? keyOf(hit) : undefined;
}

/**
 * Groups example nodes by their connections: examples whose edges have the same types and other
 * ends form one cluster, largest first; an example alone in its group stays a node of its own.
 * Returns clusters only when there are more than CLUSTER_THRESHOLD examples.
 */
export function clusterExamples(nodes: LineageNode[], edges: { source: string; target: string; type: string }[], root?: string): Cluster[] {
  const examples = nodes.filter((n) => n.type === "example" && keyOf(n) !== root);
  if (examples.length <= CLUSTER_THRESHOLD) return [];
  const links = new Map<string, string[]>();
  for (const e of edges) {
    for (const [me, other, dir] of [[e.source, e.target, ">"], [e.target, e.source, "<"]] as const) {
      if (!me.startsWith("example:")) continue;
      const list = links.get(me) ?? [];
      list.push(`${e.type}${dir}${other}`);
      links.set(me, list);
    }
  }
  const groups = new Map<string, LineageNode[]>();
  for (const n of examples) {
    const signature = [...new Set(links.get(keyOf(n)) ?? [])].sort().join("|");
    groups.set(signature, [...(groups.get(signature) ?? []), n]);
  }
  // A group of one is drawn as its example: a "1 examples" node would hide it and expand to itself.
  const shared = [...groups.entries()].filter(([, members]) => members.length > 1);
  // Largest first, so the list of toggles starts with the cluster that hides the most.
  shared.sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]));
  return shared.map(([signature, members]) => {
    const parts = signature ? signature.split("|") : [];
    const roles = [...new Set(parts.map((p) => p.split(/[<>]/)[0]))];
    return {
      key: `cluster:${signature || "unlinked"}`,
      role: roles.length ? roles.map(roleLabel).join(" + ") : "unlinked",
      count: members.length,
      members,
      targets: [...new Set(parts.map((p) => p.split(/[<>]/)[1]))],
    };
  });
}

export function layoutLineage(lineage: Lineage, fallbackRootId: string, options: LayoutOptions = {}): { nodes: Node<LineageNodeData>[]; edges: Edge<RoutedEdgeData>[]; clusters: Cluster[] } {
  const all = Array.isArray(lineage.nodes) ? lineage.nodes.filter((n) => n && n.id) : [];
  const edgesIn: LineageEdge[] = Array.isArray(lineage.edges) ? lineage.edges : [];
  // Edges may name endpoints by plain id or by "type:id".
  const resolve = new Map<string, string>();
  for (const n of all) {
    resolve.set(n.id, keyOf(n));
    resolve.set(keyOf(n), keyOf(n));
  }
  const root = rootKey({ ...lineage, nodes: all }, fallbackRootId);
  const resolved = edgesIn
    .map((e) => ({ source: resolve.get(e.source), target: resolve.get(e.target), type: e.type }))
    .filter((e): e is { source: string; target: string; type: string } => Boolean(e.source && e.target && e.source !== e.target));

  const clusters = clusterExamples(all, resolved, root);
  // Node key → the cluster node that stands for it (collapsed clusters only).
  const standIn = new Map<string, string>();
  for (const c of clusters) if (!options.expanded?.has(c.key)) for (const m of c.members) standIn.set(keyOf(m), c.key);
  const visible = (k: string) => standIn.get(k) ?? k;

  const g = new dagre.graphlib.Graph({ multigraph: true });
  // Wide rank gaps leave room for the edge labels between columns.
  g.setGraph({ rankdir: "LR", nodesep: 24, ranksep: 140, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));

  const nodes: Node<LineageNodeData>[] = [];
  for (const n of all) {
    if (standIn.has(keyOf(n))) continue;
    const status = n.type === "run" ? options.runStatus?.get(n.id) : undefined;
    nodes.push({ id: keyOf(n), type: "lineage", width: NODE_WIDTH, height: NODE_HEIGHT, position: { x: 0, y: 0 }, data: { node: n, isRoot: keyOf(n) === root, status } });
  }
  for (const c of clusters) {
    const expanded = options.expanded?.has(c.key) ?? false;
    if (expanded) continue;
    nodes.push({
      id: c.key,
      type: "lineage",
      width: NODE_WIDTH,
      height: NODE_HEIGHT,
      position: { x: 0, y: 0 },
      data: { node: { type: "cluster", id: c.key, label: `${c.count} examples` }, isRoot: false, cluster: c, expanded },
    });
  }
  for (const n of nodes) g.setNode(n.id, { width: NODE_WIDTH, height: NODE_HEIGHT });

  // One edge per visible (source, target, type); a cluster's edge counts its members.
  const merged = new Map<string, { source: string; target: string; type: string; count: number }>();
  for (const e of resolved) {
    const source = visible(e.source);
    const target = visible(e.target);
    if (source === target) continue;
    const k = `${source}>${target}>${e.type}`;
    const hit = merged.get(k);
    if (hit) hit.count++;
    else merged.set(k, { source, target, type: e.type, count: 1 });
  }
  for (const [k, e] of merged) g.setEdge(e.source, e.target, {}, k);
  dagre.layout(g);

  for (const n of nodes) {
    const p = g.node(n.id);
    n.position = { x: (p?.x ?? 0) - NODE_WIDTH / 2, y: (p?.y ?? 0) - NODE_HEIGHT / 2 };
  }
  const failedRun = (key: string) => {
    if (!key.startsWith("run:")) return false;
    const s = options.runStatus?.get(key.slice(4));
    return s === "failed" || s === "cancelled";
  };
  const edges: Edge<RoutedEdgeData>[] = [...merged.entries()].map(([k, e]) => {
    const muted = failedRun(e.source) || failedRun(e.target);
    const color = muted ? "#cbd5e1" : e.type === "version_of" || e.type === "derived_from" ? "#818cf8" : "#94a3b8";
    return {
      id: k,
      source: e.source,
      target: e.target,
      type: "routed",
      label: e.count > 1 ? `${roleLabel(e.type)} ×${e.count}` : roleLabel(e.type),
      style: { stroke: color, strokeDasharray: muted ? "4 3" : undefined },
      markerEnd: { type: MarkerType.ArrowClosed, color },
      data: { points: g.edge({ v: e.source, w: e.target, name: k })?.points ?? [], muted },
    };
  });
  return { nodes, edges, clusters };
}

/** The page a node links to (clusters expand in place instead). */
export function nodeHref(n: LineageNode): string | null {
  if (n.type === "template") return `/templates/${n.id}`;
  if (n.type === "example") return `/examples/${n.id}`;
  if (n.type === "run") return `/runs/${n.id}`;
  return null;
}

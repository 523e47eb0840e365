import { Handle, Position, type Node, type NodeProps } from "@xyflow/react";
import { cn, exampleSummary, shortId } from "@/lib/format";
import { NODE_HEIGHT, NODE_WIDTH, type LineageNodeData } from "./layout";

const styles: Record<string, { ring: string; chip: string; label: string }> = {
  template: { ring: "ring-indigo-300", chip: "bg-indigo-100 text-indigo-700", label: "Template" },
  example: { ring: "ring-emerald-300", chip: "bg-emerald-100 text-emerald-700", label: "Example" },
  run: { ring: "ring-amber-300", chip: "bg-amber-100 text-amber-800", label: "Run" },
  snapshot: { ring: "ring-violet-300", chip: "bg-violet-100 text-violet-700", label: "Snapshot" },
  cluster: { ring: "ring-emerald-400", chip: "bg-emerald-100 text-emerald-800", label: "Examples" },
};

/** Runs look like how they ended: a failed or cancelled run must not pass for a completed one. */
const runStatusStyle: Record<string, { box: string; text: string }> = {
  completed: { box: "ring-emerald-500", text: "text-emerald-700" },
  running: { box: "ring-sky-500", text: "text-sky-700" },
  pending: { box: "ring-slate-300", text: "text-slate-500" },
  failed: { box: "ring-rose-500 ring-2 bg-rose-50 border-dashed", text: "text-rose-700" },
  cancelled: { box: "ring-slate-400 bg-slate-100 opacity-80", text: "text-slate-600" },
};

/** Status or domain line; fields may sit on the node or in its `attributes`. */
function subtitle(node: LineageNodeData["node"]): string {
  const attrs = (typeof node.attributes === "object" && node.attributes ? node.attributes : {}) as Record<string, unknown>;
  const pick = (k: string) => (node[k] ?? attrs[k]) as unknown;
  if (pick("purged")) return "deleted · content purged";
  if (pick("deleted")) return node.type === "example" ? "deleted · click to restore" : "deleted";
  const parts: string[] = [];
  const version = pick("version");
  if (version && !String(node.label ?? "").includes(String(version))) parts.push(`v${String(version)}`);
  for (const k of ["status", "function_name", "domain"]) if (typeof pick(k) === "string") parts.push(pick(k) as string);
  const eff = pick("effectiveness_score");
  if (typeof eff === "number") parts.push(`eff ${eff.toFixed(2)}`);
  return parts.join(" · ");
}

/**
 * What a node is called. An example reads as it does everywhere else (`exampleSummary`: its first
 * input value), not as the server's `function: {"json…` label, which starts alike for a whole
 * template; a node without its input keeps the server's label.
 */
export function nodeLabel(node: LineageNodeData["node"]): string {
  const attrs = (typeof node.attributes === "object" && node.attributes ? node.attributes : {}) as Record<string, unknown>;
  const input = attrs.input ?? node.input;
  if (node.type === "example" && typeof input === "object" && input !== null && !Array.isArray(input)) {
    return exampleSummary({ example_id: node.id, input: input as Record<string, unknown> }, 80);
  }
  return node.label || shortId(node.id);
}

/**
 * What a screen reader says for a node: kind, name, then its state, e.g. "Run 8d1d1ebb, completed",
 * "Template Triage v2, this template", "Cluster of 40 examples (demo of), press Enter to expand".
 * The card's own text would run together ("Runrun 8d1d1ebbcompleted").
 */
export function nodeAriaLabel({ node, isRoot, status, cluster }: LineageNodeData): string {
  if (cluster) return `Cluster of ${cluster.count} examples (${cluster.role}), press Enter to expand`;
  const kind = styles[node.type]?.label ?? node.type;
  const sub = [status, subtitle(node)].filter(Boolean).join(", ").replace(/ · /g, ", ");
  // The server labels a run "run 8d1d1ebb": say the kind once.
  const name = nodeLabel(node).replace(new RegExp(`^${kind} `, "i"), "");
  return [`${kind} ${name}`, isRoot ? "this template" : "", sub].filter(Boolean).join(", ");
}

/**
 * A template's label is "<name> v<version>": a long name is cut, never the version, so two
 * versions of one template stay distinguishable.
 */
function NodeLabel({ text }: { text: string }) {
  const m = /^(.*\S) (v\d[\w.+-]*)$/.exec(text);
  return (
    <p className="mt-1 flex min-w-0 text-xs font-medium text-slate-800" title={text}>
      <span className="truncate">{m ? m[1] : text}</span>
      {m && <span className="shrink-0 pl-1 tabular-nums">{m[2]}</span>}
    </p>
  );
}

export function LineageNodeCard({ data }: NodeProps<Node<LineageNodeData>>) {
  const { node, isRoot, status, cluster } = data;
  const s = styles[node.type] ?? { ring: "ring-slate-300", chip: "bg-slate-100 text-slate-700", label: node.type };
  const runStyle = node.type === "run" && status ? runStatusStyle[status] : undefined;
  const attrs = (typeof node.attributes === "object" && node.attributes ? node.attributes : {}) as Record<string, unknown>;
  // Deleted examples stay in the graph (their tombstones keep provenance), greyed out.
  const deleted = Boolean(node.deleted ?? attrs.deleted);
  const sub = cluster ? `${cluster.role} · click to expand` : [status, subtitle(node)].filter(Boolean).join(" · ");
  return (
    <div
      className={cn("flex cursor-pointer flex-col justify-center rounded-lg bg-white px-3 shadow-sm ring-1", s.ring, runStyle?.box, cluster && "shadow-[3px_3px_0_0_#a7f3d0]", isRoot && "ring-2 ring-indigo-600", deleted && "border-dashed bg-slate-100 opacity-60 grayscale ring-slate-300")}
      style={{ width: NODE_WIDTH, height: NODE_HEIGHT }}
      title={cluster ? `${cluster.count} examples (${cluster.role})` : `${s.label} ${node.id}${status ? ` (${status})` : ""}`}
      data-node-type={node.type}
      data-status={status}
      data-deleted={deleted ? "true" : undefined}
    >
      <Handle type="target" position={Position.Left} />
      <div className="flex items-center gap-1.5">
        <span className={cn("rounded px-1.5 py-px text-[10px] font-semibold uppercase", s.chip)}>{s.label}</span>
        {cluster && <span className="rounded-full bg-emerald-600 px-1.5 text-[10px] font-semibold text-white tabular-nums">{cluster.count}</span>}
        {isRoot && <span className="text-[10px] font-semibold text-indigo-600">this</span>}
      </div>
      <NodeLabel text={cluster ? `${cluster.count} examples` : nodeLabel(node)} />
      {sub && <p className={cn("truncate text-[10px] text-slate-500", runStyle?.text)}>{sub}</p>}
      <Handle type="source" position={Position.Right} />
    </div>
  );
}

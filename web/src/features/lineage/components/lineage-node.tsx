import { Handle, Position, type Node, type NodeProps } from "@xyflow/react";
import { cn, exampleSummary, shortId } from "@/lib/format";
import { NODE_HEIGHT, NODE_WIDTH, type LineageNodeData } from "./layout";

/**
 * Each kind of node: its card, its legend swatch and its minimap colour, in one place so that a
 * kind drawn in the graph is also in the legend and the minimap.
 */
export const NODE_KINDS: Record<string, { ring: string; chip: string; label: string; swatch: string; minimap: string; legend?: string }> = {
  template: { ring: "ring-indigo-300", chip: "bg-indigo-100 text-indigo-700", label: "Template", swatch: "bg-indigo-400", minimap: "#818cf8", legend: "Template version" },
  example: { ring: "ring-emerald-300", chip: "bg-emerald-100 text-emerald-700", label: "Example", swatch: "bg-emerald-400", minimap: "#34d399" },
  cluster: { ring: "ring-emerald-400", chip: "bg-emerald-100 text-emerald-800", label: "Cluster", swatch: "bg-emerald-600", minimap: "#10b981", legend: "Cluster of examples" },
  run: { ring: "ring-amber-300", chip: "bg-amber-100 text-amber-800", label: "Run", swatch: "bg-amber-400", minimap: "#fbbf24", legend: "Optimization run" },
  snapshot: { ring: "ring-violet-300", chip: "bg-violet-100 text-violet-700", label: "Snapshot", swatch: "bg-violet-400", minimap: "#a78bfa" },
  // A program imported with import-dspy (or carried by a template export): `imported_as` → version.
  dspy_program: { ring: "ring-cyan-300", chip: "bg-cyan-100 text-cyan-800", label: "DSPy program", swatch: "bg-cyan-400", minimap: "#22d3ee", legend: "Imported DSPy program" },
};
const styles = NODE_KINDS;
const OTHER_KIND = { ring: "ring-slate-300", chip: "bg-slate-100 text-slate-700", minimap: "#cbd5e1" };

/** The minimap's colour of a node (a kind it does not know is grey, and has no legend entry). */
export const minimapColor = (type: string) => NODE_KINDS[type]?.minimap ?? OTHER_KIND.minimap;

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
 * An imported program's name, from its node id: "<Module>:<content hash>" (or "<Module>:run-<run
 * id>" for a run's program a template export carried; a legacy node is the hash alone). The
 * server's label cuts the id after 8 characters ("dspy_program Predict:"): the module and a short
 * hash say which program it is ("Predict 3f2a1b9c", "ChainOfThought from run 8d1d1ebb").
 */
export function programName(id: string): string {
  const colon = id.indexOf(":");
  if (colon < 0) return shortId(id);
  const module = id.slice(0, colon);
  const rest = id.slice(colon + 1);
  if (!rest) return module;
  return rest.startsWith("run-") ? `${module} from run ${shortId(rest.slice(4))}` : `${module} ${shortId(rest)}`;
}

/**
 * What a node is called. An example reads as it does everywhere else (`exampleSummary`: its first
 * input value), not as the server's `function: {"json…` label, which starts alike for a whole
 * template; a node without its input keeps the server's label. An imported program is named by
 * its module and hash (programName).
 */
export function nodeLabel(node: LineageNodeData["node"]): string {
  if (node.type === "dspy_program") return programName(node.id);
  const attrs = (typeof node.attributes === "object" && node.attributes ? node.attributes : {}) as Record<string, unknown>;
  const input = attrs.input ?? node.input;
  if (node.type === "example" && typeof input === "object" && input !== null && !Array.isArray(input)) {
    return exampleSummary({ example_id: node.id, input: input as Record<string, unknown> }, 80);
  }
  return node.label || shortId(node.id);
}

/**
 * The card's text, line by line: kind (and "this version" on the root), name, state. The server
 * labels a run "run 8d1d1ebb": the kind is said once.
 */
export function nodeText({ node, isRoot, status, cluster }: LineageNodeData): { kind: string; here: string; name: string; sub: string } {
  const kind = styles[node.type]?.label ?? node.type;
  if (cluster) return { kind, here: "", name: `${cluster.count} examples`, sub: `${cluster.role} · click to expand` };
  const label = nodeLabel(node);
  const name = node.type === "example" ? label : label.replace(new RegExp(`^${kind} `, "i"), "");
  return { kind, here: isRoot ? "this version" : "", name, sub: [status, subtitle(node)].filter(Boolean).join(" · ") };
}

/**
 * What a screen reader says for a node: the card's text in its order, with pauses, e.g. "Run
 * 8d1d1ebb, completed", "Template this version Triage v2, published", "Cluster 40 examples, demo of,
 * click to expand". It holds the visible text word for word (WCAG 2.5.3, label in name), where the
 * card's own text would run together ("Run8d1d1ebbcompleted").
 */
export function nodeAriaLabel(data: LineageNodeData): string {
  const t = nodeText(data);
  return [[t.kind, t.here, t.name].filter(Boolean).join(" "), t.sub.replace(/ · /g, ", ")].filter(Boolean).join(", ");
}

/**
 * A template's label is "<name> v<version>": a long name is cut, never the version, so two
 * versions of one template stay distinguishable.
 */
function NodeLabel({ text }: { text: string }) {
  const m = /^(.*\S) (v\d[\w.+-]*)$/.exec(text);
  return (
    <p className="mt-0.5 flex min-w-0 items-end text-sm leading-tight font-medium text-slate-800" title={text}>
      <span className="line-clamp-2 break-words">{m ? m[1] : text}</span>{" "}
      {m && <span className="shrink-0 pl-1 tabular-nums">{m[2]}</span>}
    </p>
  );
}

export function LineageNodeCard({ data }: NodeProps<Node<LineageNodeData>>) {
  const { node, isRoot, status, cluster } = data;
  const s = styles[node.type] ?? { ...OTHER_KIND, label: node.type };
  const runStyle = node.type === "run" && status ? runStatusStyle[status] : undefined;
  const attrs = (typeof node.attributes === "object" && node.attributes ? node.attributes : {}) as Record<string, unknown>;
  // Deleted examples stay in the graph (their tombstones keep provenance), greyed out.
  const deleted = Boolean(node.deleted ?? attrs.deleted);
  // The same words as the node's accessible name (nodeAriaLabel), in the same order, with a space
  // between elements: the text is read joined, and "Template" + "this version" must not read as
  // "Templatethis version" (the flex layout does not draw the spaces).
  const text = nodeText(data);
  return (
    <div
      className={cn("flex cursor-pointer flex-col justify-center rounded-lg bg-white px-3 shadow-sm ring-1", s.ring, runStyle?.box, cluster && "shadow-[3px_3px_0_0_#a7f3d0]", isRoot && "ring-2 ring-indigo-600", deleted && "border-dashed bg-slate-100 opacity-60 grayscale ring-slate-300")}
      style={{ width: NODE_WIDTH, height: NODE_HEIGHT }}
      title={cluster ? `${cluster.count} examples (${cluster.role})` : `${s.label} ${node.id}${status ? ` (${status})` : ""}`}
      data-node-type={node.type}
      data-status={status}
      data-deleted={deleted ? "true" : undefined}
      data-root={isRoot ? "true" : undefined}
    >
      <Handle type="target" position={Position.Left} />
      <div className="flex items-center gap-1.5">
        <span className={cn("rounded px-1.5 py-px text-[11px] font-semibold uppercase", s.chip)}>{text.kind}</span>{" "}
        {text.here && <span className="text-[11px] font-semibold text-indigo-700">{text.here}</span>}
      </div>{" "}
      <NodeLabel text={text.name} />{" "}
      {text.sub && <p className={cn("truncate text-xs text-slate-600", runStyle?.text)}>{text.sub}</p>}
      <Handle type="source" position={Position.Right} />
    </div>
  );
}

import { Handle, Position, type Node, type NodeProps } from "@xyflow/react";
import { cn, shortId } from "@/lib/format";
import { NODE_HEIGHT, NODE_WIDTH, type LineageNodeData } from "./layout";

const styles: Record<string, { ring: string; chip: string; label: string }> = {
  template: { ring: "ring-indigo-300", chip: "bg-indigo-100 text-indigo-700", label: "Template" },
  example: { ring: "ring-emerald-300", chip: "bg-emerald-100 text-emerald-700", label: "Example" },
  run: { ring: "ring-amber-300", chip: "bg-amber-100 text-amber-800", label: "Run" },
};

/** Status or domain line; fields may sit on the node or in its `attributes`. */
function subtitle(node: LineageNodeData["node"]): string {
  const attrs = (typeof node.attributes === "object" && node.attributes ? node.attributes : {}) as Record<string, unknown>;
  const pick = (k: string) => (node[k] ?? attrs[k]) as unknown;
  if (pick("deleted")) return "deleted";
  const parts: string[] = [];
  const version = pick("version");
  if (version && !String(node.label ?? "").includes(String(version))) parts.push(`v${String(version)}`);
  for (const k of ["status", "domain"]) if (typeof pick(k) === "string") parts.push(pick(k) as string);
  const eff = pick("effectiveness_score");
  if (typeof eff === "number") parts.push(`eff ${eff.toFixed(2)}`);
  return parts.join(" · ");
}

export function LineageNodeCard({ data }: NodeProps<Node<LineageNodeData>>) {
  const { node, isRoot } = data;
  const s = styles[node.type] ?? { ring: "ring-slate-300", chip: "bg-slate-100 text-slate-700", label: node.type };
  const sub = subtitle(node);
  return (
    <div
      className={cn("flex cursor-pointer flex-col justify-center rounded-lg bg-white px-3 shadow-sm ring-1", s.ring, isRoot && "ring-2 ring-indigo-600")}
      style={{ width: NODE_WIDTH, height: NODE_HEIGHT }}
      title={`${s.label} ${node.id}`}
      data-node-type={node.type}
    >
      <Handle type="target" position={Position.Left} />
      <div className="flex items-center gap-1.5">
        <span className={cn("rounded px-1.5 py-px text-[10px] font-semibold uppercase", s.chip)}>{s.label}</span>
        {isRoot && <span className="text-[10px] font-semibold text-indigo-600">this</span>}
      </div>
      <p className="mt-1 truncate text-xs font-medium text-slate-800">{node.label || shortId(node.id)}</p>
      {sub && <p className="truncate text-[10px] text-slate-500">{sub}</p>}
      <Handle type="source" position={Position.Right} />
    </div>
  );
}

// The template's lineage DAG (SPEC §4.7): pan, zoom, and click a node to open it.
import { Background, Controls, MiniMap, ReactFlow, type Node } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useMemo, useState } from "react";
import { useNavigate } from "react-router";
import { Card } from "@/components/ui/card";
import { SelectInput } from "@/components/ui/field";
import { EmptyState, LoadingState, UnavailableState } from "@/components/ui/states";
import { useTemplateLineage, type LineageDirection } from "../api/get-lineage";
import { layoutLineage, nodeHref, type LineageNodeData } from "./layout";
import { LineageNodeCard } from "./lineage-node";

const nodeTypes = { lineage: LineageNodeCard };
const legend = [
  ["bg-indigo-400", "Template version"],
  ["bg-emerald-400", "Example"],
  ["bg-amber-400", "Optimization run"],
];

export function LineageView({ templateId }: { templateId: string }) {
  const [direction, setDirection] = useState<LineageDirection>("both");
  const [depth, setDepth] = useState(3);
  const q = useTemplateLineage(templateId, { direction, max_depth: depth });
  const navigate = useNavigate();
  const graph = useMemo(() => (q.data ? layoutLineage(q.data, templateId) : null), [q.data, templateId]);

  const onNodeClick = (_: unknown, n: Node<LineageNodeData>) => {
    const href = nodeHref(n.data.node);
    if (href) navigate(href);
  };

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div className="flex gap-3">
          <SelectInput label="Direction" value={direction} onChange={(e) => setDirection(e.target.value as LineageDirection)} fieldClassName="w-40" options={[{ value: "both", label: "Both" }, { value: "upstream", label: "Upstream" }, { value: "downstream", label: "Downstream" }]} />
          <SelectInput label="Depth" value={String(depth)} onChange={(e) => setDepth(Number(e.target.value))} fieldClassName="w-24" options={[1, 2, 3, 4, 5, 8].map((d) => ({ value: String(d), label: String(d) }))} />
        </div>
        <ul className="flex gap-4 text-xs text-slate-600" aria-label="Legend">
          {legend.map(([color, label]) => (
            <li key={label} className="flex items-center gap-1.5">
              <span className={`size-2.5 rounded-sm ${color}`} />
              {label}
            </li>
          ))}
        </ul>
      </div>
      {q.isPending ? (
        <LoadingState label="Loading lineage…" />
      ) : q.isError ? (
        <UnavailableState feature="Lineage" error={q.error} />
      ) : !graph || graph.nodes.length === 0 ? (
        <EmptyState title="No lineage yet" description="Edges appear when examples feed runs, runs produce versions and versions derive from each other." />
      ) : (
        <Card className="h-[560px] overflow-hidden" >
          <div className="h-full" data-testid="lineage-graph">
            <ReactFlow
              nodes={graph.nodes}
              edges={graph.edges}
              nodeTypes={nodeTypes}
              onNodeClick={onNodeClick}
              nodesDraggable={false}
              nodesConnectable={false}
              fitView
              fitViewOptions={{ padding: 0.2, maxZoom: 1.2 }}
              minZoom={0.1}
              proOptions={{ hideAttribution: true }}
            >
              <Background gap={20} color="#e2e8f0" />
              <Controls showInteractive={false} />
              <MiniMap pannable zoomable nodeColor={(n) => ({ template: "#818cf8", example: "#34d399", run: "#fbbf24" })[(n.data as LineageNodeData).node.type] ?? "#cbd5e1"} />
            </ReactFlow>
          </div>
        </Card>
      )}
      <p className="text-xs text-slate-500">{graph ? `${graph.nodes.length} nodes · ${graph.edges.length} edges. ` : ""}Drag to pan, scroll to zoom, click a node to open it.</p>
    </div>
  );
}

// The template's lineage DAG (SPEC §4.7): pan, zoom, and click a node to open it.
import { Background, Controls, MiniMap, ReactFlow, type Node } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useQueries } from "@tanstack/react-query";
import { useMemo, useRef, useState } from "react";
import { useNavigate } from "react-router";
import { Card } from "@/components/ui/card";
import { SelectInput } from "@/components/ui/field";
import { EmptyState, LoadingState, UnavailableState } from "@/components/ui/states";
import { useTemplateLineage, type LineageDirection } from "../api/get-lineage";
import { runQueryOptions } from "@/features/runs/api/get-run";
import { layoutLineage, nodeHref, NODE_HEIGHT, NODE_WIDTH, type LineageNodeData } from "./layout";
import { LineageNodeCard, minimapColor, nodeAriaLabel, nodeLabel, NODE_KINDS } from "./lineage-node";
import { RoutedEdge } from "./routed-edge";
import { FOCUS_HEADING } from "@/lib/use-heading-focus";

const narrowScreen = () => typeof window !== "undefined" && window.matchMedia?.("(max-width: 639.98px)").matches === true;
/**
 * The least zoom the graph opens at, so that node text reads at 11 px or more (14 px names, 12 px
 * states; a phone's nodes a little smaller so two fit across). A graph that would need less to fit
 * opens at this zoom on the current version instead, and pans.
 */
const readableZoom = () => (narrowScreen() ? 0.8 : 0.95);
const FIT_PADDING = 0.1;

const nodeTypes = { lineage: LineageNodeCard };
const edgeTypes = { routed: RoutedEdge };
/** Run statuses are looked up one by one; past this many runs the rest keep the neutral style. */
const MAX_RUN_LOOKUPS = 40;
/** Every kind of node (NODE_KINDS) and the run endings drawn apart. */
export const legend: [string, string][] = [
  ...Object.values(NODE_KINDS).map((k): [string, string] => [k.swatch, k.legend ?? k.label]),
  ["bg-rose-400", "Failed run"],
  ["bg-slate-400", "Cancelled run"],
];

type Box = { minX: number; minY: number; w: number; h: number };

function boxOf(nodes: Node<LineageNodeData>[]): Box {
  const xs = nodes.map((n) => n.position.x);
  const ys = nodes.map((n) => n.position.y);
  const minX = Math.min(...xs);
  const minY = Math.min(...ys);
  return { minX, minY, w: Math.max(...xs) + NODE_WIDTH - minX, h: Math.max(...ys) + NODE_HEIGHT - minY };
}

/** The zoom at which `box` fills the pane less its padding (at most 1.2: a small graph is not blown up). */
const fitZoom = (box: Box, width: number, height: number) => Math.min(1.2, (width * (1 - 2 * FIT_PADDING)) / box.w, (height * (1 - 2 * FIT_PADDING)) / box.h);

/**
 * The opening view: the whole graph when it fits at a readable zoom. Else the current version
 * ("this") with its immediate neighbours (the nodes an edge joins it to): fitted when they fit at a
 * readable zoom, else at that zoom, centred on them as far as "this" stays wholly in view. So it
 * starts where the user is, with what the version came from and what came of it beside it.
 */
export function initialViewport(nodes: Node<LineageNodeData>[], edges: { source: string; target: string }[], width: number, height: number, readable: number) {
  const whole = boxOf(nodes);
  const wholeFit = fitZoom(whole, width, height);
  if (wholeFit >= readable) return { x: (width - whole.w * wholeFit) / 2 - whole.minX * wholeFit, y: (height - whole.h * wholeFit) / 2 - whole.minY * wholeFit, zoom: wholeFit };
  const focus = nodes.find((n) => n.data.isRoot) ?? nodes[0];
  const near = new Set([focus.id]);
  for (const e of edges) {
    if (e.source === focus.id) near.add(e.target);
    if (e.target === focus.id) near.add(e.source);
  }
  const box = boxOf(nodes.filter((n) => near.has(n.id)));
  const zoom = Math.max(readable, fitZoom(box, width, height));
  // Centre the neighbourhood, then pull "this" into the pane (padded) if that left it partly out.
  const along = (pane: number, boxStart: number, boxSize: number, focusStart: number, focusSize: number) => {
    const centred = pane / 2 - (boxStart + boxSize / 2) * zoom;
    const pad = pane * FIT_PADDING;
    const atStart = pad - focusStart * zoom; // "this" at the pane's start
    const atEnd = pane - pad - (focusStart + focusSize) * zoom; // "this" at the pane's end
    return atEnd < atStart ? pane / 2 - (focusStart + focusSize / 2) * zoom : Math.min(atEnd, Math.max(atStart, centred));
  };
  return { x: along(width, box.minX, box.w, focus.position.x, NODE_WIDTH), y: along(height, box.minY, box.h, focus.position.y, NODE_HEIGHT), zoom };
}

/**
 * Nodes are named for a screen reader ("Run 8d1d1ebb, completed") and act as buttons (Enter opens
 * or expands); edges, which are not focusable, are named by what they join instead of React Flow's
 * "Edge from run:… to template:…".
 */
function withAccessibleNames(graph: ReturnType<typeof layoutLineage>): ReturnType<typeof layoutLineage> {
  const names = new Map(graph.nodes.map((n) => [n.id, n.data.cluster ? `${n.data.cluster.count} examples` : nodeLabel(n.data.node)]));
  return {
    ...graph,
    nodes: graph.nodes.map((n) => ({ ...n, ariaLabel: nodeAriaLabel(n.data), ariaRole: n.data.cluster || nodeHref(n.data.node) ? "button" : "group" })),
    edges: graph.edges.map((e) => ({ ...e, ariaLabel: `${names.get(e.source) ?? e.source} → ${String(e.label ?? "")} → ${names.get(e.target) ?? e.target}` })),
  };
}

export function LineageView({ templateId }: { templateId: string }) {
  const [direction, setDirection] = useState<LineageDirection>("both");
  const [depth, setDepth] = useState(3);
  const q = useTemplateLineage(templateId, { direction, max_depth: depth });
  const navigate = useNavigate();
  const pane = useRef<HTMLDivElement>(null);
  const [expanded, setExpanded] = useState<Set<string>>(new Set());
  const runIds = (q.data?.nodes ?? []).filter((n) => n.type === "run").map((n) => n.id).slice(0, MAX_RUN_LOOKUPS);
  const runs = useQueries({ queries: runIds.map((id) => ({ ...runQueryOptions(id), staleTime: 30_000 })) });
  // A stable key for the statuses, so the layout is recomputed only when one changes.
  const statusKey = runIds.map((id, i) => `${id}=${runs[i]?.data?.status ?? ""}`).join(",");
  const runStatus = useMemo(() => {
    const m = new Map<string, string>();
    for (const pair of statusKey.split(",")) {
      const [id, status] = pair.split("=");
      if (id && status) m.set(id, status);
    }
    return m;
  }, [statusKey]);
  const graph = useMemo(() => (q.data ? withAccessibleNames(layoutLineage(q.data, templateId, { runStatus, expanded })) : null), [q.data, templateId, runStatus, expanded]);
  const toggle = (key: string) =>
    setExpanded((s) => {
      const next = new Set(s);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });

  const onNodeClick = (_: unknown, n: Node<LineageNodeData>) => {
    if (n.data.cluster) return toggle(n.data.cluster.key);
    const href = nodeHref(n.data.node);
    // The graph is left behind: the opened page's heading takes focus (Enter on a node, or a click).
    if (href) navigate(href, { state: FOCUS_HEADING });
  };

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div className="flex gap-3">
          <SelectInput label="Direction" value={direction} onChange={(e) => setDirection(e.target.value as LineageDirection)} fieldClassName="w-40" options={[{ value: "both", label: "Both" }, { value: "upstream", label: "Upstream" }, { value: "downstream", label: "Downstream" }]} />
          <SelectInput label="Depth" value={String(depth)} onChange={(e) => setDepth(Number(e.target.value))} fieldClassName="w-24" options={[1, 2, 3, 4, 5, 8].map((d) => ({ value: String(d), label: String(d) }))} />
        </div>
        <ul className="flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-600" aria-label="Legend">
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
        <Card className="h-[420px] overflow-hidden sm:h-[560px]">
          {/* Enter on a focused node opens it, as a click does (React Flow's own Enter only selects). */}
          <div
            ref={pane}
            className="h-full"
            data-testid="lineage-graph"
            onKeyDown={(e) => {
              if (e.key !== "Enter") return;
              const id = (e.target as HTMLElement).closest(".react-flow__node")?.getAttribute("data-id");
              const n = graph.nodes.find((x) => x.id === id);
              if (!n) return;
              e.preventDefault();
              onNodeClick(e, n);
            }}
          >
            <ReactFlow
              nodes={graph.nodes}
              edges={graph.edges}
              nodeTypes={nodeTypes}
              edgeTypes={edgeTypes}
              onNodeClick={onNodeClick}
              nodesDraggable={false}
              nodesConnectable={false}
              edgesFocusable={false}
              onInit={(flow) => {
                const box = pane.current;
                if (box && graph.nodes.length) void flow.setViewport(initialViewport(graph.nodes, graph.edges, box.clientWidth, box.clientHeight, readableZoom()));
              }}
              minZoom={0.1}
              proOptions={{ hideAttribution: true }}
            >
              <Background gap={20} color="#e2e8f0" />
              <Controls showInteractive={false} />
              <MiniMap className="max-sm:hidden" pannable zoomable nodeColor={(n) => minimapColor((n.data as LineageNodeData).node.type)} />
            </ReactFlow>
          </div>
        </Card>
      )}
      {graph && graph.clusters.length > 0 && (
        <div className="flex flex-wrap items-center gap-2 text-xs text-slate-600" aria-label="Example clusters" role="group">
          <span>{q.data?.nodes.filter((n) => n.type === "example").length} examples, grouped by how they are linked:</span>
          {graph.clusters.map((c) => (
            <button
              key={c.key}
              type="button"
              aria-pressed={expanded.has(c.key)}
              onClick={() => toggle(c.key)}
              className="rounded-full bg-emerald-50 px-2 py-0.5 text-emerald-800 ring-1 ring-emerald-200 hover:bg-emerald-100 focus-visible:outline-2 focus-visible:outline-indigo-600"
            >
              {expanded.has(c.key) ? "Collapse" : "Expand"} {c.count} · {c.role}
            </button>
          ))}
        </div>
      )}
      <p className="text-xs text-slate-500">{graph ? `${graph.nodes.length} nodes · ${graph.edges.length} edges. ` : ""}Drag to pan, scroll to zoom, click a node or press Enter on it to open it (a cluster expands).</p>
    </div>
  );
}

// An edge that follows dagre's route (its bend points) instead of a straight curve between the
// two handles, so it passes beside the nodes it skips rather than behind them.
import { BaseEdge, EdgeLabelRenderer, type Edge, type EdgeProps } from "@xyflow/react";
import type { RoutedEdgeData } from "./layout";

export function routedPath(points: { x: number; y: number }[]): string {
  if (points.length === 0) return "";
  // Straight segments with the corners rounded through their midpoints.
  let d = `M ${points[0].x},${points[0].y}`;
  for (let i = 1; i < points.length - 1; i++) {
    const mid = { x: (points[i].x + points[i + 1].x) / 2, y: (points[i].y + points[i + 1].y) / 2 };
    d += ` Q ${points[i].x},${points[i].y} ${mid.x},${mid.y}`;
  }
  const last = points[points.length - 1];
  return `${d} L ${last.x},${last.y}`;
}

export function RoutedEdge({ id, sourceX, sourceY, targetX, targetY, data, label, style, markerEnd }: EdgeProps<Edge<RoutedEdgeData>>) {
  const inner = (data?.points ?? []).slice(1, -1);
  // Start and end at the handles (right side of the source, left side of the target).
  const points = [{ x: sourceX, y: sourceY }, ...inner, { x: targetX, y: targetY }];
  const mid = points[Math.floor(points.length / 2)];
  const prev = points[Math.floor(points.length / 2) - 1] ?? mid;
  const labelAt = { x: (mid.x + prev.x) / 2, y: (mid.y + prev.y) / 2 };
  return (
    <>
      <BaseEdge id={id} path={routedPath(points)} style={style} markerEnd={markerEnd} />
      {label && (
        <EdgeLabelRenderer>
          <div
            className="nodrag nopan pointer-events-none absolute rounded bg-slate-50/90 px-1 text-[10px] text-slate-500"
            style={{ transform: `translate(-50%, -50%) translate(${labelAt.x}px, ${labelAt.y}px)` }}
          >
            {label}
          </div>
        </EdgeLabelRenderer>
      )}
    </>
  );
}

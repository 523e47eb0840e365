import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { EmptyState } from "@/components/ui/states";
import type { Trial } from "../api/types";

/** Each trial's score and the best score so far. */
export function ScoreChart({ trials }: { trials: Trial[] }) {
  if (trials.length === 0) return <EmptyState title="No trials yet" description="Scores appear here as candidates are evaluated." className="h-64" />;
  let best = -Infinity;
  const rows = trials.map((t) => {
    if (t.score !== null) best = Math.max(best, t.score);
    return { trial: t.index, score: t.score, best: Number.isFinite(best) ? best : null };
  });
  return (
    <div className="h-64 w-full" role="img" aria-label={`Scores of ${trials.length} trials`}>
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={rows} margin={{ top: 8, right: 12, bottom: 0, left: -16 }}>
          <CartesianGrid vertical={false} stroke="#e2e8f0" />
          <XAxis dataKey="trial" tick={{ fontSize: 11, fill: "#64748b" }} tickLine={false} axisLine={false} />
          <YAxis domain={[0, 1]} tick={{ fontSize: 11, fill: "#64748b" }} tickLine={false} axisLine={false} />
          <Tooltip contentStyle={{ fontSize: 12, borderRadius: 8, borderColor: "#e2e8f0" }} formatter={(v) => (typeof v === "number" ? v.toFixed(3) : String(v))} />
          <Legend iconType="circle" iconSize={8} wrapperStyle={{ fontSize: 12 }} />
          <Line type="monotone" dataKey="score" name="Trial score" stroke="#94a3b8" strokeWidth={1.5} dot={{ r: 2.5 }} isAnimationActive={false} connectNulls />
          <Line type="stepAfter" dataKey="best" name="Best so far" stroke="#4f46e5" strokeWidth={2} dot={false} isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}

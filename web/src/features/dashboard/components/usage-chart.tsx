import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { DailyUsage } from "../api/get-dashboard";

/** Stacked daily bars: successes, failures, and uses without a recorded outcome. */
export function UsageChart({ data }: { data: DailyUsage[] }) {
  const rows = data.map((d) => ({
    date: d.date.slice(5),
    successes: d.successes,
    failures: d.failures,
    other: Math.max(0, d.uses - d.successes - d.failures),
  }));
  return (
    <div className="h-64 w-full" role="img" aria-label={`Daily usage over ${data.length} days`}>
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={rows} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
          <CartesianGrid vertical={false} stroke="#e2e8f0" />
          <XAxis dataKey="date" tick={{ fontSize: 11, fill: "#64748b" }} tickLine={false} axisLine={false} minTickGap={16} />
          <YAxis allowDecimals={false} tick={{ fontSize: 11, fill: "#64748b" }} tickLine={false} axisLine={false} />
          <Tooltip cursor={{ fill: "#f1f5f9" }} contentStyle={{ fontSize: 12, borderRadius: 8, borderColor: "#e2e8f0" }} />
          <Legend iconType="circle" iconSize={8} wrapperStyle={{ fontSize: 12 }} formatter={(name: string) => <span style={{ color: "#475569" }}>{name}</span>} />
          <Bar dataKey="successes" name="Successes" stackId="u" fill="#10b981" isAnimationActive={false} />
          <Bar dataKey="failures" name="Failures" stackId="u" fill="#f43f5e" isAnimationActive={false} />
          <Bar dataKey="other" name="No outcome" stackId="u" fill="#94a3b8" radius={[3, 3, 0, 0]} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

import { EmptyState } from "@/components/ui/states";
import { formatCount, formatPercent, formatScore } from "@/lib/format";
import type { Breakdown } from "../api/get-dashboard";

type Props = { rows: Breakdown[]; keyLabel: string; keyOf: (b: Breakdown) => string; onSelect?: (key: string) => void };

export function BreakdownTable({ rows, keyLabel, keyOf, onSelect }: Props) {
  if (rows.length === 0) return <EmptyState title="No data for this period" className="py-6" />;
  return (
    <table className="w-full text-sm">
      <thead>
        <tr className="text-left text-xs text-slate-500">
          <th className="py-2 font-medium">{keyLabel}</th>
          <th className="py-2 text-right font-medium">Examples</th>
          <th className="py-2 text-right font-medium">Uses</th>
          <th className="w-40 py-2 pl-4 font-medium">Success rate</th>
          <th className="py-2 text-right font-medium">Avg eff.</th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100">
        {rows.map((b) => {
          const key = keyOf(b);
          return (
            <tr key={key}>
              <td className="py-2">
                {onSelect ? (
                  <button type="button" className="rounded font-medium text-indigo-700 hover:underline focus-visible:outline-2 focus-visible:outline-indigo-600" onClick={() => onSelect(key)}>
                    {key}
                  </button>
                ) : (
                  <span className="font-medium text-slate-800">{key}</span>
                )}
              </td>
              <td className="py-2 text-right tabular-nums">{formatCount(b.example_count)}</td>
              <td className="py-2 text-right tabular-nums">{formatCount(b.total_uses)}</td>
              <td className="py-2 pl-4">
                <div className="flex items-center gap-2">
                  <div className="h-1.5 flex-1 overflow-hidden rounded-full bg-slate-100">
                    <div className="h-full rounded-full bg-emerald-500" style={{ width: `${Math.round((b.success_rate ?? 0) * 100)}%` }} />
                  </div>
                  <span className="w-10 text-right text-xs tabular-nums">{formatPercent(b.success_rate)}</span>
                </div>
              </td>
              <td className="py-2 text-right tabular-nums">{formatScore(b.avg_effectiveness)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

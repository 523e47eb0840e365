import { EmptyState } from "@/components/ui/states";
import { formatCount, formatPercent, formatScore } from "@/lib/format";
import type { Breakdown } from "../api/get-dashboard";

/** `selectable`: rows whose key can be filtered on (default all); the others are plain text, not buttons. */
type Props = { rows: Breakdown[]; keyLabel: string; keyOf: (b: Breakdown) => string; onSelect?: (key: string) => void; selectable?: (b: Breakdown) => boolean };

/** Uses and outcomes per domain or function. Below 640 px each row becomes a small block (`stack-table`). */
export function BreakdownTable({ rows, keyLabel, keyOf, onSelect, selectable = () => true }: Props) {
  if (rows.length === 0) return <EmptyState title="No data for this period" className="py-6" />;
  return (
    <table className="stack-table w-full table-fixed text-sm" aria-label={`Usage by ${keyLabel.toLowerCase()}`}>
      <thead>
        <tr className="text-left text-xs text-slate-500">
          {/* Fixed layout: the name column takes what the number columns leave, so one long
              name is cut (whole in its tooltip) instead of pushing the numbers out of view. */}
          <th className="py-2 pr-3 font-medium">{keyLabel}</th>
          <th className="w-20 py-2 pr-3 text-right font-medium">Examples</th>
          <th className="w-16 py-2 pr-3 text-right font-medium">Uses</th>
          <th className="w-36 py-2 pr-3 font-medium">Success rate</th>
          <th className="w-16 py-2 text-right font-medium whitespace-nowrap" title="Average effectiveness score">
            Avg eff.
          </th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100">
        {rows.map((b) => {
          const key = keyOf(b);
          return (
            <tr key={key}>
              <td className="stack-title min-w-0 py-2 pr-3" title={key}>
                {onSelect && selectable(b) ? (
                  <button
                    type="button"
                    // Cut only when the column is too narrow; focused from the keyboard it shows the whole name.
                    className="block max-w-full rounded text-left font-medium break-words text-indigo-700 hover:underline focus-visible:outline-2 focus-visible:outline-indigo-600 sm:truncate sm:focus-visible:overflow-visible sm:focus-visible:whitespace-normal sm:focus-visible:[text-overflow:clip]"
                    onClick={() => onSelect(key)}
                  >
                    {key}
                  </button>
                ) : (
                  <span className="block font-medium break-words text-slate-800 sm:truncate">{key}</span>
                )}
              </td>
              <td data-label="Examples" className="py-2 pr-3 text-right tabular-nums">{formatCount(b.example_count)}</td>
              <td data-label="Uses" className="py-2 pr-3 text-right tabular-nums">{formatCount(b.total_uses)}</td>
              <td data-label="Success rate" className="py-2 pr-3">
                <div className="flex w-40 items-center gap-2 sm:w-auto">
                  <div className="h-1.5 flex-1 overflow-hidden rounded-full bg-slate-100">
                    <div className="h-full rounded-full bg-emerald-500" style={{ width: `${Math.round((b.success_rate ?? 0) * 100)}%` }} />
                  </div>
                  <span className="w-10 text-right text-xs tabular-nums">{formatPercent(b.success_rate)}</span>
                </div>
              </td>
              <td data-label="Avg effectiveness" className="py-2 text-right tabular-nums">{formatScore(b.avg_effectiveness)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

import { Link } from "react-router";
import { EmptyState } from "@/components/ui/states";
import { formatScore, shortId } from "@/lib/format";
import type { Trial } from "../api/types";

export function TrialsTable({ trials, bestScore }: { trials: Trial[]; bestScore?: number }) {
  if (trials.length === 0) return <EmptyState title="No trials yet" className="py-6" />;
  return (
    <div className="max-h-96 overflow-auto">
      <table className="stack-table w-full text-sm">
        <thead className="sticky top-0 bg-white text-left text-xs text-slate-500">
          <tr>
            <th className="py-2 pr-3 font-medium">#</th>
            <th className="py-2 pr-3 text-right font-medium">Score</th>
            <th className="py-2 pr-3 font-medium">Instruction</th>
            <th className="py-2 pr-3 font-medium">Demos</th>
            <th className="py-2 text-right font-medium">LM calls</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {[...trials].reverse().map((t) => (
            <tr key={t.index} className={t.score !== null && t.score === bestScore ? "bg-emerald-50/60" : undefined}>
              <td data-label="Trial" className="py-2 pr-3 font-mono text-xs">{t.index}</td>
              <td data-label="Score" className="py-2 pr-3 text-right font-mono tabular-nums">{formatScore(t.score, 3)}</td>
              <td data-label="Instruction" className="stack-block py-2 pr-3 text-xs text-slate-600 sm:max-w-[16rem]" title={t.instruction}>
                <span className="line-clamp-3 sm:block sm:truncate">{t.instruction ?? "—"}</span>
              </td>
              <td data-label="Demos" className="py-2 pr-3 text-xs">
                {/* One element: on a phone the cell is a flex row (label, value), and loose pieces would spread apart. */}
                <span className="[overflow-wrap:anywhere]" data-testid="trial-demos">
                  {t.demoIds.length === 0
                    ? "—"
                    : t.demoIds.slice(0, 4).map((id, i) => (
                        <span key={id}>
                          {i > 0 && ", "}
                          <Link to={`/examples/${id}`} className="font-mono text-indigo-700 hover:underline">
                            {shortId(id)}
                          </Link>
                        </span>
                      ))}
                  {t.demoIds.length > 4 && <span className="whitespace-nowrap text-slate-500"> +{t.demoIds.length - 4} more</span>}
                </span>
              </td>
              <td data-label="LM calls" className="py-2 text-right tabular-nums">{t.lmCalls ?? "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

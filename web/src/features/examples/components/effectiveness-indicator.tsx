// Shows an example's effectiveness (SPEC §4.3): "No data" until it has outcome evidence, otherwise
// the posterior score with how many uses stand behind it.
import { cn, formatScore } from "@/lib/format";

type Props = { score?: number | null; usageCount?: number | null; compact?: boolean };

export function scoreTone(score: number): string {
  if (score >= 0.7) return "bg-emerald-500";
  if (score >= 0.4) return "bg-amber-500";
  return "bg-rose-500";
}

export function EffectivenessIndicator({ score, usageCount, compact }: Props) {
  const uses = usageCount ?? 0;
  const usesLabel = `${uses.toLocaleString()} ${uses === 1 ? "use" : "uses"}`;
  if (score === null || score === undefined) {
    return (
      <div className="flex items-center gap-2 text-xs text-slate-500" title="No outcomes recorded yet; ranking uses the 0.5 prior">
        <span className="rounded-full bg-slate-100 px-2 py-0.5 font-medium text-slate-600 ring-1 ring-slate-200 ring-inset">No data</span>
        {!compact && <span>{usesLabel}</span>}
      </div>
    );
  }
  return (
    <div className="flex items-center gap-2 text-xs text-slate-600" title={`Effectiveness ${formatScore(score, 3)} from ${usesLabel}`}>
      <span className="font-semibold text-slate-900 tabular-nums" aria-label="Effectiveness score">
        {formatScore(score)}
      </span>
      <span className="h-1.5 w-14 overflow-hidden rounded-full bg-slate-200" aria-hidden="true">
        <span className={cn("block h-full rounded-full", scoreTone(score))} style={{ width: `${Math.round(score * 100)}%` }} />
      </span>
      {!compact && <span className="tabular-nums">{usesLabel}</span>}
    </div>
  );
}

import { cn, formatPercent } from "@/lib/format";
import type { Run } from "../api/types";

export function RunProgress({ run, className, showLabel = true }: { run: Run; className?: string; showLabel?: boolean }) {
  const fraction = run.status === "completed" ? 1 : (run.fraction ?? 0);
  const label = run.trialsTotal ? `${run.trialsDone} / ${run.trialsTotal} trials` : `${run.trialsDone} trials`;
  return (
    <div className={cn("flex items-center gap-2", className)}>
      <div
        className="h-1.5 flex-1 overflow-hidden rounded-full bg-slate-200"
        role="progressbar"
        aria-label="Run progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(fraction * 100)}
      >
        <div
          className={cn("h-full rounded-full transition-[width]", run.status === "failed" ? "bg-rose-500" : run.status === "cancelled" ? "bg-slate-400" : "bg-indigo-600")}
          style={{ width: formatPercent(fraction) }}
        />
      </div>
      {showLabel && <span className="shrink-0 text-xs text-slate-500 tabular-nums">{label}</span>}
    </div>
  );
}

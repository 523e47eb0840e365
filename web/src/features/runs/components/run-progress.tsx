import { cn } from "@/lib/format";
import type { Run } from "../api/types";

/**
 * Progress of a run. The bar is full only for a completed run; a running run without a reported
 * plan shows an indeterminate bar and "N trials" (the budget's max_trials is a cap, not a plan, so
 * it is never shown as a denominator); a cancelled or failed run keeps the share it reached.
 */
export function runProgressLabel(run: Run): string {
  const done = `${run.trialsDone.toLocaleString()} ${run.trialsDone === 1 ? "trial" : "trials"}`;
  if (run.trialsPlanned) return `${run.trialsDone.toLocaleString()} / ${run.trialsPlanned.toLocaleString()} trials`;
  return done;
}

export function RunProgress({ run, className, showLabel = true }: { run: Run; className?: string; showLabel?: boolean }) {
  const completed = run.status === "completed";
  const active = run.status === "running" || run.status === "pending";
  const known = run.fraction !== undefined;
  const fraction = completed ? 1 : known ? Math.min(run.fraction!, completed ? 1 : 0.99) : 0;
  const indeterminate = active && !known;
  return (
    <div className={cn("flex items-center gap-2", className)}>
      <div
        className="relative h-1.5 flex-1 overflow-hidden rounded-full bg-slate-200"
        role="progressbar"
        aria-label="Run progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={indeterminate ? undefined : Math.round(fraction * 100)}
        aria-valuetext={indeterminate ? `${runProgressLabel(run)}, running` : `${runProgressLabel(run)}, ${run.status}`}
        data-fill={indeterminate ? "indeterminate" : Math.round(fraction * 100)}
      >
        {indeterminate ? (
          <div className="absolute inset-y-0 w-1/3 animate-pulse rounded-full bg-indigo-400" />
        ) : (
          <div
            className={cn("h-full rounded-full transition-[width]", run.status === "failed" ? "bg-rose-500" : run.status === "cancelled" ? "bg-slate-400" : "bg-indigo-600")}
            style={{ width: `${Math.round(fraction * 100)}%` }}
          />
        )}
      </div>
      {showLabel && <span className="shrink-0 text-xs text-slate-500 tabular-nums">{runProgressLabel(run)}</span>}
    </div>
  );
}

// What the dashboard's usage figures cover. Uses, outcomes, success rates, the breakdowns' usage
// columns and the daily series read usage events, which the server prunes: older than
// usage_retention_days (0 = kept for ever), beyond max_retrievals_kept retrievals or beyond
// max_usage_events_kept events (README,
// "Retention of usage evidence"). Example counts, effectiveness and the rankings are counters on
// the examples, which a prune never touches: all time.
import { formatCount } from "@/lib/format";

/** "last 90 days" / "all time": how far back usage evidence goes. Null when the server did not say. */
export function usageWindowLabel(retentionDays: number | null | undefined): string | null {
  if (typeof retentionDays !== "number") return null;
  return retentionDays === 0 ? "all time" : `last ${formatCount(retentionDays)} day${retentionDays === 1 ? "" : "s"}`;
}

type NoteProps = {
  retentionDays?: number | null;
  maxRetrievals?: number | null;
  maxEvents?: number | null;
  periodDays: number;
  period: string;
};

/** The line under the dashboard's figures that says which of them cover only the retention window. */
export function UsageWindowNote({ retentionDays, maxRetrievals, maxEvents, periodDays, period }: NoteProps) {
  const window = usageWindowLabel(retentionDays);
  if (!window) return null;
  const bounds = [
    maxRetrievals ? `${formatCount(maxRetrievals)} retrievals` : null,
    maxEvents ? `${formatCount(maxEvents)} usage events` : null,
  ].filter(Boolean);
  const bound = bounds.length > 0 ? ` (at most ${bounds.join(" and ")})` : "";
  const short = typeof retentionDays === "number" && retentionDays > 0 && retentionDays < periodDays;
  return (
    <p role="note" aria-label="Usage window" className="-mt-2 text-xs text-slate-500">
      Usage evidence kept: <span className="font-medium text-slate-700">{window}</span>
      {bound}.{" "}
      {short && <span className="font-medium text-amber-700">The {period} usage figures cover only the {window}. </span>}
      Uses, outcomes, success rates (the breakdowns’ too) and the daily chart count that evidence; examples,
      effectiveness and the rankings are all time.
    </p>
  );
}

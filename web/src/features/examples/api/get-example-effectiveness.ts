import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "@/lib/api-client";

/** GET /examples/{id}/effectiveness (SPEC §2.2, §4.3). The interval's field names vary by server version. */
export type EffectivenessStats = {
  example_id: string;
  total_uses?: number;
  usage_count?: number;
  success_count?: number;
  failure_count?: number;
  success_rate?: number | null;
  effectiveness_score?: number | null;
  interval?: { low?: number; high?: number; lower?: number; upper?: number } | [number, number] | null;
  interval_low?: number | null;
  interval_high?: number | null;
  effectiveness_trend?: string | null;
  trend?: string | null;
  last_used_at?: string | null;
};

export function getExampleEffectiveness(id: string, signal?: AbortSignal): Promise<EffectivenessStats> {
  return api.get<EffectivenessStats>(`/examples/${encodeURIComponent(id)}/effectiveness`, undefined, signal);
}

/** The 90% interval as [low, high], whichever shape the server used. */
export function intervalOf(s: EffectivenessStats): [number, number] | null {
  if (Array.isArray(s.interval) && s.interval.length === 2) return s.interval;
  if (s.interval && !Array.isArray(s.interval)) {
    const lo = s.interval.low ?? s.interval.lower;
    const hi = s.interval.high ?? s.interval.upper;
    if (typeof lo === "number" && typeof hi === "number") return [lo, hi];
  }
  if (typeof s.interval_low === "number" && typeof s.interval_high === "number") return [s.interval_low, s.interval_high];
  return null;
}

export const exampleEffectivenessQueryOptions = (id: string) =>
  queryOptions({ queryKey: ["examples", id, "effectiveness"], queryFn: ({ signal }) => getExampleEffectiveness(id, signal) });

export function useExampleEffectiveness(id: string) {
  return useQuery(exampleEffectivenessQueryOptions(id));
}

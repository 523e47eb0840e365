import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "@/lib/api-client";
import { normalizeRun, normalizeTrial, type Run, type RunWire, type Trial } from "./types";

export type RunDetail = Run & { trials: Trial[] };

export async function getRun(id: string, signal?: AbortSignal): Promise<RunDetail> {
  const wire = await api.get<RunWire>(`/dspy-runs/${encodeURIComponent(id)}`, undefined, signal);
  return { ...normalizeRun(wire), id: wire.run_id ?? wire.id ?? id, trials: (wire.trials ?? []).map(normalizeTrial) };
}

export const runQueryOptions = (id: string) => queryOptions({ queryKey: ["runs", "detail", id], queryFn: ({ signal }) => getRun(id, signal) });

/** `pollMs` is the fallback when the event stream is unavailable. */
export function useRun(id: string, pollMs: number | false = false) {
  return useQuery({ ...runQueryOptions(id), refetchInterval: pollMs });
}

import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "@/lib/api-client";
import { isTerminal, normalizeRun, type Run, type RunWire } from "./types";

type RunsResponse = RunWire[] | { runs?: RunWire[]; items?: RunWire[]; total?: number };

export async function getRuns(params: { template_id?: string }, signal?: AbortSignal): Promise<Run[]> {
  const res = await api.get<RunsResponse>("/dspy-runs", params, signal);
  const list = Array.isArray(res) ? res : (res?.runs ?? res?.items ?? []);
  return list.map(normalizeRun);
}

export const runsQueryOptions = (params: { template_id?: string } = {}) =>
  queryOptions({
    queryKey: ["runs", "list", params],
    queryFn: ({ signal }) => getRuns(params, signal),
    // Keep the list fresh while any run is still working.
    refetchInterval: (q) => (q.state.data?.some((r) => !isTerminal(r.status)) ? 3000 : false),
  });

export function useRuns(params: { template_id?: string } = {}) {
  return useQuery(runsQueryOptions(params));
}

import { infiniteQueryOptions, useInfiniteQuery } from "@tanstack/react-query";
import { api } from "@/lib/api-client";

/** One piece of usage evidence (GET /examples/{id}/usage): a retrieval, an outcome, a track or a run's sync. */
export type UsageEvent = {
  id: number;
  kind: string;
  outcome: string | null;
  success_delta: number;
  failure_delta: number;
  confidence?: number | null;
  context?: string | null;
  model_id?: string | null;
  run_id?: string | null;
  retrieval_id?: string | null;
  /** Who sent it: a token's name (else token:<id prefix>), the proxy's user, or local; null for a run's sync and older events. */
  actor: string | null;
  created_at: string;
};

/** One page, newest first; `next_before_id` asks for the next. */
export type UsagePage = { example_id: string; events: UsageEvent[]; next_before_id: number | null };

export const USAGE_PAGE_SIZE = 10;

export function getExampleUsage(id: string, beforeId?: number, signal?: AbortSignal): Promise<UsagePage> {
  return api.get<UsagePage>(
    `/examples/${encodeURIComponent(id)}/usage`,
    beforeId ? { limit: USAGE_PAGE_SIZE, before_id: beforeId } : { limit: USAGE_PAGE_SIZE },
    signal,
  );
}

export const exampleUsageQueryOptions = (id: string) =>
  infiniteQueryOptions({
    queryKey: ["examples", id, "usage"],
    queryFn: ({ pageParam, signal }) => getExampleUsage(id, pageParam, signal),
    initialPageParam: undefined as number | undefined,
    getNextPageParam: (last: UsagePage) => last.next_before_id ?? undefined,
  });

export function useExampleUsage(id: string) {
  return useInfiniteQuery(exampleUsageQueryOptions(id));
}

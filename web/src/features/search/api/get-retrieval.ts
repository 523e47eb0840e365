import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "@/lib/api-client";

/** Why one example of a retrieval was chosen (issue #18). */
export type RetrievalReason = {
  relevance?: number | null;
  vector?: number | null;
  keyword?: number | null;
  effectiveness?: number | null;
  effectiveness_used?: number | null;
  rank_score?: number | null;
};

/** GET /examples/retrievals/{id}: a recorded agent retrieval. */
export type Retrieval = {
  retrieval_id: string;
  query: string | null;
  example_ids: string[];
  created_at: string;
  outcome: string | null;
  /** The outcome credited to each example (an agent may name examples' own); null before an outcome. */
  example_outcomes?: Record<string, string> | null;
  exploration: string | null;
  seed: number | null;
  ranking: { example_id: string; why: RetrievalReason }[];
  /** Who retrieved it and who reported its outcome (a token's name, token:<id prefix>, the proxy's user, local); null when not kept. */
  actor?: string | null;
  outcome_actor?: string | null;
};

export function getRetrieval(id: string, signal?: AbortSignal): Promise<Retrieval> {
  return api.get<Retrieval>(`/examples/retrievals/${encodeURIComponent(id)}`, undefined, signal);
}

export const retrievalQueryOptions = (id: string) =>
  queryOptions({ queryKey: ["retrievals", id], queryFn: ({ signal }) => getRetrieval(id, signal) });

export function useRetrieval(id: string) {
  return useQuery(retrievalQueryOptions(id));
}

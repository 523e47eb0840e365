// GET /examples/regenerate-embeddings (issue #21): which model's vectors serve searches, which is
// configured, and the background re-embedding's progress. Polled every 2 s while one runs.
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "@/lib/api-client";

export type EmbeddingStatus = {
  serving_model: string;
  configured_model: string;
  state: "idle" | "running" | "completed" | "failed";
  to_model?: string | null;
  total: number;
  done: number;
  progress: number;
  error?: string | null;
};

export const embeddingStatusQueryOptions = () =>
  queryOptions({
    queryKey: ["embedding-status"],
    queryFn: () => api.get<EmbeddingStatus>("/examples/regenerate-embeddings"),
    refetchInterval: (q) => (q.state.data?.state === "running" ? 2_000 : 60_000),
    retry: false,
  });

export const useEmbeddingStatus = () => useQuery(embeddingStatusQueryOptions());

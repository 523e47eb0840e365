// GET /examples/regenerate-embeddings (issue #21): which model's vectors serve searches, which is
// configured, and the background re-embedding's progress. Polled every 2 s while one runs.
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api, isApiError } from "@/lib/api-client";
import { authToken } from "@/lib/auth";

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

/**
 * The token the server refused the status to (403: the route is for admins). That token is not
 * sent again this session: each dashboard visit would otherwise log a refused call. Signing in
 * with another token asks again.
 */
let refusedFor: string | null | undefined;

export const embeddingStatusQueryOptions = () =>
  queryOptions({
    queryKey: ["embedding-status"],
    queryFn: async () => {
      const token = authToken();
      try {
        return await api.get<EmbeddingStatus>("/examples/regenerate-embeddings");
      } catch (e) {
        if (isApiError(e) && e.status === 403) refusedFor = token;
        throw e;
      }
    },
    refetchInterval: (q) => (q.state.data?.state === "running" ? 2_000 : 60_000),
    retry: false,
  });

export const useEmbeddingStatus = () => useQuery({ ...embeddingStatusQueryOptions(), enabled: refusedFor === undefined || refusedFor !== authToken() });

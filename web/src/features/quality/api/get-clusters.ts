// GET /quality/duplicates and /quality/conflicts: clusters of near-duplicate examples over the
// whole store (issue #20).
import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "@/lib/api-client";
import type { Example } from "@/lib/api-types";

export type DuplicateCluster = {
  size: number;
  min_similarity: number;
  conflict: boolean;
  distinct_outputs: number;
  examples: Example[];
};

export type ClusterReport = {
  clusters: DuplicateCluster[];
  total_clusters: number;
  examples_scanned: number;
  threshold: number;
  took_ms: number;
};

export type ClusterKind = "duplicates" | "conflicts";

export function getClusters(kind: ClusterKind, limit = 50, signal?: AbortSignal): Promise<ClusterReport> {
  return api.get<ClusterReport>(`/quality/${kind}`, { limit }, signal);
}

export const clustersQueryOptions = (kind: ClusterKind) =>
  queryOptions({ queryKey: ["quality", kind], queryFn: ({ signal }) => getClusters(kind, 50, signal) });

export function useClusters(kind: ClusterKind) {
  return useQuery(clustersQueryOptions(kind));
}

import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "@/lib/api-client";

export type LineageNodeType = "template" | "example" | "run";
export type LineageNode = { type: LineageNodeType | string; id: string; label?: string | null; [extra: string]: unknown };
export type LineageEdge = { source: string; target: string; type: string };
export type Lineage = { root: string | LineageNode | null; nodes: LineageNode[]; edges: LineageEdge[] };
export type LineageDirection = "upstream" | "downstream" | "both";
export type LineageParams = { direction: LineageDirection; max_depth: number };

export function getTemplateLineage(id: string, params: LineageParams, signal?: AbortSignal): Promise<Lineage> {
  return api.get<Lineage>(`/templates/${encodeURIComponent(id)}/lineage`, params, signal);
}

export const lineageQueryOptions = (id: string, params: LineageParams) =>
  queryOptions({ queryKey: ["templates", id, "lineage", params], queryFn: ({ signal }) => getTemplateLineage(id, params, signal) });

export function useTemplateLineage(id: string, params: LineageParams) {
  return useQuery(lineageQueryOptions(id, params));
}

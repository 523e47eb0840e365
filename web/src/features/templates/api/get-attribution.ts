import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "@/lib/api-client";

/** One run's measurement of an example: contribution null when the run could not tell it apart. */
export type AttributionRun = {
  run_id: string;
  contribution: number | null;
  variation?: "ok" | "not_enough_variation" | string;
  trials_with?: number;
  trials_without?: number;
};

/** GET /templates/{id}/attribution — still being built server-side, so every field is optional. */
export type AttributionItem = {
  example_id?: string;
  template_id?: string;
  id?: string;
  label?: string | null;
  name?: string | null;
  version?: string | null;
  status?: string | null;
  relation?: string | null;
  domain?: string | null;
  source?: string | null;
  contribution?: number | null;
  evidence_trials?: number | null;
  runs?: AttributionRun[];
  path?: unknown[];
};

export type Attribution = {
  template_id?: string;
  examples?: AttributionItem[];
  templates?: AttributionItem[];
};

export function getAttribution(id: string, signal?: AbortSignal): Promise<Attribution> {
  return api.get<Attribution>(`/templates/${encodeURIComponent(id)}/attribution`, undefined, signal);
}

export const attributionQueryOptions = (id: string) =>
  queryOptions({ queryKey: ["templates", id, "attribution"], queryFn: ({ signal }) => getAttribution(id, signal) });

export function useAttribution(id: string) {
  return useQuery(attributionQueryOptions(id));
}

import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "@/lib/api-client";
import type { Example } from "@/lib/api-types";

export function getExample(id: string, signal?: AbortSignal): Promise<Example> {
  return api.get<Example>(`/examples/${encodeURIComponent(id)}`, undefined, signal);
}

export const exampleQueryOptions = (id: string) =>
  queryOptions({ queryKey: ["examples", "detail", id], queryFn: ({ signal }) => getExample(id, signal) });

/** `enabled: false` once the example is deleted, so nothing refetches the gone id. */
export function useExample(id: string, enabled = true) {
  return useQuery({ ...exampleQueryOptions(id), enabled });
}

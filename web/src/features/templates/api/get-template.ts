import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "@/lib/api-client";
import type { Template } from "@/lib/api-types";

export function getTemplate(id: string, signal?: AbortSignal): Promise<Template> {
  return api.get<Template>(`/templates/${encodeURIComponent(id)}`, undefined, signal);
}

export const templateQueryOptions = (id: string) =>
  queryOptions({ queryKey: ["templates", "detail", id], queryFn: ({ signal }) => getTemplate(id, signal) });

export function useTemplate(id: string) {
  return useQuery({ ...templateQueryOptions(id), enabled: id !== "" });
}

import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "@/lib/api-client";
import type { Template } from "@/lib/api-types";

type VersionsResponse = Template[] | { versions?: Template[]; templates?: Template[] };

export async function getTemplateVersions(id: string, signal?: AbortSignal): Promise<Template[]> {
  const res = await api.get<VersionsResponse>(`/templates/${encodeURIComponent(id)}/versions`, undefined, signal);
  return Array.isArray(res) ? res : (res?.versions ?? res?.templates ?? []);
}

export const templateVersionsQueryOptions = (id: string) =>
  queryOptions({ queryKey: ["templates", id, "versions"], queryFn: ({ signal }) => getTemplateVersions(id, signal) });

export function useTemplateVersions(id: string) {
  return useQuery(templateVersionsQueryOptions(id));
}

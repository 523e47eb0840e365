import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "@/lib/api-client";
import type { TemplateList, TemplateStatus } from "@/lib/api-types";

export type TemplateListParams = { status?: TemplateStatus; search?: string; page?: number; page_size?: number };

export function getTemplates(params: TemplateListParams, signal?: AbortSignal): Promise<TemplateList> {
  return api.get<TemplateList>("/templates", params, signal);
}

export const templatesQueryOptions = (params: TemplateListParams) =>
  queryOptions({
    queryKey: ["templates", "list", params],
    queryFn: ({ signal }) => getTemplates(params, signal),
    placeholderData: keepPreviousData,
  });

export function useTemplates(params: TemplateListParams) {
  return useQuery(templatesQueryOptions(params));
}

/** Every template (first 100), for pickers. */
export function useTemplateOptions() {
  return useQuery({ ...templatesQueryOptions({ page: 1, page_size: 100 }), staleTime: 60_000 });
}

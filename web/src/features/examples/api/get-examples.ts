import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "@/lib/api-client";
import type { ExampleList, SortField } from "@/lib/api-types";

/** Query parameters of GET /examples (SPEC §2.2). */
export type ExampleFilters = {
  databit_id?: string;
  domain?: string;
  function_name?: string;
  difficulty?: string;
  source?: string;
  capability_tag?: string;
  min_quality_score?: number;
  min_effectiveness_score?: number;
};

export type ExampleListParams = ExampleFilters & {
  page: number;
  page_size: number;
  sort_by?: SortField;
  sort_desc?: boolean;
};

export function getExamples(params: ExampleListParams, signal?: AbortSignal): Promise<ExampleList> {
  return api.get<ExampleList>("/examples", params, signal);
}

export const examplesQueryOptions = (params: ExampleListParams) =>
  queryOptions({
    queryKey: ["examples", "list", params],
    queryFn: ({ signal }) => getExamples(params, signal),
    placeholderData: keepPreviousData,
  });

export function useExamples(params: ExampleListParams) {
  return useQuery(examplesQueryOptions(params));
}

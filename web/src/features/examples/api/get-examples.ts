import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "@/lib/api-client";
import type { ExampleList, SortField } from "@/lib/api-types";
import { contentListParams } from "./content-filter";

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
  /** PII flag: a kind or "any". */
  pii?: string;
  /** An output-value filter as typed: "defect_type=crack" or "defect_type=crack, chip". */
  output?: string;
};

export type ExampleListParams = ExampleFilters & {
  page: number;
  page_size: number;
  sort_by?: SortField;
  sort_desc?: boolean;
};

/** The filters as query parameters: the output-value filter as `output.<field>` ones. */
export function filterQuery<T extends ExampleFilters>({ output, ...rest }: T) {
  return { ...rest, ...contentListParams("output", output) };
}

export function getExamples(params: ExampleListParams, signal?: AbortSignal): Promise<ExampleList> {
  return api.get<ExampleList>("/examples", filterQuery(params), signal);
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

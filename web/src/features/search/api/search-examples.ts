import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";
import { request } from "@/lib/api-client";
import type { SearchMode, SearchResponse } from "@/lib/api-types";
import type { ExampleFilters } from "@/features/examples/api/get-examples";
import { contentSearchBody } from "@/features/examples/api/content-filter";

/** Body of POST /examples/search (SPEC §4.1). */
export type SearchRequest = {
  query_text: string;
  mode: SearchMode;
  k?: number;
  databit_id?: string;
  domain?: string;
  function_name?: string;
  difficulty?: string;
  source?: string;
  capability_tags?: string[];
  min_quality_score?: number;
  min_effectiveness_score?: number;
  pii?: string;
  /** Content filters: `output.<field>` → a value or {in: values}. */
  [content: `output.${string}` | `input.${string}`]: string | { in: string[] };
};

/** The search body for a query plus the list page's filters (`capability_tag` becomes `capability_tags`). */
export function toSearchRequest(query: string, mode: SearchMode, filters: ExampleFilters, k = 30): SearchRequest {
  const { capability_tag, output, ...rest } = filters;
  return {
    query_text: query,
    mode,
    k,
    ...rest,
    ...contentSearchBody("output", output),
    capability_tags: capability_tag ? [capability_tag] : undefined,
  };
}

export function searchExamples(body: SearchRequest, signal?: AbortSignal): Promise<SearchResponse> {
  return request<SearchResponse>("/examples/search", { method: "POST", body, signal });
}

export const searchQueryOptions = (body: SearchRequest) =>
  queryOptions({
    queryKey: ["examples", "search", body],
    queryFn: ({ signal }) => searchExamples(body, signal),
    placeholderData: keepPreviousData,
  });

export function useSearchExamples(body: SearchRequest | null) {
  return useQuery({ ...searchQueryOptions(body ?? { query_text: "", mode: "auto" }), enabled: body !== null });
}

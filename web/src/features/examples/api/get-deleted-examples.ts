// The trash: deleted examples, newest deletion first (GET /examples/deleted). Purged ones had their
// content erased and cannot be restored. The response type is the UI's own, checked against the
// OpenAPI document's DeletedExamplePage in src/lib/api-compat.ts.
import { keepPreviousData, queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "@/lib/api-client";
import type { DeletedExample } from "./get-example-audit";

export type DeletedExampleList = { examples: DeletedExample[]; total: number; page: number; page_size: number };

export const DELETED_PAGE_SIZE = 20;

export function getDeletedExamples(page: number, signal?: AbortSignal): Promise<DeletedExampleList> {
  return api.get<DeletedExampleList>("/examples/deleted", { page, page_size: DELETED_PAGE_SIZE }, signal);
}

export const deletedExamplesQueryOptions = (page: number) =>
  queryOptions({
    queryKey: ["examples", "deleted", page],
    queryFn: ({ signal }) => getDeletedExamples(page, signal),
    placeholderData: keepPreviousData,
  });

export function useDeletedExamples(page: number) {
  return useQuery(deletedExamplesQueryOptions(page));
}

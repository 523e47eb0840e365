import { infiniteQueryOptions, useInfiniteQuery } from "@tanstack/react-query";
import { api } from "@/lib/api-client";
import type { Example } from "@/lib/api-types";

/** One history entry: either a full snapshot or `{version, created_at, snapshot}`. */
export type ExampleVersion = {
  version: number;
  created_at?: string;
  updated_at?: string;
  /** When this version was superseded by the next one. */
  replaced_at?: string;
  change_type?: string;
  changed_fields?: string[];
  snapshot?: Partial<Example>;
} & Partial<Example>;

/** One page of GET /examples/{id}/versions, newest first. */
export type VersionsPage = { versions: ExampleVersion[]; total: number; page: number; page_size: number };

type VersionsResponse = ExampleVersion[] | { versions: ExampleVersion[]; total?: number; page?: number; page_size?: number };

export const VERSIONS_PAGE_SIZE = 20;

export async function getExampleVersions(id: string, page = 1, signal?: AbortSignal): Promise<VersionsPage> {
  const res = await api.get<VersionsResponse>(
    `/examples/${encodeURIComponent(id)}/versions`,
    { page, page_size: VERSIONS_PAGE_SIZE },
    signal,
  );
  const list = Array.isArray(res) ? res : (res?.versions ?? []);
  const versions = [...list].sort((a, b) => (b.version ?? 0) - (a.version ?? 0));
  const total = Array.isArray(res) ? list.length : (res?.total ?? list.length);
  return { versions, total, page, page_size: VERSIONS_PAGE_SIZE };
}

/** The history a page at a time (the server pages it: a long history of a large example is big). */
export const exampleVersionsQueryOptions = (id: string) =>
  infiniteQueryOptions({
    queryKey: ["examples", id, "versions"],
    queryFn: ({ pageParam, signal }) => getExampleVersions(id, pageParam, signal),
    initialPageParam: 1,
    getNextPageParam: (last: VersionsPage) =>
      last.versions.length > 0 && last.page * last.page_size < last.total ? last.page + 1 : undefined,
  });

export function useExampleVersions(id: string) {
  return useInfiniteQuery(exampleVersionsQueryOptions(id));
}

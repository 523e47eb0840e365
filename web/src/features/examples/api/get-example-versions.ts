import { queryOptions, useQuery } from "@tanstack/react-query";
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

type VersionsResponse = ExampleVersion[] | { versions: ExampleVersion[] };

export async function getExampleVersions(id: string, signal?: AbortSignal): Promise<ExampleVersion[]> {
  const res = await api.get<VersionsResponse>(`/examples/${encodeURIComponent(id)}/versions`, undefined, signal);
  const list = Array.isArray(res) ? res : (res?.versions ?? []);
  return [...list].sort((a, b) => (b.version ?? 0) - (a.version ?? 0));
}

export const exampleVersionsQueryOptions = (id: string) =>
  queryOptions({ queryKey: ["examples", id, "versions"], queryFn: ({ signal }) => getExampleVersions(id, signal) });

export function useExampleVersions(id: string) {
  return useQuery(exampleVersionsQueryOptions(id));
}

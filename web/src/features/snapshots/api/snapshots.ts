// Dataset snapshots (issue 19): frozen (example id, version, content hash) sets.
import { queryOptions, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { API_PREFIX, api, requestFile } from "@/lib/api-client";
import { downloadBlob } from "@/lib/format";

export type SnapshotItem = { example_id: string; version: number; content_hash: string };
export type Snapshot = {
  snapshot_id: string;
  name: string;
  template_id: string | null;
  selection: Record<string, unknown>;
  item_count: number;
  created_by: string | null;
  created_at: string;
  items?: SnapshotItem[];
};
export type SnapshotList = { snapshots: Snapshot[]; total: number; page: number; page_size: number };
export type SnapshotDiff = {
  from: string;
  to: string;
  added: SnapshotItem[];
  removed: SnapshotItem[];
  changed: { example_id: string; from_version: number; to_version: number; content_changed: boolean }[];
  unchanged_count: number;
};
export type CreateSnapshot = { name: string; filter?: Record<string, unknown>; example_ids?: string[]; template_id?: string };
export type SnapshotFormat = "jsonl" | "hf_jsonl" | "hf_info";

export const SNAPSHOTS_PAGE_SIZE = 20;

export const snapshotsQueryOptions = (page: number) =>
  queryOptions({
    queryKey: ["snapshots", "list", page],
    queryFn: ({ signal }) => api.get<SnapshotList>("/snapshots", { page, page_size: SNAPSHOTS_PAGE_SIZE }, signal),
  });

export function useSnapshots(page = 1) {
  return useQuery(snapshotsQueryOptions(page));
}

export function useSnapshotDiff(from: string | null, to: string | null) {
  return useQuery({
    queryKey: ["snapshots", "diff", from, to],
    queryFn: ({ signal }) => api.get<SnapshotDiff>(`/snapshots/${from}/diff/${to}`, undefined, signal),
    enabled: !!from && !!to && from !== to,
  });
}

/** Shared by the mutation and whoever must know one is in flight (useIsMutating). */
export const createSnapshotKey = ["snapshots", "create"] as const;

export function useCreateSnapshot() {
  const qc = useQueryClient();
  return useMutation({
    mutationKey: createSnapshotKey,
    mutationFn: (body: CreateSnapshot) => api.post<Snapshot>("/snapshots", body),
    onSuccess: () => qc.invalidateQueries({ queryKey: ["snapshots"] }),
  });
}

/** A download link for an export (the server names the file). */
export function snapshotExportUrl(id: string, format: SnapshotFormat): string {
  return `${API_PREFIX}/snapshots/${encodeURIComponent(id)}/export?format=${format}`;
}

/**
 * Downloads an export through the API client, so it carries the signed-in token (a plain link
 * cannot send one); the server's file name is kept.
 */
export async function downloadSnapshotExport(id: string, format: SnapshotFormat): Promise<void> {
  const { blob, filename } = await requestFile(snapshotExportUrl(id, format));
  downloadBlob(blob, filename ?? `snapshot-${id}-${format}`);
}

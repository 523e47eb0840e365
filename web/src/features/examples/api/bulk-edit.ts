// Bulk edits (issue #20): POST /examples/bulk-update and /examples/bulk-delete — atomic, versioned
// like single edits, capped; `dry_run` answers the count without changing anything.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api } from "@/lib/api-client";

export type BulkSet = {
  tags_add?: string[];
  tags_remove?: string[];
  domain?: string;
  difficulty?: string;
  quality_score?: number | null;
  databit_id?: string | null;
};

export type BulkSelection = { ids: string[] } | { filter: Record<string, unknown> };
export type BulkUpdateResult = { matched: number; updated: number; dry_run: boolean; example_ids: string[] };
export type BulkDeleteResult = { matched: number; deleted: number; dry_run: boolean; example_ids: string[] };

export function bulkUpdate(selection: BulkSelection, set: BulkSet, dryRun = false): Promise<BulkUpdateResult> {
  return api.post<BulkUpdateResult>("/examples/bulk-update", { ...selection, set, dry_run: dryRun });
}

export function bulkDelete(selection: BulkSelection, dryRun = false): Promise<BulkDeleteResult> {
  return api.post<BulkDeleteResult>("/examples/bulk-delete", { ...selection, dry_run: dryRun });
}

export function useBulkUpdate() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ selection, set }: { selection: BulkSelection; set: BulkSet }) => bulkUpdate(selection, set),
    onSuccess: () => qc.invalidateQueries({ queryKey: ["examples"] }),
  });
}

export function useBulkDelete() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (selection: BulkSelection) => bulkDelete(selection),
    onSuccess: () => Promise.all([qc.invalidateQueries({ queryKey: ["examples"] }), qc.invalidateQueries({ queryKey: ["quality"] })]),
  });
}

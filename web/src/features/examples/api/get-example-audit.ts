import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "@/lib/api-client";
import type { Example } from "@/lib/api-types";

export type AuditEntry = {
  seq: number;
  at: string;
  actor: string;
  action: string;
  entity: string;
  entity_ids: string[];
  diff: Record<string, unknown>;
  request_id: string | null;
};

/** Who changed this example, when and how (admin only: others get 403). */
export function getExampleAudit(id: string, signal?: AbortSignal): Promise<{ entries: AuditEntry[] }> {
  return api.get(`/audit`, { entity: "example", entity_id: id, limit: 200 }, signal);
}

export const exampleAuditQueryOptions = (id: string) =>
  queryOptions({ queryKey: ["examples", id, "audit"], queryFn: ({ signal }) => getExampleAudit(id, signal), retry: false });

export function useExampleAudit(id: string) {
  return useQuery(exampleAuditQueryOptions(id));
}

export type DeletedExample = Example & { deleted: boolean; deleted_at: string | null; purged: boolean; content_hash: string | null };

/** The example even when deleted (its tombstone keeps content, history and lineage). */
export function useExampleIncludingDeleted(id: string, enabled: boolean) {
  return useQuery({
    queryKey: ["examples", "detail", id, "including-deleted"],
    queryFn: ({ signal }) => api.get<DeletedExample>(`/examples/${encodeURIComponent(id)}`, { include_deleted: true }, signal),
    enabled,
  });
}

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, isApiError } from "@/lib/api-client";
import type { ExampleInput, SavedExample } from "@/lib/api-types";
import { invalidateDashboard } from "@/features/dashboard/api/get-dashboard";

/**
 * PUT is a partial update; an explicit `null` clears a nullable field (SPEC §2.2). `baseVersion`,
 * the version the edit started from, goes as If-Match: when someone saved another version
 * meanwhile, the server answers 412 instead of overwriting their change.
 */
export function updateExample(id: string, body: Partial<ExampleInput>, baseVersion?: number): Promise<SavedExample> {
  const headers = baseVersion === undefined ? undefined : { "If-Match": `"${baseVersion}"` };
  return api.put<SavedExample>(`/examples/${encodeURIComponent(id)}`, body, headers);
}

export type ExampleUpdate = { body: Partial<ExampleInput>; baseVersion?: number };

/** The refusal of an edit whose version someone else replaced meanwhile (412). */
export function isStaleEdit(e: unknown): boolean {
  return isApiError(e) && e.status === 412;
}

export function useUpdateExample(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ body, baseVersion }: ExampleUpdate) => updateExample(id, body, baseVersion),
    onSuccess: (example) => {
      qc.setQueryData(["examples", "detail", id], example);
      void invalidateDashboard(qc);
      return Promise.all([
        qc.invalidateQueries({ queryKey: ["examples", "list"] }),
        qc.invalidateQueries({ queryKey: ["examples", id] }),
      ]);
    },
  });
}

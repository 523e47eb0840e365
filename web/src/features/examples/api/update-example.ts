import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api } from "@/lib/api-client";
import type { ExampleInput, SavedExample } from "@/lib/api-types";
import { invalidateDashboard } from "@/features/dashboard/api/get-dashboard";

/** PUT is a partial update; an explicit `null` clears a nullable field (SPEC §2.2). */
export function updateExample(id: string, body: Partial<ExampleInput>): Promise<SavedExample> {
  return api.put<SavedExample>(`/examples/${encodeURIComponent(id)}`, body);
}

export function useUpdateExample(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: Partial<ExampleInput>) => updateExample(id, body),
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

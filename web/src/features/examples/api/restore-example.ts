import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api } from "@/lib/api-client";
import type { Example } from "@/lib/api-types";

/** Brings a deleted example back into lists, search and retrieval (issue 19). */
export function restoreExample(id: string): Promise<Example> {
  return api.post<Example>(`/examples/${encodeURIComponent(id)}/restore`);
}

export function useRestoreExample() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: restoreExample,
    onSuccess: () => Promise.all([qc.invalidateQueries({ queryKey: ["examples"] }), qc.invalidateQueries({ queryKey: ["templates"] })]),
  });
}

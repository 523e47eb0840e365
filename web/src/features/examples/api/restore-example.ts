import { useMutation, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { api } from "@/lib/api-client";
import type { Example } from "@/lib/api-types";
import { useToast } from "@/lib/toast";

/** Brings a deleted example back into lists, search and retrieval (issue 19). */
export function restoreExample(id: string): Promise<Example> {
  return api.post<Example>(`/examples/${encodeURIComponent(id)}/restore`);
}

// Lists, the dashboard (under "examples"), templates' counts and the quality reports all count it again.
const afterRestore = (qc: QueryClient) =>
  Promise.all([qc.invalidateQueries({ queryKey: ["examples"] }), qc.invalidateQueries({ queryKey: ["templates"] }), qc.invalidateQueries({ queryKey: ["quality"] })]);

export function useRestoreExample() {
  const qc = useQueryClient();
  return useMutation({ mutationFn: restoreExample, onSuccess: () => afterRestore(qc) });
}

/**
 * Shows "Deleted …" with an Undo action that restores `ids`. It only uses the app's providers, so
 * Undo still works after the page that deleted them is gone (a deleted example's page navigates away).
 */
export function useDeletedToast() {
  const qc = useQueryClient();
  const toast = useToast();
  return (ids: string[], message: string) =>
    toast.show(message, "success", {
      label: "Undo",
      // The control that deleted them is gone (a closed dialog, a page left): focus goes to Undo.
      focus: true,
      run: async () => {
        const results = await Promise.allSettled(ids.map(restoreExample));
        // One restored meanwhile (from Recently deleted, another tab) answers 404 "no deleted example":
        // it is back, which is what Undo asked for, so it is not reported as a failure.
        const refused = ids.filter((_, i) => results[i].status === "rejected");
        const back = await Promise.allSettled(refused.map((id) => api.get<Example>(`/examples/${encodeURIComponent(id)}`)));
        await afterRestore(qc);
        const already = back.filter((r) => r.status === "fulfilled").length;
        const failed = refused.length - already;
        const ok = ids.length - refused.length;
        const alreadyText = `${already} ${already === 1 ? "was" : "were"} already restored`;
        if (failed) toast.show(`Restored ${ok}; ${failed} could not be restored${already ? `; ${alreadyText}` : ""}`, "error");
        else if (ok === 0) toast.show(already === 1 ? "The example was already restored" : `All ${already} examples were already restored`, "info");
        else toast.show(`Restored ${ok} example${ok === 1 ? "" : "s"}${already ? `; ${alreadyText}` : ""}`);
      },
    });
}

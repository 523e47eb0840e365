import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api } from "@/lib/api-client";
import { invalidateDashboard } from "@/features/dashboard/api/get-dashboard";

export function deleteExample(id: string): Promise<void> {
  return api.delete(`/examples/${encodeURIComponent(id)}`);
}

/** An example a bulk delete could not delete, and what its request threw (the server's reason). */
export type DeleteFailure = { id: string; error: unknown };

/** Deletes several examples, two requests at a time; resolves to the ones that failed, with why. */
export async function deleteExamples(ids: string[]): Promise<DeleteFailure[]> {
  const failed: DeleteFailure[] = [];
  const queue = [...ids];
  const worker = async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      try {
        await deleteExample(id);
      } catch (error) {
        failed.push({ id, error });
      }
    }
  };
  await Promise.all([worker(), worker()]);
  return failed;
}

export function useDeleteExample() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: deleteExample,
    // The page stops observing the id first (see ExampleDetailPage), so removing its queries
    // cannot trigger a refetch that would answer 404.
    onSuccess: (_, id) => {
      qc.removeQueries({ queryKey: ["examples", "detail", id] });
      qc.removeQueries({ queryKey: ["examples", id] });
      void invalidateDashboard(qc);
      return Promise.all([
        qc.invalidateQueries({ queryKey: ["examples", "list"] }),
        qc.invalidateQueries({ queryKey: ["examples", "deleted"] }),
        // A deleted example leaves its duplicate and conflict clusters.
        qc.invalidateQueries({ queryKey: ["quality"] }),
      ]);
    },
  });
}

export function useDeleteExamples() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: deleteExamples,
    onSettled: () => Promise.all([qc.invalidateQueries({ queryKey: ["examples"] }), qc.invalidateQueries({ queryKey: ["quality"] })]),
  });
}

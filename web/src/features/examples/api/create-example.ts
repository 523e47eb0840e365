import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api } from "@/lib/api-client";
import type { ExampleInput, SavedExample } from "@/lib/api-types";
import { invalidateDashboard } from "@/features/dashboard/api/get-dashboard";

export function createExample(body: ExampleInput): Promise<SavedExample> {
  return api.post<SavedExample>("/examples", body);
}

export function useCreateExample() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: createExample,
    onSuccess: (example) => {
      qc.setQueryData(["examples", "detail", example.example_id], example);
      void invalidateDashboard(qc);
      return qc.invalidateQueries({ queryKey: ["examples", "list"] });
    },
  });
}

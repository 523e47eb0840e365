import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api } from "@/lib/api-client";
import type { Example, ExampleInput } from "@/lib/api-types";

export function createExample(body: ExampleInput): Promise<Example> {
  return api.post<Example>("/examples", body);
}

export function useCreateExample() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: createExample,
    onSuccess: (example) => {
      qc.setQueryData(["examples", "detail", example.example_id], example);
      return qc.invalidateQueries({ queryKey: ["examples", "list"] });
    },
  });
}

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api } from "@/lib/api-client";
import type { Template } from "@/lib/api-types";
import type { TemplateInput } from "./create-template";

/** PUT /templates/{id}: partial update of a draft (a published template answers 409). */
export function updateTemplate(id: string, body: Partial<TemplateInput>): Promise<Template> {
  return api.put<Template>(`/templates/${encodeURIComponent(id)}`, body);
}

export function useUpdateTemplate(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: Partial<TemplateInput>) => updateTemplate(id, body),
    onSuccess: (t) => {
      qc.setQueryData(["templates", "detail", id], t);
      return qc.invalidateQueries({ queryKey: ["templates", "list"] });
    },
  });
}

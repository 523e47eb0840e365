import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api } from "@/lib/api-client";
import type { Template } from "@/lib/api-types";

export type TemplateInput = Partial<Omit<Template, "id" | "status" | "version" | "created_at" | "updated_at">> & { name: string };

export function createTemplate(body: TemplateInput): Promise<Template> {
  return api.post<Template>("/templates", body);
}

export function useCreateTemplate() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: createTemplate,
    onSuccess: () => qc.invalidateQueries({ queryKey: ["templates", "list"] }),
  });
}

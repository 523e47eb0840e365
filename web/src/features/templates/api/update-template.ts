import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, isApiError } from "@/lib/api-client";
import type { Template } from "@/lib/api-types";
import type { TemplateInput } from "./create-template";

/**
 * The ETag GET /templates/{id} sends for `t`: its last save (updated_at) in Unix milliseconds,
 * quoted. Undefined when the template carries no readable updated_at (the edit is then unchecked).
 */
export function templateETag(t: Pick<Template, "updated_at">): string | undefined {
  const ms = t.updated_at ? Date.parse(t.updated_at) : Number.NaN;
  return Number.isNaN(ms) ? undefined : `"${ms}"`;
}

/**
 * PUT /templates/{id}: partial update of a draft (a published template answers 409). `ifMatch`,
 * the ETag of the template the edit started from, makes the server refuse it (412) when someone
 * saved the template since, instead of overwriting their change.
 */
export function updateTemplate(id: string, body: Partial<TemplateInput>, ifMatch?: string): Promise<Template> {
  return api.put<Template>(`/templates/${encodeURIComponent(id)}`, body, ifMatch === undefined ? undefined : { "If-Match": ifMatch });
}

export type TemplateUpdate = { body: Partial<TemplateInput>; ifMatch?: string };

/** The refusal of an edit whose template someone else saved meanwhile (412). */
export function isStaleTemplateEdit(e: unknown): boolean {
  return isApiError(e) && e.status === 412;
}

export function useUpdateTemplate(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ body, ifMatch }: TemplateUpdate) => updateTemplate(id, body, ifMatch),
    onSuccess: (t) => {
      qc.setQueryData(["templates", "detail", id], t);
      return qc.invalidateQueries({ queryKey: ["templates", "list"] });
    },
  });
}

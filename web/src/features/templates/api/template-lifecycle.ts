// POST /templates/{id}/publish | /archive | /version — the lifecycle actions (SPEC §2.2).
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api } from "@/lib/api-client";
import type { Template } from "@/lib/api-types";

export type LifecycleAction = "publish" | "archive" | "version";

export function runTemplateAction(id: string, action: LifecycleAction): Promise<Template> {
  return api.post<Template>(`/templates/${encodeURIComponent(id)}/${action}`);
}

export function useTemplateAction(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (action: LifecycleAction) => runTemplateAction(id, action),
    onSuccess: (t, action) => {
      if (action !== "version") qc.setQueryData(["templates", "detail", id], t);
      return qc.invalidateQueries({ queryKey: ["templates"] });
    },
  });
}

// POST /dspy-runs/{id}/cancel | /sync | /accept | /reject (SPEC §2.2, §4.6).
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api } from "@/lib/api-client";

export type RunAction = "cancel" | "sync" | "accept" | "reject";

/** Accept answers with the new template version (or a run that names it); others with the run. */
export type RunActionResult = {
  template_id?: string;
  accepted_template_id?: string;
  id?: string;
  examples_updated?: number;
  /** The new draft version (accept answers `{run_id, template}`). */
  template?: { id?: string; version?: string };
  /** Accept: `pii` when demos of the new version hold personal data. */
  warnings?: { code: string; message: string }[];
  [k: string]: unknown;
} | undefined;

export function runAction(id: string, action: RunAction): Promise<RunActionResult> {
  return api.post<RunActionResult>(`/dspy-runs/${encodeURIComponent(id)}/${action}`);
}

export function useRunAction(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (action: RunAction) => runAction(id, action),
    onSettled: (_data, _err, action) =>
      Promise.all([
        qc.invalidateQueries({ queryKey: ["runs"] }),
        action === "accept" ? qc.invalidateQueries({ queryKey: ["templates"] }) : null,
        action === "sync" ? qc.invalidateQueries({ queryKey: ["examples"] }) : null,
      ]),
  });
}

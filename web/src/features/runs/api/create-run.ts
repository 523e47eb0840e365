import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api } from "@/lib/api-client";
import { normalizeRun, type OptimizerType, type RunMetric, type RunWire } from "./types";

/** A provider of the server's config (GET /lm-providers) and, optionally, one of its models. */
export type LmConfig = { provider: string; model?: string };

/** Body of POST /dspy-runs (SPEC §2.2, §4.5). */
export type CreateRunRequest = {
  template_id: string;
  optimizer_type: OptimizerType;
  metric: RunMetric;
  lm: LmConfig;
  budget: { max_trials?: number; max_lm_calls?: number; max_minutes?: number };
  data: { domain?: string; function_name?: string; min_effectiveness_score?: number; split_ratio?: number; seed?: number };
  optimizer_params: Record<string, unknown>;
};

export async function createRun(body: CreateRunRequest) {
  return normalizeRun(await api.post<RunWire>("/dspy-runs", body));
}

export function useCreateRun() {
  const qc = useQueryClient();
  return useMutation({ mutationFn: createRun, onSuccess: () => qc.invalidateQueries({ queryKey: ["runs", "list"] }) });
}

import { useMutation } from "@tanstack/react-query";
import { api } from "@/lib/api-client";

export const EXPORT_FORMATS = ["python_module", "program_state", "dataset_jsonl", "json_config", "notebook"] as const;
export const MODULE_TYPES = ["Predict", "ChainOfThought"] as const;
export const SELECTIONS = ["top", "diverse", "balanced", "similar"] as const;
/** auto: a version's own demos (from an accepted run or an import) when it has them, else the store's. */
export const EXAMPLE_SOURCES = ["auto", "version", "store"] as const;
export const OPTIMIZERS = ["LabeledFewShot", "BootstrapFewShot", "BootstrapFewShotWithRandomSearch", "MIPROv2", "KNNFewShot"] as const;
export const METRICS = ["exact_match", "f1", "contains", "json_fields", "numeric_close", "llm_judge"] as const;

/** Body of POST /templates/{id}/export-dspy (SPEC §4.4). */
export type ExportDspyRequest = {
  format: (typeof EXPORT_FORMATS)[number];
  module: (typeof MODULE_TYPES)[number];
  example_source?: (typeof EXAMPLE_SOURCES)[number];
  selection: (typeof SELECTIONS)[number];
  query?: string;
  max_examples: number;
  min_effectiveness?: number;
  include_optimizer: boolean;
  optimizer_type?: (typeof OPTIMIZERS)[number];
  metric?: (typeof METRICS)[number];
};

export type Finding = { severity: "error" | "warning" | "info" | string; code: string; field?: string | null; message: string };

export type ExportDspyResponse = {
  content: string;
  filename: string;
  media_type: string;
  findings: Finding[];
  example_count: number;
  /** Where the demos came from: the version's own, or the store's selection. */
  example_source?: "version" | "store";
};

export function exportDspy(templateId: string, body: ExportDspyRequest): Promise<ExportDspyResponse> {
  return api.post<ExportDspyResponse>(`/templates/${encodeURIComponent(templateId)}/export-dspy`, body);
}

export function useExportDspy(templateId: string) {
  return useMutation({ mutationFn: (body: ExportDspyRequest) => exportDspy(templateId, body) });
}

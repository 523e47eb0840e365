import { useMutation } from "@tanstack/react-query";
import { api } from "@/lib/api-client";

export const EXPORT_FORMATS = ["python_module", "program_state", "dataset_jsonl", "json_config", "notebook"] as const;
export const MODULE_TYPES = ["Predict", "ChainOfThought"] as const;
export const SELECTIONS = ["top", "diverse", "balanced", "similar"] as const;
/** auto: a version's own demos (from an accepted run or an import) when it has them, else the store's. */
export const EXAMPLE_SOURCES = ["auto", "version", "store"] as const;
export const OPTIMIZERS = ["LabeledFewShot", "BootstrapFewShot", "BootstrapFewShotWithRandomSearch", "MIPROv2", "KNNFewShot"] as const;
export const METRICS = ["exact_match", "f1", "contains", "json_fields", "numeric_close", "llm_judge"] as const;

/**
 * Body of POST /templates/{id}/export-dspy (SPEC §4.4). `module` and `max_examples` are sent only
 * when the user picks them: without `module` the server exports a version made from a program (an
 * accepted run, an import) as that program's module, else Predict; without `max_examples`, 16.
 */
export type ExportDspyRequest = {
  format: (typeof EXPORT_FORMATS)[number];
  module?: (typeof MODULE_TYPES)[number];
  example_source?: (typeof EXAMPLE_SOURCES)[number];
  selection: (typeof SELECTIONS)[number];
  query?: string;
  max_examples?: number;
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
  /** The DSPy module, should the server name it; else `exportedModule` reads it from the content. */
  module?: string;
};

/**
 * The DSPy module the export was made with, as its content states it (the python module and the
 * notebook build `dspy.<Module>(…)`, the JSON config names it, a program state is keyed by its
 * predictor: `predict.predict` for a ChainOfThought). Null for a dataset, which has none.
 */
export function exportedModule(r: Pick<ExportDspyResponse, "content" | "module">): string | null {
  if (r.module) return r.module;
  const built = /dspy\.(ChainOfThought|Predict)\(/.exec(r.content);
  if (built) return built[1];
  try {
    const doc = JSON.parse(r.content) as unknown;
    if (typeof doc !== "object" || doc === null || Array.isArray(doc)) return null;
    const o = doc as Record<string, unknown>;
    if (typeof o.module === "string") return o.module;
    if ("predict.predict" in o) return "ChainOfThought";
    if ("predict" in o) return "Predict";
  } catch {
    /* not JSON (a dataset's JSONL): no module */
  }
  return null;
}

export function exportDspy(templateId: string, body: ExportDspyRequest): Promise<ExportDspyResponse> {
  return api.post<ExportDspyResponse>(`/templates/${encodeURIComponent(templateId)}/export-dspy`, body);
}

export function useExportDspy(templateId: string) {
  return useMutation({ mutationFn: (body: ExportDspyRequest) => exportDspy(templateId, body) });
}

import { api, ApiError } from "@/lib/api-client";
import type { JsonObject } from "@/lib/api-types";

/** Answer of POST /examples/batch: `errors[].index` is the position in the request's list. */
export type BatchResult = {
  created_count: number;
  failed_count: number;
  existing_count: number;
  created_ids: string[];
  existing_ids: string[];
  errors: { index: number; error: string }[];
};

/**
 * POST /examples/batch, non-atomic: valid items are stored, the others come back as errors. When
 * every item failed the server answers 422 with the same report, which is a result here too.
 */
export async function batchCreate(examples: JsonObject[], signal?: AbortSignal): Promise<BatchResult> {
  try {
    return await api.post<BatchResult>("/examples/batch", { examples, atomic: false }, undefined, signal);
  } catch (e) {
    const report = e instanceof ApiError && e.status === 422 ? (e.body as Partial<BatchResult> | null) : null;
    if (report && Array.isArray(report.errors) && typeof report.failed_count === "number") return report as BatchResult;
    throw e;
  }
}

import { api } from "@/lib/api-client";
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

/** POST /examples/batch, non-atomic: valid items are stored, the others come back as errors. */
export function batchCreate(examples: JsonObject[], signal?: AbortSignal): Promise<BatchResult> {
  return api.post<BatchResult>("/examples/batch", { examples, atomic: false }, undefined, signal);
}

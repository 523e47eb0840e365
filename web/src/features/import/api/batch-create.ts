import { api, ApiError } from "@/lib/api-client";
import type { JsonObject, QualityWarning } from "@/lib/api-types";

/** Answer of POST /examples/batch: `errors[].index` is the position in the request's list. */
export type BatchResult = {
  created_count: number;
  failed_count: number;
  existing_count: number;
  created_ids: string[];
  existing_ids: string[];
  /** `loc` is where in the request: ["body", "examples", <index>, "input", "colour"]. */
  errors: BatchItemError[];
  /** What the stored records were saved with (personal data, near-duplicates, conflicts); `index` as in `errors`. */
  warnings?: BatchItemWarning[];
};

/** `item_id`: the example the record was stored as (absent when it was not stored). */
export type BatchItemWarning = QualityWarning & { index: number; item_id?: string };

export type BatchItemError = { index: number; error: string; loc?: (string | number)[]; type?: string };

/**
 * An item's error placed in the record, not in the request: "… at input.colour" rather than
 * "… at body.examples.2.input.colour", whose 2 is the record's position in the batch sent (a file
 * is sent in chunks, so it is neither the file's line nor its record number).
 */
export function itemErrorText(err: BatchItemError): string {
  const batchPrefix = /^body\.examples\.\d+(?:\.|$)/;
  const loc = Array.isArray(err.loc) ? err.loc.map(String) : null;
  if (loc) {
    const full = loc.join(".");
    const inRecord = batchPrefix.test(full) ? loc.slice(3).join(".") : full;
    const message = err.error.endsWith(` at ${full}`) ? err.error.slice(0, -` at ${full}`.length) : err.error;
    return inRecord && !message.endsWith(` at ${inRecord}`) ? `${message} at ${inRecord}` : message;
  }
  // No loc (an older server): drop the batch part of the location in the message.
  return err.error.replace(/ at body\.examples\.\d+(?:\.(\S+))?$/, (_, rest: string | undefined) => (rest ? ` at ${rest}` : ""));
}

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

// Pure form logic of the example editor: form state ⇄ wire body, with client-side validation.
import { jsonObjectError } from "@/components/ui/json-editor";
import type { Example, ExampleInput, JsonObject } from "@/lib/api-types";
import { splitList } from "@/lib/format";

export type ExampleFormState = {
  input: string;
  expected_output: string;
  explanation: string;
  databit_id: string;
  domain: string;
  function_name: string;
  difficulty: string;
  source: string;
  capability_tags: string;
  search_keys: string;
  quality_score: string;
  attribution_notes: string;
};

export const emptyExampleForm: ExampleFormState = {
  input: "{\n  \n}",
  expected_output: "{\n  \n}",
  explanation: "",
  databit_id: "",
  domain: "general",
  function_name: "",
  difficulty: "medium",
  source: "human_authored",
  capability_tags: "",
  search_keys: "",
  quality_score: "",
  attribution_notes: "",
};

export function formFromExample(ex: Example): ExampleFormState {
  return {
    input: JSON.stringify(ex.input ?? {}, null, 2),
    expected_output: JSON.stringify(ex.expected_output ?? {}, null, 2),
    explanation: ex.explanation ?? "",
    databit_id: ex.databit_id ?? "",
    domain: ex.domain ?? "general",
    function_name: ex.function_name ?? "",
    difficulty: ex.difficulty ?? "medium",
    source: ex.source ?? "human_authored",
    capability_tags: (ex.capability_tags ?? []).join(", "),
    search_keys: (ex.search_keys ?? []).join(", "),
    quality_score: typeof ex.quality_score === "number" ? String(ex.quality_score) : "",
    attribution_notes: ex.attribution_notes ?? "",
  };
}

export type FormErrors = Partial<Record<keyof ExampleFormState | "_form", string>>;

/** Like `jsonObjectError`, and an empty object `{}` is refused too: an example needs fields. */
export function exampleObjectError(text: string, what: "input" | "output"): string | null {
  const error = jsonObjectError(text);
  if (error) return error;
  if (Object.keys(JSON.parse(text) as object).length === 0) {
    return what === "input" ? 'Add at least one input field, e.g. {"question": "…"}' : 'Add at least one output field, e.g. {"answer": "…"}';
  }
  return null;
}

export function validateExampleForm(s: ExampleFormState): FormErrors {
  const errors: FormErrors = {};
  const inputError = exampleObjectError(s.input, "input");
  if (inputError) errors.input = inputError;
  const outputError = exampleObjectError(s.expected_output, "output");
  if (outputError) errors.expected_output = outputError;
  if (!s.domain.trim()) errors.domain = "Required";
  if (s.quality_score.trim()) {
    const q = Number(s.quality_score);
    if (!Number.isFinite(q) || q < 0 || q > 1) errors.quality_score = "Must be a number between 0 and 1";
  }
  return errors;
}

/**
 * The request body. For an update (`clearEmpty`), empty optional fields are sent as `null` so the
 * server clears them (PUT semantics, SPEC §2.2); for a create they are omitted.
 */
export function bodyFromForm(s: ExampleFormState, clearEmpty: boolean): ExampleInput {
  const opt = (v: string) => (v.trim() ? v.trim() : clearEmpty ? null : undefined);
  const body: ExampleInput = {
    input: JSON.parse(s.input) as JsonObject,
    expected_output: JSON.parse(s.expected_output) as JsonObject,
    explanation: opt(s.explanation),
    databit_id: opt(s.databit_id),
    domain: s.domain.trim(),
    function_name: opt(s.function_name),
    difficulty: s.difficulty,
    source: s.source,
    capability_tags: splitList(s.capability_tags),
    search_keys: splitList(s.search_keys),
    attribution_notes: opt(s.attribution_notes),
    quality_score: s.quality_score.trim() ? Number(s.quality_score) : clearEmpty ? null : undefined,
  };
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined)) as ExampleInput;
}

// A draft template's unsaved definition, held by the detail page rather than the Overview form so
// that switching tabs keeps the edits and the lifecycle actions (Publish, …) can save them first.
import { useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { isApiError } from "@/lib/api-client";
import type { SchemaField, Template } from "@/lib/api-types";
import { templateQueryOptions } from "../api/get-template";
import { templateETag, useUpdateTemplate } from "../api/update-template";

export type TemplateForm = {
  name: string;
  description: string;
  system_prompt: string;
  prompt_template: string;
  base_model: string;
  temperature: string;
  max_tokens: string;
  input_schema: SchemaField[];
  output_schema: SchemaField[];
};

const toForm = (t: Template): TemplateForm => ({
  name: t.name,
  description: t.description ?? "",
  system_prompt: t.system_prompt ?? "",
  prompt_template: t.prompt_template ?? "",
  base_model: t.base_model ?? "",
  temperature: String(t.temperature ?? 0.7),
  max_tokens: String(t.max_tokens ?? 1024),
  input_schema: t.input_schema ?? [],
  output_schema: t.output_schema ?? [],
});

const toBody = (form: TemplateForm) => ({
  name: form.name.trim(),
  description: form.description.trim() || null,
  system_prompt: form.system_prompt || null,
  prompt_template: form.prompt_template || null,
  base_model: form.base_model.trim() || undefined,
  temperature: Number(form.temperature),
  max_tokens: Number(form.max_tokens),
  input_schema: form.input_schema,
  output_schema: form.output_schema,
});

export type TemplateDraft = ReturnType<typeof useTemplateDraft>;

/**
 * Which server messages (keyed as `ApiError.fieldErrors`) an edit of `key` from `before` to `after`
 * answers. A schema list's message (duplicate names) goes with any edit of the list; a row's go
 * with an edit of that row, or all of them when rows were added or removed (their numbers moved).
 */
function answeredBy<K extends keyof TemplateForm>(key: K, before: TemplateForm[K], after: TemplateForm[K]): (errorKey: string) => boolean {
  const within = (prefix: string) => (k: string) => k === prefix || k.startsWith(`${prefix}.`);
  if (!Array.isArray(before) || !Array.isArray(after) || before.length !== after.length) return within(key);
  const rows = after.flatMap((f, i) => (JSON.stringify(f) === JSON.stringify(before[i]) ? [] : [within(`${key}.${i}`)]));
  return (k) => k === key || rows.some((row) => row(k));
}

/**
 * The form for `template`, reset whenever the stored template changes (a save, a lifecycle action
 * or another client's edit); `dirty` is true while it differs from what is stored.
 */
export function useTemplateDraft(template: Template) {
  const key = `${template.id}-${template.updated_at}-${template.status}`;
  // `etag`: the save the form was made from, sent as If-Match so that a save made elsewhere since
  // (another tab's) is refused (412) rather than overwritten with this form's older values.
  const [state, setState] = useState(() => ({ key, form: toForm(template), etag: templateETag(template) }));
  let { form, etag } = state;
  if (state.key !== key) {
    form = toForm(template);
    etag = templateETag(template);
    setState({ key, form, etag });
  }
  const qc = useQueryClient();
  const update = useUpdateTemplate(template.id);
  const readOnly = template.status !== "draft";
  const dirty = !readOnly && !update.isPending && JSON.stringify(form) !== JSON.stringify(toForm(template));
  // Server messages about fields edited since the refusal are hidden (as on an example's page):
  // they speak of values that are gone. The next save's answer starts over.
  const [answered, setAnswered] = useState<{ error: unknown; tests: ((errorKey: string) => boolean)[] }>({ error: null, tests: [] });
  const set = <K extends keyof TemplateForm>(k: K, v: TemplateForm[K]) => {
    const test = answeredBy(k, form[k], v);
    setAnswered((a) => ({ error: update.error, tests: [...(a.error === update.error ? a.tests : []), test] }));
    setState((s) => ({ ...s, form: { ...s.form, [k]: v } }));
  };
  const hidden = answered.error === update.error ? answered.tests : [];
  /** The refused save's messages by field, less those about fields edited since. */
  const fieldErrors: Record<string, string> = isApiError(update.error) ? Object.fromEntries(Object.entries(update.error.fieldErrors).filter(([key]) => !hidden.some((test) => test(key)))) : {};
  /** PUT the form; rejects (and `update.error` holds the reason) when the server refuses it. */
  const save = () => update.mutateAsync({ body: toBody(form), ifMatch: etag });
  /** After a 412: forgets the refusal and fetches the stored template, which then replaces the form. */
  const loadLatest = () => {
    update.reset();
    return qc.invalidateQueries({ queryKey: templateQueryOptions(template.id).queryKey });
  };
  return { form, set, fieldErrors, dirty, readOnly, update, save, loadLatest };
}

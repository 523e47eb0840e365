// Create/edit form for one example. Invalid JSON is caught before any request is sent; the
// server's 422 field errors are shown next to the fields they name.
import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent, type ReactNode } from "react";
import { Button } from "@/components/ui/button";
import { SelectInput, TextArea, TextInput } from "@/components/ui/field";
import { JsonEditor } from "@/components/ui/json-editor";
import { RequestId } from "@/components/ui/states";
import { fieldKey, isApiError } from "@/lib/api-client";
import { focusFirstInvalid, INVALID_MESSAGE } from "@/lib/focus-first-invalid";
import { DIFFICULTIES, SOURCES, type ExampleInput } from "@/lib/api-types";
import { useTemplateOptions } from "@/features/templates/api/get-templates";
import { KNOWN_DOMAINS } from "./example-filters";
import { usePermission } from "@/lib/role";
import { useStillRefused } from "@/lib/use-still-refused";
import { useUnsavedChanges } from "@/lib/use-unsaved-changes";
import { bodyFromForm, emptyExampleForm, exampleObjectError, validateExampleForm, type ExampleFormState, type FormErrors } from "./example-form";

type ExampleEditorProps = {
  initial?: ExampleFormState;
  isUpdate?: boolean;
  submitLabel: string;
  pending?: boolean;
  serverError?: unknown;
  onSubmit: (body: ExampleInput) => void;
  extraActions?: ReactNode;
  /**
   * Identifies what `initial` holds (the example's version): when it changes, the form resets to
   * the new `initial` in place. The form is not remounted, so focus stays where it was (the Save
   * button, the field typed in).
   */
  resetKey?: string | number;
};

/**
 * Maps API field errors (`input`, `input.question`, `capability_tags.2`) onto form fields. Errors
 * inside a JSON field name their key once, grouped by message: a template's missing fields come as
 * one issue per field, all with the same message ("field required by the template's input
 * schema: question, context").
 */
function serverFieldErrors(error: unknown): FormErrors {
  if (!isApiError(error)) return {};
  if (error.issues.length === 0) return { _form: error.message };
  const grouped = new Map<keyof FormErrors, Map<string, Set<string>>>();
  for (const issue of error.issues) {
    const key = fieldKey(issue.loc);
    const [head, ...rest] = key.split(".");
    const onField = head in emptyExampleForm;
    const target = (onField ? head : "_form") as keyof FormErrors;
    const name = onField ? rest.join(".") : key === "_form" ? "" : key;
    const byMessage = grouped.get(target) ?? new Map<string, Set<string>>();
    const names = byMessage.get(issue.msg) ?? new Set<string>();
    if (name) names.add(name);
    byMessage.set(issue.msg, names);
    grouped.set(target, byMessage);
  }
  const out: FormErrors = {};
  for (const [target, byMessage] of grouped) {
    out[target] = [...byMessage].map(([msg, names]) => (names.size ? `${msg}: ${[...names].join(", ")}` : msg)).join("; ");
  }
  return out;
}

export function ExampleEditor({ initial, isUpdate, submitLabel, pending, serverError, onSubmit, extraActions, resetKey }: ExampleEditorProps) {
  const [form, setForm] = useState<ExampleFormState>(initial ?? emptyExampleForm);
  const [clientErrors, setClientErrors] = useState<FormErrors>({});
  // Server messages for fields the user has edited since the last submit are hidden.
  const [edited, setEdited] = useState<Set<string>>(new Set());
  // What was just submitted counts as saved unless the server refused it (see `dirty`).
  const [submitted, setSubmitted] = useState<ExampleFormState | null>(null);
  const [shownKey, setShownKey] = useState(resetKey);
  if (shownKey !== resetKey) {
    // A new version was stored (this form's save, or another tab's): show it.
    setShownKey(resetKey);
    setForm(initial ?? emptyExampleForm);
    setClientErrors({});
    setEdited(new Set());
    setSubmitted(null);
  }
  const formRef = useRef<HTMLFormElement>(null);
  // A refused submit (found here, or a 422 from the server) takes the user (and focus) to the first
  // invalid field, once it is rendered as such: on a phone it may be screens away from the button.
  const [showInvalid, setShowInvalid] = useState(0);
  useEffect(() => {
    if (showInvalid > 0) focusFirstInvalid(formRef.current);
  }, [showInvalid]);
  // A refusal seen at mount is old news (the user may have moved on): only a new one moves focus.
  const seenError = useRef(serverError);
  useEffect(() => {
    if (serverError === seenError.current) return;
    seenError.current = serverError;
    if (isApiError(serverError) && serverError.status === 422) setShowInvalid((n) => n + 1);
  }, [serverError]);
  const templates = useTemplateOptions();
  // A role below write may read the form but not send it: Save is disabled and says why.
  const permission = usePermission("write", isUpdate ? "edit examples" : "create examples");

  // A 401 answered by signing in since is not shown; for `dirty` the save still failed.
  const shownError = useStillRefused(serverError);
  const server = Object.fromEntries(Object.entries(serverFieldErrors(shownError)).filter(([k]) => !edited.has(k)));
  const errors: FormErrors = { ...server, ...Object.fromEntries(Object.entries(clientErrors).filter(([, v]) => v)) };
  const set = (key: keyof ExampleFormState) => (value: string) => {
    setForm((f) => ({ ...f, [key]: value }));
    setClientErrors((e) => ({ ...e, [key]: undefined }));
    setEdited((s) => (s.has(key) ? s : new Set(s).add(key)));
  };
  const checkJson = (key: "input" | "expected_output") => () =>
    setClientErrors((e) => ({ ...e, [key]: exampleObjectError(form[key], key === "input" ? "input" : "output") ?? undefined }));
  // Leaving with edits asks first. What was just submitted counts as saved unless the server
  // refused it, so the page may navigate once the save succeeds.
  const baseline = submitted && !serverError ? submitted : (initial ?? emptyExampleForm);
  const dirty = !pending && (Object.keys(baseline) as (keyof ExampleFormState)[]).some((k) => form[k] !== baseline[k]);
  const leavePrompt = useUnsavedChanges(dirty);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!permission.allowed) return;
    const found = validateExampleForm(form);
    setClientErrors(found);
    if (Object.keys(found).length > 0) {
      setShowInvalid((n) => n + 1);
      return;
    }
    if (pending) return;
    setEdited(new Set());
    setSubmitted(form);
    onSubmit(bodyFromForm(form, Boolean(isUpdate)));
  };
  // Ctrl/Cmd+Enter submits from anywhere in the form, including the JSON text areas.
  const onKeyDown = (e: KeyboardEvent<HTMLFormElement>) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) submit(e);
  };

  const templateOptions = [{ value: "", label: "None" }, ...(templates.data?.templates ?? []).map((t) => ({ value: t.id, label: `${t.name} v${t.version}` }))];
  if (form.databit_id && !templateOptions.some((o) => o.value === form.databit_id)) templateOptions.push({ value: form.databit_id, label: form.databit_id });

  return (
    <form ref={formRef} onSubmit={submit} onKeyDown={onKeyDown} noValidate className="space-y-5" aria-label="Example editor" data-dirty={dirty || undefined}>
      {leavePrompt}
      {errors._form && (
        <div role="alert" {...INVALID_MESSAGE} className="rounded-lg border border-rose-200 bg-rose-50 px-3 py-2 text-sm text-rose-800 focus:outline-2 focus:outline-rose-600">
          {errors._form}
          <RequestId error={shownError} />
        </div>
      )}
      <div className="grid gap-4 lg:grid-cols-2">
        <JsonEditor label="Input (JSON object)" name="input" value={form.input} onChange={set("input")} onBlur={checkJson("input")} error={errors.input} />
        <JsonEditor label="Expected output (JSON object)" name="expected_output" value={form.expected_output} onChange={set("expected_output")} onBlur={checkJson("expected_output")} error={errors.expected_output} />
      </div>
      <TextArea label="Explanation" rows={2} value={form.explanation} onChange={(e) => set("explanation")(e.target.value)} error={errors.explanation} hint="Why this output is right; also searchable." />
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
        <SelectInput label="Template" value={form.databit_id} onChange={(e) => set("databit_id")(e.target.value)} options={templateOptions} error={errors.databit_id} />
        <TextInput label="Domain" list="editor-domains" value={form.domain} onChange={(e) => set("domain")(e.target.value)} error={errors.domain} />
        <datalist id="editor-domains">
          {KNOWN_DOMAINS.map((d) => (
            <option key={d} value={d} />
          ))}
        </datalist>
        <TextInput label="Function name" value={form.function_name} onChange={(e) => set("function_name")(e.target.value)} error={errors.function_name} />
        <SelectInput label="Difficulty" value={form.difficulty} onChange={(e) => set("difficulty")(e.target.value)} options={DIFFICULTIES.map((d) => ({ value: d, label: d }))} error={errors.difficulty} />
        <SelectInput label="Source" value={form.source} onChange={(e) => set("source")(e.target.value)} options={SOURCES.map((s) => ({ value: s, label: s.replace(/_/g, " ") }))} error={errors.source} />
        <TextInput label="Quality score" type="number" min={0} max={1} step={0.05} placeholder="0–1" value={form.quality_score} onChange={(e) => set("quality_score")(e.target.value)} error={errors.quality_score} />
        <TextInput label="Capability tags" placeholder="comma, separated" value={form.capability_tags} onChange={(e) => set("capability_tags")(e.target.value)} error={errors.capability_tags} />
        <TextInput label="Search keys" placeholder="comma, separated" value={form.search_keys} onChange={(e) => set("search_keys")(e.target.value)} error={errors.search_keys} />
        <TextInput label="Attribution notes" value={form.attribution_notes} onChange={(e) => set("attribution_notes")(e.target.value)} error={errors.attribution_notes} />
      </div>
      <div className="flex flex-wrap items-center justify-between gap-3 border-t border-slate-100 pt-4">
        <p className="text-xs text-slate-500">{dirty ? "Unsaved changes · " : ""}Ctrl+Enter saves</p>
        <div className="flex items-center gap-2">
          {extraActions}
          <Button type="submit" variant="primary" loading={pending} disabled={!permission.allowed} title={permission.reason}>
            {submitLabel}
          </Button>
        </div>
      </div>
    </form>
  );
}

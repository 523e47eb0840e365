// The template's definition. Drafts are editable; published and archived versions are immutable
// (SPEC §3), so the form is read-only and points to "New version".
import { useState, type FormEvent } from "react";
import { Button } from "@/components/ui/button";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { TextArea, TextInput } from "@/components/ui/field";
import { isApiError } from "@/lib/api-client";
import type { SchemaField, Template } from "@/lib/api-types";
import { useToast } from "@/lib/toast";
import { useUnsavedChanges } from "@/lib/use-unsaved-changes";
import { useUpdateTemplate } from "../api/update-template";
import { SchemaFieldsEditor } from "./schema-fields-editor";

type FormState = {
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

const toForm = (t: Template): FormState => ({
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

export function TemplateOverview({ template }: { template: Template }) {
  const [form, setForm] = useState(() => toForm(template));
  const update = useUpdateTemplate(template.id);
  const toast = useToast();
  const readOnly = template.status !== "draft";
  const errors = isApiError(update.error) ? update.error.fieldErrors : {};
  const set = <K extends keyof FormState>(k: K, v: FormState[K]) => setForm((f) => ({ ...f, [k]: v }));
  // The page re-keys this form after a save, so any difference from the template is unsaved.
  const dirty = !readOnly && !update.isPending && !update.isSuccess && JSON.stringify(form) !== JSON.stringify(toForm(template));
  const leavePrompt = useUnsavedChanges(dirty);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    update.mutate(
      {
        name: form.name.trim(),
        description: form.description.trim() || null,
        system_prompt: form.system_prompt || null,
        prompt_template: form.prompt_template || null,
        base_model: form.base_model.trim() || undefined,
        temperature: Number(form.temperature),
        max_tokens: Number(form.max_tokens),
        input_schema: form.input_schema,
        output_schema: form.output_schema,
      },
      { onSuccess: () => toast.show("Template saved") },
    );
  };

  return (
    <Card>
      <CardHeader
        title="Definition"
        description={readOnly ? `This version is ${template.status} and cannot be edited. Create a new version to change it.` : "Draft: changes are saved in place."}
      />
      <CardBody>
        {leavePrompt}
        <form onSubmit={submit} className="space-y-5" aria-label="Template definition">
          {update.isError && Object.keys(errors).length === 0 && (
            <div role="alert" className="rounded-lg border border-rose-200 bg-rose-50 px-3 py-2 text-sm text-rose-800">
              {update.error.message}
            </div>
          )}
          <div className="grid gap-4 md:grid-cols-2">
            <TextInput label="Name" value={form.name} disabled={readOnly} onChange={(e) => set("name", e.target.value)} error={errors.name} />
            <TextInput label="Description" value={form.description} disabled={readOnly} onChange={(e) => set("description", e.target.value)} error={errors.description} />
          </div>
          <TextArea label="System prompt" rows={2} value={form.system_prompt} disabled={readOnly} onChange={(e) => set("system_prompt", e.target.value)} error={errors.system_prompt} />
          <TextArea label="Instructions (prompt template)" rows={4} value={form.prompt_template} disabled={readOnly} onChange={(e) => set("prompt_template", e.target.value)} error={errors.prompt_template} hint="Becomes the DSPy signature's docstring." />
          <div className="grid gap-6 lg:grid-cols-2">
            <SchemaFieldsEditor label="Input fields" prefix="input_schema" fields={form.input_schema} onChange={(f) => set("input_schema", f)} errors={errors} readOnly={readOnly} />
            <SchemaFieldsEditor label="Output fields" prefix="output_schema" fields={form.output_schema} onChange={(f) => set("output_schema", f)} errors={errors} readOnly={readOnly} />
          </div>
          <div className="grid gap-4 md:grid-cols-3">
            <TextInput label="Base model" value={form.base_model} disabled={readOnly} onChange={(e) => set("base_model", e.target.value)} error={errors.base_model} />
            <TextInput label="Temperature" type="number" min={0} max={2} step={0.1} value={form.temperature} disabled={readOnly} onChange={(e) => set("temperature", e.target.value)} error={errors.temperature} />
            <TextInput label="Max tokens" type="number" min={1} max={32000} value={form.max_tokens} disabled={readOnly} onChange={(e) => set("max_tokens", e.target.value)} error={errors.max_tokens} />
          </div>
          {!readOnly && (
            <div className="flex justify-end border-t border-slate-100 pt-4">
              <Button type="submit" variant="primary" loading={update.isPending}>
                Save changes
              </Button>
            </div>
          )}
        </form>
      </CardBody>
    </Card>
  );
}

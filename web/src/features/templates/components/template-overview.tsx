// The template's definition. Drafts are editable; published and archived versions are immutable
// (SPEC §3), so the form is read-only and points to "New version".
import { useEffect, useRef, useState, type FormEvent } from "react";
import { Button } from "@/components/ui/button";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { TextArea, TextInput } from "@/components/ui/field";
import { RequestId } from "@/components/ui/states";
import { isApiError } from "@/lib/api-client";
import { focusFirstInvalid, INVALID_MESSAGE } from "@/lib/focus-first-invalid";
import type { Template } from "@/lib/api-types";
import { useToast } from "@/lib/toast";
import { useStillRefused } from "@/lib/use-still-refused";
import { isStaleTemplateEdit } from "../api/update-template";
import { SchemaFieldsEditor } from "./schema-fields-editor";
import type { TemplateDraft } from "./use-template-draft";
import { usePermission } from "@/lib/role";

/** The Definition form; its state (`draft`) belongs to the page, so it outlives tab switches. */
export function TemplateOverview({ template, draft }: { template: Template; draft: TemplateDraft }) {
  const permission = usePermission("write", "edit templates");
  const { form, set, readOnly, update, fieldErrors: errors } = draft;
  const stale = isStaleTemplateEdit(update.error);
  const toast = useToast();
  // A 401 answered by signing in since is not shown (the edits are still unsaved).
  const refusal = useStillRefused(update.error);
  const formRef = useRef<HTMLFormElement>(null);
  // A save this form refused takes focus to the first invalid field (or the message of a list, or
  // of the form), which may be far above Save. It waits until the refusal is rendered; a save
  // refused elsewhere (Publish's dialog) leaves focus in its dialog.
  const [showInvalid, setShowInvalid] = useState(false);
  useEffect(() => {
    if (showInvalid && focusFirstInvalid(formRef.current)) setShowInvalid(false);
  }, [showInvalid, update.error]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!permission.allowed) return;
    draft.save().then(
      () => toast.show("Template saved"),
      () => setShowInvalid(true), // the reason is shown through update.error
    );
  };

  return (
    <Card>
      <CardHeader
        title="Definition"
        description={readOnly ? `This version is ${template.status} and cannot be edited. Create a new version to change it.` : "Draft: changes are saved in place."}
      />
      <CardBody>
        <form ref={formRef} onSubmit={submit} className="space-y-5" aria-label="Template definition">
          {stale && (
            // As on an example's page: the edits stay in the form until the user asks for the newer save.
            <div role="alert" {...INVALID_MESSAGE} className="flex flex-wrap items-center gap-3 rounded-lg border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900 focus:outline-2 focus:outline-amber-600">
              <p className="min-w-0 flex-1">
                Someone saved a newer version of this template while you were editing, so your changes were not saved. The form still holds them:
                copy what you need, then load the latest version.
              </p>
              <Button variant="secondary" onClick={() => void draft.loadLatest()}>
                Load the latest version
              </Button>
            </div>
          )}
          {refusal && !stale && !(isApiError(refusal) && Object.keys(refusal.fieldErrors).length > 0) && (
            <div role="alert" {...INVALID_MESSAGE} className="rounded-lg border border-rose-200 bg-rose-50 px-3 py-2 text-sm text-rose-800 focus:outline-2 focus:outline-rose-600">
              {refusal.message}
              <RequestId error={refusal} />
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
            <div className="flex items-center justify-end gap-3 border-t border-slate-100 pt-4">
              {draft.dirty && <span className="text-sm text-amber-700">Unsaved changes</span>}
              <Button type="submit" variant="primary" loading={update.isPending} disabled={!permission.allowed} title={permission.reason}>
                Save changes
              </Button>
            </div>
          )}
        </form>
      </CardBody>
    </Card>
  );
}

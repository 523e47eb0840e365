import { useRef, useState, type FormEvent } from "react";
import { useNavigate } from "react-router";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { TextArea, TextInput } from "@/components/ui/field";
import { isApiError } from "@/lib/api-client";
import { ActionError } from "@/components/ui/states";
import { useToast } from "@/lib/toast";
import { useCreateTemplate } from "../api/create-template";
import { FOCUS_HEADING } from "@/lib/use-heading-focus";

export function NewTemplateDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const create = useCreateTemplate();
  const navigate = useNavigate();
  const toast = useToast();
  const fieldErrors = isApiError(create.error) ? create.error.fieldErrors : {};
  // 409: a template with this name (and version) exists; the name is what to change.
  const nameError = fieldErrors.name ?? (isApiError(create.error) && create.error.status === 409 ? create.error.message : undefined);
  const form = useRef<HTMLFormElement>(null);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim()) return;
    create.mutate(
      {
        name: name.trim(),
        description: description.trim() || undefined,
        input_schema: [{ name: "question", type: "string", description: "The input", required: true }],
        output_schema: [{ name: "answer", type: "string", description: "The output", required: true }],
      },
      {
        onSuccess: (t) => {
          toast.show("Template created");
          onClose();
          navigate(`/templates/${t.id}`, { state: FOCUS_HEADING });
        },
        // Focus goes to the field to fix, which says what is wrong (as the bulk-edit dialog's problem does).
        onError: (e) => {
          if (isApiError(e) && (e.status === 409 || e.fieldErrors.name)) form.current?.querySelector<HTMLInputElement>("input[name=name]")?.focus();
        },
      },
    );
  };

  return (
    <Dialog open={open} onClose={onClose} title="New template" description="A draft prompt definition; edit its fields, then publish.">
      <form ref={form} onSubmit={submit} className="space-y-4" id="new-template-form">
        <TextInput
          label="Name"
          name="name"
          required
          value={name}
          onChange={(e) => {
            setName(e.target.value);
            if (create.isError) create.reset(); // the message was about the name as it was
          }}
          error={nameError}
          data-autofocus
        />
        <TextArea label="Description" rows={3} value={description} onChange={(e) => setDescription(e.target.value)} error={fieldErrors.description} />
        {create.isError && !nameError && Object.keys(fieldErrors).length === 0 && (
          <ActionError error={create.error} />
        )}
        <div className="flex justify-end gap-2">
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" loading={create.isPending} disabled={!name.trim()}>
            Create template
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

// Bulk edit of the selected examples: tags added/removed, domain, difficulty, quality, template.
// One atomic request; every example gets a new version. Server refusals (a template whose schema
// the examples do not fit) are shown in the dialog, and nothing changes.
import { useId, useState, type FormEvent } from "react";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { SelectInput, TextInput } from "@/components/ui/field";
import { ActionError } from "@/components/ui/states";
import { DIFFICULTIES } from "@/lib/api-types";
import { splitList } from "@/lib/format";
import { useToast } from "@/lib/toast";
import { useStillRefused } from "@/lib/use-still-refused";
import { useTemplateOptions } from "@/features/templates/api/get-templates";
import { useBulkUpdate, type BulkSet } from "../api/bulk-edit";

type Props = { open: boolean; ids: string[]; onClose: () => void };

const KEEP = "__keep__";
const CLEAR = "__clear__";

/** The `set` of the request from the dialog's fields; empty fields change nothing. */
export function bulkSetFromForm(f: { tagsAdd: string; tagsRemove: string; domain: string; difficulty: string; quality: string; template: string }): BulkSet | string {
  const set: BulkSet = {};
  if (splitList(f.tagsAdd).length) set.tags_add = splitList(f.tagsAdd);
  if (splitList(f.tagsRemove).length) set.tags_remove = splitList(f.tagsRemove);
  if (f.domain.trim()) set.domain = f.domain.trim();
  if (f.difficulty !== KEEP) set.difficulty = f.difficulty;
  if (f.quality.trim()) {
    const q = Number(f.quality);
    if (!Number.isFinite(q) || q < 0 || q > 1) return "Quality must be a number between 0 and 1";
    set.quality_score = q;
  }
  if (f.template === CLEAR) set.databit_id = null;
  else if (f.template !== KEEP) set.databit_id = f.template;
  if (Object.keys(set).length === 0) return "Change at least one field";
  return set;
}

export function BulkEditDialog({ open, ids, onClose }: Props) {
  const [form, setForm] = useState({ tagsAdd: "", tagsRemove: "", domain: "", difficulty: KEEP, quality: "", template: KEEP });
  const [problem, setProblem] = useState<string | null>(null);
  const update = useBulkUpdate();
  const templates = useTemplateOptions();
  const toast = useToast();
  const formId = useId();
  // An error speaks of the values it was given: editing any field takes it away until the next Apply.
  const field = (k: keyof typeof form) => (v: string) => {
    setForm((f) => ({ ...f, [k]: v }));
    setProblem(null);
    if (update.isError) update.reset();
  };
  const apply = (e: FormEvent) => {
    e.preventDefault();
    if (update.isPending) return;
    const set = bulkSetFromForm(form);
    if (typeof set === "string") return setProblem(set);
    setProblem(null);
    update.mutate(
      { selection: { ids }, set },
      {
        onSuccess: (r) => {
          toast.show(`Updated ${r.updated} example${r.updated === 1 ? "" : "s"}`);
          onClose();
        },
      },
    );
  };
  const refusal = useStillRefused(update.error);
  // A problem the form found itself (a message), else the server's refusal (with its request id).
  const shown: unknown = problem ?? refusal;
  return (
    <Dialog
      open={open}
      onClose={onClose}
      title={`Edit ${ids.length} example${ids.length === 1 ? "" : "s"}`}
      description="Empty fields are left as they are. All examples change together, each as a new version, or none does."
      footer={
        <>
          <Button variant="ghost" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" form={formId} variant="primary" loading={update.isPending}>
            Apply to {ids.length}
          </Button>
        </>
      }
    >
      <form id={formId} onSubmit={apply} noValidate aria-label="Bulk edit">
        <div className="grid gap-3 sm:grid-cols-2">
          <TextInput label="Add tags" placeholder="comma, separated" value={form.tagsAdd} onChange={(e) => field("tagsAdd")(e.target.value)} />
          <TextInput label="Remove tags" placeholder="comma, separated" value={form.tagsRemove} onChange={(e) => field("tagsRemove")(e.target.value)} />
          <TextInput label="Domain" placeholder="unchanged" value={form.domain} onChange={(e) => field("domain")(e.target.value)} />
          <SelectInput
            label="Difficulty"
            value={form.difficulty}
            onChange={(e) => field("difficulty")(e.target.value)}
            options={[{ value: KEEP, label: "unchanged" }, ...DIFFICULTIES.map((d) => ({ value: d, label: d }))]}
          />
          <TextInput label="Quality score" type="number" min={0} max={1} step={0.05} placeholder="unchanged" value={form.quality} onChange={(e) => field("quality")(e.target.value)} />
          <SelectInput
            label="Template"
            value={form.template}
            onChange={(e) => field("template")(e.target.value)}
            options={[
              { value: KEEP, label: "unchanged" },
              { value: CLEAR, label: "None (detach)" },
              ...(templates.data?.templates ?? []).map((t) => ({ value: t.id, label: `${t.name} v${t.version}` })),
            ]}
          />
        </div>
        {shown != null && <ActionError boxed error={shown} className="mt-3" />}
      </form>
    </Dialog>
  );
}

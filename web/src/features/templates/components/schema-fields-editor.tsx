// Edits a template's input or output schema: a list of {name, type, description, required}.
import { useEffect, useId, useRef, useState } from "react";
import { Button } from "@/components/ui/button";
import { control } from "@/components/ui/field";
import { CloseIcon, PlusIcon } from "@/components/ui/icons";
import type { SchemaField } from "@/lib/api-types";
import { INVALID_MESSAGE } from "@/lib/focus-first-invalid";

export const FIELD_TYPES = ["string", "integer", "number", "boolean", "array", "object"];

type Props = {
  label: string;
  prefix: "input_schema" | "output_schema";
  fields: SchemaField[];
  onChange: (fields: SchemaField[]) => void;
  errors: Record<string, string>;
  readOnly?: boolean;
};

/** A published or archived template's fields, shown in full (names wrap instead of being cut). */
function SchemaFieldsView({ label, fields }: { label: string; fields: SchemaField[] }) {
  return (
    <div className="min-w-0">
      <h3 className="mb-1 text-xs font-semibold tracking-wide text-slate-500 uppercase">{label}</h3>
      {fields.length === 0 ? (
        <p className="text-sm text-slate-500">No fields.</p>
      ) : (
        <ul className="divide-y divide-slate-100 rounded-lg bg-slate-50 ring-1 ring-slate-200" aria-label={label}>
          {fields.map((f, i) => (
            <li key={`${f.name}-${i}`} className="px-3 py-2">
              <div className="flex flex-wrap items-baseline gap-x-2 gap-y-0.5">
                <code className="text-sm font-medium break-all text-slate-900">{f.name}</code>
                <span className="text-xs text-slate-500">{f.type}</span>
                {(f.required ?? true) ? <span className="text-[11px] text-slate-600">required</span> : <span className="text-[11px] text-slate-600">optional</span>}
              </div>
              {f.description && <p className="mt-0.5 text-xs break-words text-slate-600">{f.description}</p>}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function SchemaFieldsEditor(props: Props) {
  return props.readOnly ? <SchemaFieldsView label={props.label} fields={props.fields} /> : <SchemaFieldsForm {...props} />;
}

/**
 * The editable list. Removing a field moves focus to the next field's remove button (or to "Add
 * field" after the last one), adding one to its name: the pressed control is gone or done.
 */
function SchemaFieldsForm({ label, prefix, fields, onChange, errors, readOnly }: Props) {
  const box = useRef<HTMLFieldSetElement>(null);
  const messageId = useId();
  const [focusNext, setFocusNext] = useState<string | null>(null);
  useEffect(() => {
    if (!focusNext || !box.current) return;
    const el = box.current.querySelector<HTMLElement>(`[aria-label="${CSS.escape(focusNext)}"]`) ?? box.current.querySelector<HTMLElement>("[data-add-field]");
    el?.focus();
    setFocusNext(null);
  }, [focusNext, fields]);
  const remove = (i: number) => {
    onChange(fields.filter((_, j) => j !== i));
    // After the removal the next field takes index i, and with it this label.
    setFocusNext(`Remove ${label} field ${i + 1}`);
  };
  const add = () => {
    onChange([...fields, { name: "", type: "string", description: "", required: true }]);
    setFocusNext(`${label} field ${fields.length + 1} name`);
  };
  const update = (i: number, patch: Partial<SchemaField>) => onChange(fields.map((f, j) => (j === i ? { ...f, ...patch } : f)));
  const listError = errors[prefix];
  return (
    <fieldset ref={box} className="min-w-0 space-y-2">
      <legend className="mb-1 text-xs font-semibold tracking-wide text-slate-500 uppercase">{label}</legend>
      {fields.length === 0 && <p className="text-sm text-slate-500">No fields.</p>}
      {fields.map((f, i) => {
        const err = (k: string) => errors[`${prefix}.${i}.${k}`];
        const rowError = errors[`${prefix}.${i}`] ?? err("name") ?? err("type") ?? err("description");
        // The row's one message describes each control it is about (aria-describedby).
        const rowErrorId = `${messageId}-${i}`;
        const describe = (k: string) => (err(k) ? rowErrorId : undefined);
        return (
          <div key={i} className="rounded-lg bg-slate-50 p-2 ring-1 ring-slate-200">
            {/* Name, type, required and remove on one line (the name takes what is left, so it is
                not cut at any width), the description under them. */}
            <div className="flex flex-wrap items-center gap-2">
              <input aria-label={`${label} field ${i + 1} name`} value={f.name} disabled={readOnly} onChange={(e) => update(i, { name: e.target.value })} placeholder="name" className={control({ invalid: Boolean(err("name")), width: "min-w-0 flex-1 basis-32", extra: "font-mono" })} aria-invalid={Boolean(err("name")) || undefined} aria-describedby={describe("name")} />
              <select aria-label={`${label} field ${i + 1} type`} value={f.type} disabled={readOnly} onChange={(e) => update(i, { type: e.target.value })} className={control({ invalid: Boolean(err("type")), width: "w-28 shrink-0" })} aria-invalid={Boolean(err("type")) || undefined} aria-describedby={describe("type")}>
                {FIELD_TYPES.map((t) => (
                  <option key={t}>{t}</option>
                ))}
              </select>
              <label className="flex min-h-6 shrink-0 items-center gap-1 text-xs text-slate-600">
                <input type="checkbox" aria-label={`${label}: ${f.name.trim() || `field ${i + 1}`} required`} checked={f.required ?? true} disabled={readOnly} onChange={(e) => update(i, { required: e.target.checked })} className="size-6 accent-indigo-600 sm:size-4" />
                required
              </label>
              {!readOnly && (
                <button type="button" aria-label={`Remove ${label} field ${i + 1}`} onClick={() => remove(i)} className="shrink-0 rounded p-1 text-slate-500 hover:bg-slate-200 hover:text-slate-700 focus-visible:outline-2 focus-visible:outline-indigo-600">
                  <CloseIcon />
                </button>
              )}
            </div>
            <input aria-label={`${label} field ${i + 1} description`} value={f.description ?? ""} disabled={readOnly} onChange={(e) => update(i, { description: e.target.value })} placeholder="description" className={control({ invalid: Boolean(err("description")), extra: "mt-2" })} aria-invalid={Boolean(err("description")) || undefined} aria-describedby={describe("description")} />
            {/* A message for the row as a whole (no control named) can take focus itself. */}
            {rowError && (
              <p id={rowErrorId} role="alert" {...(errors[`${prefix}.${i}`] && !err("name") && !err("type") && !err("description") ? INVALID_MESSAGE : {})} className="mt-1 text-xs font-medium text-rose-600 focus:outline-2 focus:outline-rose-600">
                {rowError}
              </p>
            )}
          </div>
        );
      })}
      {/* About the list (duplicate names): no one field to mark, so the message takes focus. */}
      {listError && (
        <p role="alert" {...INVALID_MESSAGE} className="text-xs font-medium text-rose-600 focus:outline-2 focus:outline-rose-600">
          {listError}
        </p>
      )}
      {!readOnly && (
        <Button size="sm" variant="ghost" icon={<PlusIcon />} onClick={add} data-add-field>
          Add field
        </Button>
      )}
    </fieldset>
  );
}

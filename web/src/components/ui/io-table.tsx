// Input → output of one example or demonstration as a two-column table of named fields, so people
// read values instead of JSON dumps.
import { valueText } from "@/lib/format";

type Fields = Record<string, unknown>;

function FieldRows({ fields }: { fields: Fields }) {
  const entries = Object.entries(fields);
  if (entries.length === 0) return <p className="text-xs text-slate-500">(no fields)</p>;
  return (
    <dl className="space-y-1">
      {entries.map(([k, v]) => (
        <div key={k} className="min-w-0">
          <dt className="font-mono text-[11px] text-slate-500">{k}</dt>
          <dd className="text-xs break-words whitespace-pre-wrap text-slate-800">{valueText(v)}</dd>
        </div>
      ))}
    </dl>
  );
}

export function IoTable({ input, output, label }: { input: Fields; output: Fields; label?: string }) {
  return (
    <div className="grid gap-2 rounded-lg bg-slate-50 p-3 ring-1 ring-slate-200 sm:grid-cols-[1fr_auto_1fr]" aria-label={label} role="group">
      <div className="min-w-0">
        <p className="mb-1 text-[11px] font-semibold tracking-wide text-slate-500 uppercase">Input</p>
        <FieldRows fields={input} />
      </div>
      <div className="hidden items-center text-slate-500 sm:flex" aria-hidden="true">
        →
      </div>
      <div className="min-w-0">
        <p className="mb-1 text-[11px] font-semibold tracking-wide text-slate-500 uppercase">Output</p>
        <FieldRows fields={output} />
      </div>
    </div>
  );
}

/**
 * Splits a demonstration's flat `fields` by the template's input field names; every other field
 * (outputs, and reasoning a ChainOfThought module adds) is output.
 */
export function splitFields(fields: Fields, inputNames: string[]): { input: Fields; output: Fields } {
  const input: Fields = {};
  const output: Fields = {};
  const names = new Set(inputNames);
  for (const [k, v] of Object.entries(fields)) (names.has(k) ? input : output)[k] = v;
  return { input, output };
}

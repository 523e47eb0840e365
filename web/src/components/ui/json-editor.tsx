// A JSON text area that checks its content is a JSON object, with a one-click formatter.
import { useId } from "react";
import { control } from "./field";

/** Returns an error message, or null when `text` is a JSON object. */
export function jsonObjectError(text: string): string | null {
  if (!text.trim()) return "Required: enter a JSON object, e.g. {\"question\": \"…\"}";
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return `Invalid JSON: ${e instanceof Error ? e.message : String(e)}`;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "Must be a JSON object ({ … }), not an array or a single value";
  return null;
}

type JsonEditorProps = {
  label: string;
  value: string;
  onChange: (v: string) => void;
  onBlur?: () => void;
  error?: string | null;
  rows?: number;
  name?: string;
};

export function JsonEditor({ label, value, onChange, onBlur, error, rows = 8, name }: JsonEditorProps) {
  const id = useId();
  const format = () => {
    try {
      onChange(JSON.stringify(JSON.parse(value), null, 2));
    } catch {
      onBlur?.();
    }
  };
  return (
    <div className="flex flex-col gap-1">
      <div className="flex items-center justify-between">
        <label htmlFor={id} className="text-xs font-medium text-slate-700">
          {label}
        </label>
        <button type="button" onClick={format} className="rounded px-1.5 text-xs font-medium text-indigo-600 hover:text-indigo-500 focus-visible:outline-2 focus-visible:outline-indigo-600">
          Format
        </button>
      </div>
      <textarea
        id={id}
        name={name}
        value={value}
        rows={rows}
        spellCheck={false}
        onChange={(e) => onChange(e.target.value)}
        onBlur={onBlur}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        className={control({ invalid: Boolean(error), extra: "font-mono text-xs leading-relaxed" })}
      />
      {error && (
        <p id={`${id}-error`} role="alert" className="text-xs font-medium text-rose-600">
          {error}
        </p>
      )}
    </div>
  );
}

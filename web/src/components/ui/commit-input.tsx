// A text input whose value applies on Enter, when focus leaves it, and (with `debounceMs`) that long
// after typing stops: one request per word, not per keystroke. Filters use it.
import { useEffect, useState, type InputHTMLAttributes } from "react";
import { control, controlClass } from "./field";

/** How long typing must pause before a text filter applies: one request per word, not per key. */
export const TEXT_FILTER_DEBOUNCE_MS = 400;

/** `debounceMs`: also apply that long after the last keystroke (Enter and leaving still apply at once). */
type CommitInputProps = { value: string; onCommit: (v: string) => void; invalid?: boolean; debounceMs?: number } & Omit<InputHTMLAttributes<HTMLInputElement>, "value">;

export function CommitInput({ value, onCommit, invalid, debounceMs, ...rest }: CommitInputProps) {
  const [draft, setDraft] = useState(value);
  // A new value from outside (Clear filters, Back) replaces the draft; the draft's own value coming
  // back applied does not (it would eat a trailing space typed meanwhile).
  useEffect(() => setDraft((d) => (d.trim() === value ? d : value)), [value]);
  const commit = () => draft.trim() !== value && onCommit(draft.trim());
  useEffect(() => {
    if (!debounceMs || draft.trim() === value) return;
    const timer = setTimeout(() => onCommit(draft.trim()), debounceMs);
    return () => clearTimeout(timer);
    // onCommit is a new function each render; the timer restarts on typing only.
  }, [draft, value, debounceMs]);
  return (
    <input
      {...rest}
      value={draft}
      onChange={(e) => setDraft(e.target.value)}
      onBlur={commit}
      onKeyDown={(e) => e.key === "Enter" && (e.preventDefault(), commit())}
      aria-invalid={invalid || undefined}
      className={invalid ? control({ invalid: true }) : controlClass}
    />
  );
}

// A row of buttons that picks one value (Period, Status): a radio group in one tab stop, moved
// through with the arrow keys (Home/End for the ends), each move selecting, as native radios do.
import { useRef, type KeyboardEvent } from "react";
import { cn } from "@/lib/format";

type Option<T extends string> = { value: T; label: string };
type Props<T extends string> = { label: string; options: Option<T>[]; value: T; onChange: (value: T) => void; className?: string };

export function SegmentedRadioGroup<T extends string>({ label, options, value, onChange, className }: Props<T>) {
  const refs = useRef<(HTMLButtonElement | null)[]>([]);
  const checkedIndex = Math.max(0, options.findIndex((o) => o.value === value));
  const onKeyDown = (e: KeyboardEvent, index: number) => {
    const last = options.length - 1;
    const next =
      e.key === "ArrowRight" || e.key === "ArrowDown" ? (index === last ? 0 : index + 1)
      : e.key === "ArrowLeft" || e.key === "ArrowUp" ? (index === 0 ? last : index - 1)
      : e.key === "Home" ? 0
      : e.key === "End" ? last
      : null;
    if (next === null) return;
    e.preventDefault();
    onChange(options[next].value);
    refs.current[next]?.focus();
  };
  return (
    <div role="radiogroup" aria-label={label} className={cn("inline-flex rounded-md bg-white p-0.5 shadow-sm ring-1 ring-slate-300", className)}>
      {options.map((o, i) => {
        const checked = i === checkedIndex && o.value === value;
        return (
          <button
            key={o.value || "all"}
            ref={(el) => {
              refs.current[i] = el;
            }}
            type="button"
            role="radio"
            aria-checked={checked}
            // One tab stop: the checked option (the first when none is).
            tabIndex={i === checkedIndex ? 0 : -1}
            onClick={() => onChange(o.value)}
            onKeyDown={(e) => onKeyDown(e, i)}
            className={cn("rounded px-3 py-1 text-sm font-medium capitalize focus-visible:outline-2 focus-visible:outline-indigo-600", checked ? "bg-indigo-600 text-white" : "text-slate-600 hover:bg-slate-100")}
          >
            {o.label}
          </button>
        );
      })}
    </div>
  );
}

// Tabs whose selection lives in the URL (`?tab=`), so every tab is deep-linkable.
import { useRef, type KeyboardEvent } from "react";
import { useSearchParams } from "react-router";
import { cn } from "@/lib/format";

export type TabDef = { id: string; label: string };

export function useTab(tabs: TabDef[], param = "tab"): [string, (id: string) => void] {
  const [params, setParams] = useSearchParams();
  const current = params.get(param);
  const active = tabs.some((t) => t.id === current) ? (current as string) : tabs[0].id;
  const select = (id: string) =>
    setParams(
      (p) => {
        const next = new URLSearchParams(p);
        next.set(param, id);
        return next;
      },
      { replace: true },
    );
  return [active, select];
}

export function TabList({ tabs, active, onSelect, label }: { tabs: TabDef[]; active: string; onSelect: (id: string) => void; label: string }) {
  const refs = useRef<(HTMLButtonElement | null)[]>([]);
  const onKeyDown = (e: KeyboardEvent, index: number) => {
    const delta = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
    if (!delta) return;
    e.preventDefault();
    const next = (index + delta + tabs.length) % tabs.length;
    onSelect(tabs[next].id);
    refs.current[next]?.focus();
  };
  return (
    <div role="tablist" aria-label={label} className="mb-5 flex flex-wrap gap-x-1 border-b border-slate-200">
      {tabs.map((t, i) => {
        const selected = t.id === active;
        return (
          <button
            key={t.id}
            ref={(el) => {
              refs.current[i] = el;
            }}
            role="tab"
            type="button"
            id={`tab-${t.id}`}
            aria-selected={selected}
            aria-controls={`panel-${t.id}`}
            tabIndex={selected ? 0 : -1}
            onClick={() => onSelect(t.id)}
            onKeyDown={(e) => onKeyDown(e, i)}
            className={cn(
              "-mb-px shrink-0 border-b-2 px-3 py-2 text-sm font-medium whitespace-nowrap focus-visible:outline-2 focus-visible:outline-indigo-600",
              selected ? "border-indigo-600 text-indigo-700" : "border-transparent text-slate-500 hover:border-slate-300 hover:text-slate-700",
            )}
          >
            {t.label}
          </button>
        );
      })}
    </div>
  );
}

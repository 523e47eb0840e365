import type { ReactNode } from "react";
import { cn } from "@/lib/format";

export type Tone = "slate" | "indigo" | "emerald" | "amber" | "rose" | "sky" | "violet";

const tones: Record<Tone, string> = {
  slate: "bg-slate-100 text-slate-700 ring-slate-200",
  indigo: "bg-indigo-50 text-indigo-700 ring-indigo-200",
  emerald: "bg-emerald-50 text-emerald-700 ring-emerald-200",
  amber: "bg-amber-50 text-amber-800 ring-amber-200",
  rose: "bg-rose-50 text-rose-700 ring-rose-200",
  sky: "bg-sky-50 text-sky-700 ring-sky-200",
  violet: "bg-violet-50 text-violet-700 ring-violet-200",
};

/**
 * A label chip. It never grows past its container: a long text (an 80-character function name) is
 * cut with an ellipsis, and the whole text is the tooltip (`title`, by default the text itself).
 */
export function Badge({ tone = "slate", children, className, title }: { tone?: Tone; children: ReactNode; className?: string; title?: string }) {
  const text = typeof children === "string" || typeof children === "number" ? String(children) : undefined;
  return (
    <span title={title ?? text} className={cn("inline-flex max-w-full min-w-0 items-center gap-1 rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset", tones[tone], className)}>
      {text !== undefined ? <span className="truncate">{text}</span> : children}
    </span>
  );
}

const statusTones: Record<string, Tone> = {
  draft: "amber",
  published: "emerald",
  archived: "slate",
  pending: "slate",
  running: "sky",
  completed: "emerald",
  failed: "rose",
  cancelled: "slate",
  accepted: "emerald",
  rejected: "rose",
  easy: "emerald",
  medium: "amber",
  hard: "rose",
};

export function StatusBadge({ status }: { status?: string | null }) {
  const s = status ?? "unknown";
  return <Badge tone={statusTones[s] ?? "slate"}>{s}</Badge>;
}

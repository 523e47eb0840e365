import { useRef, type ReactNode, type RefObject } from "react";
import { cn } from "@/lib/format";
import { useHeadingFocus } from "@/lib/use-heading-focus";

export function Card({ children, className }: { children: ReactNode; className?: string }) {
  // min-w-0: as a grid or flex item a card must not grow to fit a wide child (a long JSON line).
  return <section className={cn("min-w-0 rounded-xl bg-white shadow-sm ring-1 ring-slate-200", className)}>{children}</section>;
}

export function CardHeader({ title, description, actions }: { title: ReactNode; description?: ReactNode; actions?: ReactNode }) {
  return (
    <div className="flex flex-wrap items-start justify-between gap-x-4 gap-y-2 border-b border-slate-100 px-4 py-3.5 sm:px-5">
      <div className="min-w-0">
        <h2 className="text-sm font-semibold text-slate-900">{title}</h2>
        {description && <p className="mt-0.5 text-xs text-slate-500">{description}</p>}
      </div>
      {actions && <div className="flex flex-wrap items-center gap-2">{actions}</div>}
    </div>
  );
}

export function CardBody({ children, className }: { children: ReactNode; className?: string }) {
  return <div className={cn("px-4 py-4 sm:px-5", className)}>{children}</div>;
}

/**
 * The h1 is focusable from script (tabIndex -1): a navigation that carries FOCUS_HEADING (after an
 * action whose control went away with the page it left) lands focus on it, and so can code holding
 * `headingRef`.
 */
export function PageHeader({
  title,
  description,
  actions,
  eyebrow,
  headingRef,
}: {
  title: ReactNode;
  description?: ReactNode;
  actions?: ReactNode;
  eyebrow?: ReactNode;
  headingRef?: RefObject<HTMLHeadingElement | null>;
}) {
  const own = useRef<HTMLHeadingElement>(null);
  const heading = headingRef ?? own;
  useHeadingFocus(heading);
  return (
    <header className="mb-6 flex flex-wrap items-end justify-between gap-4">
      <div className="min-w-0 max-w-full">
        {/* Its links (← Examples) are at least 24 px tall, a tap target on a phone. */}
        {eyebrow && <div className="mb-1 text-xs font-medium text-slate-500 [&_a]:inline-block [&_a]:py-1">{eyebrow}</div>}
        <h1 ref={heading} tabIndex={-1} className="text-xl font-semibold tracking-tight break-words text-slate-900 focus:outline-none sm:text-2xl">
          {title}
        </h1>
        {description && <p className="mt-1 text-sm text-slate-500">{description}</p>}
      </div>
      {actions && <div className="flex flex-wrap items-center gap-2">{actions}</div>}
    </header>
  );
}

export function Stat({ label, value, sub }: { label: string; value: ReactNode; sub?: ReactNode }) {
  return (
    <div className="rounded-xl bg-white px-4 py-3.5 shadow-sm ring-1 ring-slate-200">
      <p className="text-xs font-medium text-slate-500">{label}</p>
      <p className="mt-1 text-2xl font-semibold tracking-tight text-slate-900 tabular-nums">{value}</p>
      {sub && <div className="mt-0.5 text-xs text-slate-500">{sub}</div>}
    </div>
  );
}

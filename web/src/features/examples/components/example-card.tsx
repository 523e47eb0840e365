import type { ReactNode } from "react";
import { Link } from "react-router";
import { Badge, StatusBadge } from "@/components/ui/badge";
import type { Example } from "@/lib/api-types";
import { cn, exampleSummary, previewJson } from "@/lib/format";
import { EffectivenessIndicator } from "./effectiveness-indicator";

type ExampleCardProps = {
  example: Example;
  selected?: boolean;
  onToggle?: (id: string) => void;
  footer?: ReactNode;
};

export function ExampleCard({ example, selected, onToggle, footer }: ExampleCardProps) {
  const tags = example.capability_tags ?? [];
  const title = exampleSummary(example);
  return (
    <article
      className={cn(
        "group relative flex min-w-0 flex-col rounded-xl bg-white p-4 shadow-sm ring-1 transition-shadow hover:shadow-md",
        selected ? "ring-2 ring-indigo-500" : "ring-slate-200",
      )}
      data-testid="example-card"
    >
      <div className="flex items-start gap-3">
        {onToggle && (
          <input
            type="checkbox"
            checked={Boolean(selected)}
            onChange={() => onToggle(example.example_id)}
            aria-label={`Select example ${title}`}
            className="relative z-10 size-6 shrink-0 accent-indigo-600 sm:mt-0.5 sm:size-4"
          />
        )}
        <div className="min-w-0 flex-1">
          <div className="flex flex-wrap items-center gap-1.5">
            {example.function_name && (
              <Badge tone="sky" className="max-w-full min-w-0" title={`Function: ${example.function_name}`}>
                <span className="truncate">{example.function_name}</span>
              </Badge>
            )}
            <Badge tone="indigo" className="max-w-full min-w-0">
              <span className="truncate">{example.domain}</span>
            </Badge>
            <StatusBadge status={example.difficulty} />
            {example.source && example.source !== "human_authored" && <Badge tone="violet">{example.source.replace(/_/g, " ")}</Badge>}
          </div>
          <h2 className="mt-2 line-clamp-2 text-sm font-semibold break-words text-slate-900" title={title}>
            <Link to={`/examples/${example.example_id}`} className="after:absolute after:inset-0 focus-visible:outline-2 focus-visible:outline-indigo-600">
              {title}
            </Link>
          </h2>
        </div>
      </div>
      <dl className="mt-3 space-y-1.5 text-xs">
        <div className="flex gap-2">
          <dt className="w-12 shrink-0 font-medium text-slate-500">Input</dt>
          <dd className="line-clamp-2 min-w-0 font-mono break-words text-slate-700">{previewJson(example.input)}</dd>
        </div>
        <div className="flex gap-2">
          <dt className="w-12 shrink-0 font-medium text-slate-500">Output</dt>
          <dd className="line-clamp-2 min-w-0 font-mono break-words text-slate-700">{previewJson(example.expected_output)}</dd>
        </div>
      </dl>
      {tags.length > 0 && (
        <ul className="mt-3 flex min-w-0 flex-wrap gap-1" aria-label="Capability tags">
          {tags.slice(0, 5).map((t) => (
            <li key={t} title={t} className="max-w-full truncate rounded bg-slate-100 px-1.5 py-0.5 text-[11px] text-slate-600">
              #{t}
            </li>
          ))}
          {tags.length > 5 && <li className="text-[11px] text-slate-500">+{tags.length - 5}</li>}
        </ul>
      )}
      <div className="mt-auto pt-4">
        <div className="flex items-center justify-between gap-2 border-t border-slate-100 pt-3">
          <EffectivenessIndicator score={example.effectiveness_score} usageCount={example.usage_count} />
          <span className="text-[11px] text-slate-500">v{example.version}</span>
        </div>
      </div>
      {footer && <div className="relative mt-3">{footer}</div>}
    </article>
  );
}

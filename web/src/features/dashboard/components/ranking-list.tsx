import { Link } from "react-router";
import { EmptyState } from "@/components/ui/states";
import { exampleSummary, shortId } from "@/lib/format";
import { useExamplesById } from "@/features/examples/api/get-examples-by-id";
import { EffectivenessIndicator } from "@/features/examples/components/effectiveness-indicator";
import type { RankingItem } from "../api/get-dashboard";

/** An example has evidence once outcomes gave it a score (without them it sits at the prior). */
export const hasEvidence = (it: RankingItem) => typeof it.effectiveness_score === "number" && (it.usage_count ?? 0) > 0;

/**
 * Pruning candidates: the lowest-ranked examples that have evidence and are not already listed as
 * top examples (with few scored examples the two server lists overlap).
 */
export function pruningCandidates(top: RankingItem[], bottom: RankingItem[]): RankingItem[] {
  const inTop = new Set(top.map((t) => t.example_id));
  return bottom.filter((b) => hasEvidence(b) && !inTop.has(b.example_id));
}

export function RankingList({ items, empty, emptyDescription }: { items: RankingItem[]; empty: string; emptyDescription?: string }) {
  const examples = useExamplesById(items.map((it) => it.example_id));
  if (items.length === 0) return <EmptyState title={empty} description={emptyDescription} className="my-2 py-6" />;
  return (
    <ol className="divide-y divide-slate-100">
      {items.map((it) => {
        const ex = examples.get(it.example_id);
        return (
          <li key={it.example_id} className="flex flex-wrap items-center justify-between gap-x-3 gap-y-1 py-2.5">
            <div className="min-w-0 flex-1">
              <Link to={`/examples/${it.example_id}`} className="line-clamp-2 text-sm font-medium break-words text-indigo-700 hover:underline">
                {ex ? exampleSummary(ex, 90) : it.explanation || `Example ${shortId(it.example_id)}`}
              </Link>
              <p className="truncate text-xs text-slate-500">{[it.function_name, it.domain].filter(Boolean).join(" · ")}</p>
            </div>
            <EffectivenessIndicator score={it.effectiveness_score} usageCount={it.usage_count} />
          </li>
        );
      })}
    </ol>
  );
}

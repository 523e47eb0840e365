import { Link } from "react-router";
import { EmptyState } from "@/components/ui/states";
import { shortId } from "@/lib/format";
import { EffectivenessIndicator } from "@/features/examples/components/effectiveness-indicator";
import type { RankingItem } from "../api/get-dashboard";

export function RankingList({ items, empty }: { items: RankingItem[]; empty: string }) {
  if (items.length === 0) return <EmptyState title={empty} className="py-6" />;
  return (
    <ol className="divide-y divide-slate-100">
      {items.map((it) => (
        <li key={it.example_id} className="flex items-center justify-between gap-3 py-2.5">
          <div className="min-w-0">
            <Link to={`/examples/${it.example_id}`} className="block truncate text-sm font-medium text-indigo-700 hover:underline">
              {it.function_name || it.explanation || `Example ${shortId(it.example_id)}`}
            </Link>
            <p className="truncate text-xs text-slate-500">{it.domain}</p>
          </div>
          <EffectivenessIndicator score={it.effectiveness_score} usageCount={it.usage_count} />
        </li>
      ))}
    </ol>
  );
}

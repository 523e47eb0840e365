import { Badge } from "@/components/ui/badge";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/states";
import { ExampleCard } from "@/features/examples/components/example-card";
import { useSearchExamples, type SearchRequest } from "../api/search-examples";
import { ScoreBreakdown } from "./score-breakdown";

type SearchResultsProps = { request: SearchRequest; selected: Set<string>; onToggle: (id: string) => void };

export function SearchResults({ request, selected, onToggle }: SearchResultsProps) {
  const search = useSearchExamples(request);
  if (search.isPending) return <LoadingState label="Searching…" />;
  if (search.isError) return <ErrorState error={search.error} title="Search failed" onRetry={() => search.refetch()} />;
  const { results, total_matches, search_type, took_ms } = search.data;
  return (
    <section aria-label="Search results">
      <div className="mb-3 flex flex-wrap items-center gap-2 text-sm text-slate-600">
        <span>
          <span className="font-semibold text-slate-900 tabular-nums">{total_matches ?? results.length}</span> {(total_matches ?? results.length) === 1 ? "match" : "matches"} for “{request.query_text}”
        </span>
        <Badge tone="sky">{search_type}</Badge>
        {typeof took_ms === "number" && <span className="text-xs text-slate-400">{took_ms.toFixed(1)} ms</span>}
      </div>
      {results.length === 0 ? (
        <EmptyState title="No matching examples" description="Try another mode, fewer filters or different words." />
      ) : (
        <ol className="grid grid-cols-1 gap-4 md:grid-cols-2 xl:grid-cols-3">
          {results.map((r, i) => (
            <li key={r.example.example_id} className="flex">
              <div className="flex w-full flex-col">
                <div className="mb-1 text-[11px] font-medium text-slate-400">
                  #{i + 1}
                  {r.match_type ? ` · ${r.match_type}` : ""}
                </div>
                <ExampleCard
                  example={r.example}
                  selected={selected.has(r.example.example_id)}
                  onToggle={onToggle}
                  footer={<ScoreBreakdown scores={r.scores} similarity={r.similarity_score} />}
                />
              </div>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

import { useEffect, useState } from "react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/states";
import { truncate } from "@/lib/format";
import { ExampleCard } from "@/features/examples/components/example-card";
import { useSearchExamples, type SearchRequest } from "../api/search-examples";
import { ScoreBreakdown } from "./score-breakdown";

/** Results asked for first and per "Show more"; the server caps k at 100. */
export const SEARCH_PAGE = 30;
export const SEARCH_MAX_K = 100;
const QUERY_ECHO_MAX = 80;

/** `onSummary` hears what the search found ("7 matches for “crack”"), for the page's live summary. */
type SearchResultsProps = { request: SearchRequest; selected: Set<string>; onToggle: (id: string) => void; onSummary?: (text: string) => void };

/** Keyed by the query by its parent, so a new search starts again at the first page. */
export function SearchResults({ request, selected, onToggle, onSummary }: SearchResultsProps) {
  const [k, setK] = useState(SEARCH_PAGE);
  const search = useSearchExamples({ ...request, k });
  const found = search.data ? (search.data.metadata?.no_match === true || search.data.results.length === 0 ? 0 : (search.data.total_matches ?? search.data.results.length)) : null;
  const summary = search.isError ? "Search failed" : found === null ? "Searching…" : `${found} ${found === 1 ? "match" : "matches"} for “${truncate(request.query_text, QUERY_ECHO_MAX)}”`;
  useEffect(() => onSummary?.(summary), [summary, onSummary]);
  if (search.isPending) return <LoadingState label="Searching…" />;
  if (search.isError) return <ErrorState error={search.error} title="Search failed" onRetry={() => search.refetch()} />;
  const { results, total_matches, search_type, took_ms, metadata } = search.data;
  const noMatch = metadata?.no_match === true || results.length === 0;
  const count = found ?? (total_matches ?? results.length);
  const echo = truncate(request.query_text, QUERY_ECHO_MAX);
  const more = !noMatch && results.length >= k && k < SEARCH_MAX_K;
  return (
    <section aria-label="Search results">
      <div className="mb-3 flex flex-wrap items-center gap-2 text-sm text-slate-600">
        <span data-testid="search-summary" className="min-w-0 break-words" title={request.query_text.length > QUERY_ECHO_MAX ? request.query_text.slice(0, 1000) : undefined}>
          <span className="font-semibold text-slate-900 tabular-nums">{count}</span> {count === 1 ? "match" : "matches"} for “{echo}”
        </span>
        <Badge tone="sky">{search_type}</Badge>
        {typeof took_ms === "number" && <span className="text-xs text-slate-500">{took_ms.toFixed(1)} ms</span>}
        {search.isFetching && <span className="text-xs text-slate-500">Loading…</span>}
      </div>
      {noMatch ? (
        <EmptyState title="No relevant examples" description="Nothing in the store is relevant to this query. Try other words, another mode or fewer filters." />
      ) : (
        <>
          <ol className="grid grid-cols-1 gap-4 md:grid-cols-2 xl:grid-cols-3">
            {results.map((r, i) => (
              <li key={r.example.example_id} className="flex min-w-0">
                <div className="flex w-full min-w-0 flex-col">
                  <div className="mb-1 text-[11px] font-medium text-slate-500">
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
          <div className="flex items-center justify-center gap-3 pt-4 text-sm text-slate-500">
            <span>
              Showing {results.length} result{results.length === 1 ? "" : "s"}
              {!more && results.length >= SEARCH_MAX_K ? ` (the most a search returns)` : ""}
            </span>
            {more && (
              <Button size="sm" loading={search.isFetching} onClick={() => setK((n) => Math.min(SEARCH_MAX_K, n + SEARCH_PAGE))}>
                Show more
              </Button>
            )}
          </div>
        </>
      )}
    </section>
  );
}

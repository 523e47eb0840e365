// The evidence behind an example's effectiveness, event by event, with who sent each (review s22
// P2-4: any agent token moves the score, so a team needs to see whose evidence it rests on).
import { Link } from "react-router";
import { Button } from "@/components/ui/button";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/states";
import { formatDate, shortId } from "@/lib/format";
import { useExampleUsage, type UsageEvent } from "../api/get-example-usage";

/** What the event did, in words: "retrieved", "outcome: success", "tracked: failure", "run evidence". */
export function usageWhat(e: UsageEvent): string {
  const verb = e.kind === "retrieved" ? "retrieved" : e.kind === "outcome" ? "outcome" : e.kind === "tracked" ? "tracked" : e.kind === "optimization" ? "run evidence" : e.kind;
  return e.outcome && e.kind !== "retrieved" ? `${verb}: ${e.outcome}` : verb;
}

export function UsagePanel({ exampleId }: { exampleId: string }) {
  const q = useExampleUsage(exampleId);
  const events = q.data?.pages.flatMap((p) => p.events) ?? [];
  return (
    <Card>
      <CardHeader title="Usage" description="Retrievals, outcomes and tracked uses, newest first, and who sent each." />
      <CardBody className="py-2">
        {q.isPending ? (
          <LoadingState className="py-4" />
        ) : q.isError ? (
          <ErrorState error={q.error} className="my-2" />
        ) : events.length === 0 ? (
          <EmptyState title="Not used yet" className="my-2 py-6" />
        ) : (
          <ol className="divide-y divide-slate-100 text-sm" aria-label="Usage events">
            {events.map((e) => (
              <li key={e.id} className="py-2">
                <p>
                  <span className="font-medium text-slate-900" title={e.actor ? undefined : "Recorded without a caller: a run's sync, or before callers were kept"}>
                    {e.actor ?? (e.kind === "optimization" ? "a run" : "unknown")}
                  </span>{" "}
                  <span className="text-slate-600">{usageWhat(e)}</span>
                  <span className="ml-2 text-xs text-slate-500">{formatDate(e.created_at)}</span>
                </p>
                {e.retrieval_id && (
                  <Link className="text-xs text-indigo-700 hover:underline" to={`/retrievals/${e.retrieval_id}`} title={e.retrieval_id}>
                    retrieval {shortId(e.retrieval_id)}
                  </Link>
                )}
              </li>
            ))}
          </ol>
        )}
        {q.hasNextPage && (
          <div className="py-2">
            <Button variant="secondary" size="sm" onClick={() => void q.fetchNextPage()} disabled={q.isFetchingNextPage}>
              {q.isFetchingNextPage ? "Loading…" : "Show older usage"}
            </Button>
          </div>
        )}
      </CardBody>
    </Card>
  );
}

// One agent retrieval (POST /examples/retrieve) and why each example was chosen: its relevance to
// the query and what the exploration policy blended for it (issue #18).
import { Link, useParams } from "react-router";
import { Badge } from "@/components/ui/badge";
import { Card, CardBody, CardHeader, PageHeader } from "@/components/ui/card";
import { ErrorState, LoadingState } from "@/components/ui/states";
import { exampleSummary, formatDate, formatScore, shortId, truncate } from "@/lib/format";
import { usePageTitle } from "@/lib/use-page-title";
import { useExamplesById } from "@/features/examples/api/get-examples-by-id";
import { useRetrieval, type Retrieval } from "../api/get-retrieval";

const USED_LABEL: Record<string, string> = {
  thompson: "Effectiveness draw",
  ucb: "Effectiveness upper bound",
  greedy: "Effectiveness mean",
};

export const POLICY_HELP: Record<string, string> = {
  thompson: "Thompson sampling: each example's effectiveness was drawn from its Beta(s+1, f+1) posterior, so an example with little or unlucky evidence still gets chances. One without outcomes draws around the mean of the tried ones beside it; when none has outcomes, relevance alone orders them.",
  ucb: "UCB: each example counted with the upper end of its 90% interval, so uncertain examples are tried.",
  greedy: "Greedy: each example counted with its posterior mean (no exploration).",
  none: "Relevance only: effectiveness was not blended.",
};

function Ranking({ r, policy }: { r: Retrieval; policy: string }) {
  const examples = useExamplesById(r.ranking.map((row) => row.example_id));
  const used = USED_LABEL[policy] ?? "Effectiveness used";
  const credited = r.example_outcomes ?? null;
  // Without outcomes anywhere nothing is drawn: every example counts at the 0.5 prior.
  const priorOnly = policy !== "none" && r.ranking.every((row) => row.why.effectiveness == null && row.why.effectiveness_used === 0.5);
  return (
    <div className="overflow-x-auto">
      {priorOnly && (
        <p className="mb-2 text-xs text-slate-600" data-testid="prior-only">
          None of these examples has outcomes yet, so nothing was drawn: each counted at the 0.5 prior and relevance alone ordered them.
        </p>
      )}
      <table className="stack-table w-full text-sm" aria-label="Ranking reasons">
        <thead>
          <tr className="text-left text-xs text-slate-500">
            <th className="py-1.5 pr-3 font-medium">#</th>
            <th className="py-1.5 pr-3 font-medium">Example</th>
            <th className="py-1.5 pr-3 text-right font-medium" title="Match to the query, relative to the best candidate (1 = best)">
              Relevance
            </th>
            <th className="py-1.5 pr-3 text-right font-medium" title="Posterior mean; “no data” before any outcome (the 0.5 prior applies)">
              Effectiveness (mean)
            </th>
            <th className="py-1.5 pr-3 text-right font-medium" title="The value the exploration policy blended into the rank score">
              {used}
            </th>
            <th className="py-1.5 text-right font-medium" title="Relevance blended with the effectiveness used; the list is sorted by it">
              Rank score
            </th>
            {credited && (
              <th className="py-1.5 pl-3 text-right font-medium" title="The outcome this example was credited with: the retrieval's, or its own when the agent named it">
                Credited
              </th>
            )}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {r.ranking.map((row, i) => {
            const ex = examples.get(row.example_id);
            return (
              <tr key={row.example_id}>
                <td className="stack-hide py-1.5 pr-3 text-slate-500">{i + 1}</td>
                <td className="stack-title py-1.5 pr-3">
                  <Link className="line-clamp-2 font-medium break-words text-indigo-700 hover:underline" to={`/examples/${row.example_id}`} title={row.example_id}>
                    <span className="text-slate-500 sm:hidden">{i + 1}. </span>
                    {ex ? exampleSummary(ex, 80) : ex === null ? `Deleted example ${shortId(row.example_id)}` : `Example ${shortId(row.example_id)}`}
                  </Link>
                </td>
                <td data-label="Relevance" className="py-1.5 pr-3 text-right font-mono tabular-nums">{formatScore(row.why.relevance, 3)}</td>
                <td data-label="Effectiveness (mean)" className="py-1.5 pr-3 text-right font-mono tabular-nums">
                  {row.why.effectiveness == null ? "no data" : formatScore(row.why.effectiveness, 3)}
                </td>
                <td data-label={used} className="py-1.5 pr-3 text-right font-mono tabular-nums">{formatScore(row.why.effectiveness_used, 3)}</td>
                <td data-label="Rank score" className="py-1.5 text-right font-mono font-semibold tabular-nums">{formatScore(row.why.rank_score, 3)}</td>
                {credited && (
                  <td data-label="Credited" className="py-1.5 pl-3 text-right">
                    {credited[row.example_id] ?? <span className="text-slate-500" title="Deleted before the outcome was reported">not credited</span>}
                  </td>
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

export default function RetrievalPage() {
  const { id = "" } = useParams();
  usePageTitle("Retrieval");
  const q = useRetrieval(id);
  const r = q.data;
  const policy = r?.exploration ?? "none";
  return (
    <>
      <PageHeader
        eyebrow={<Link to="/examples" className="hover:text-slate-700">← Examples</Link>}
        title="Retrieval"
        description={r?.query ? `“${truncate(r.query, 120)}”` : undefined}
      />
      {q.isPending ? (
        <LoadingState label="Loading retrieval…" />
      ) : q.isError ? (
        <ErrorState error={q.error} title={`Retrieval ${truncate(id, 40)} not available`} onRetry={() => q.refetch()} />
      ) : (
        <Card>
          <CardHeader title="Why these examples" description={POLICY_HELP[policy] ?? policy} />
          <CardBody>
            <div className="mb-3 flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-slate-500">
              <Badge tone="violet">{policy}</Badge>
              {r!.seed !== null && <span data-testid="retrieval-seed">seed {r!.seed}</span>}
              <span>{formatDate(r!.created_at)}</span>
              {r!.actor && <span data-testid="retrieval-actor">retrieved by {r!.actor}</span>}
              <span>
                outcome: {r!.outcome ?? "not reported yet"}
                {r!.outcome && r!.outcome_actor ? <span data-testid="outcome-actor">, reported by {r!.outcome_actor}</span> : null}
              </span>
            </div>
            {r!.ranking.length === 0 ? (
              <p className="text-sm text-slate-600">Nothing relevant was found: the agent got an empty prompt section.</p>
            ) : (
              <Ranking r={r!} policy={policy} />
            )}
          </CardBody>
        </Card>
      )}
    </>
  );
}

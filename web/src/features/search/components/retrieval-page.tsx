// One agent retrieval (POST /examples/retrieve) and why each example was chosen: its relevance to
// the query and what the exploration policy blended for it (issue #18).
import { Link, useParams } from "react-router";
import { Badge } from "@/components/ui/badge";
import { Card, CardBody, CardHeader, PageHeader } from "@/components/ui/card";
import { ErrorState, LoadingState } from "@/components/ui/states";
import { formatDate, formatScore, truncate } from "@/lib/format";
import { usePageTitle } from "@/lib/use-page-title";
import { useRetrieval } from "../api/get-retrieval";

const USED_LABEL: Record<string, string> = {
  thompson: "Effectiveness draw",
  ucb: "Effectiveness upper bound",
  greedy: "Effectiveness mean",
};

export const POLICY_HELP: Record<string, string> = {
  thompson: "Thompson sampling: each example's effectiveness was drawn from its Beta(s+1, f+1) posterior, so an example with little or unlucky evidence still gets chances.",
  ucb: "UCB: each example counted with the upper end of its 90% interval, so uncertain examples are tried.",
  greedy: "Greedy: each example counted with its posterior mean (no exploration).",
  none: "Relevance only: effectiveness was not blended.",
};

export default function RetrievalPage() {
  const { id = "" } = useParams();
  usePageTitle("Retrieval");
  const q = useRetrieval(id);
  if (q.isPending) return <LoadingState />;
  if (q.isError) return <ErrorState error={q.error} title="Retrieval not available" />;
  const r = q.data;
  const policy = r.exploration ?? "none";
  return (
    <>
      <PageHeader
        eyebrow={<Link to="/examples" className="hover:text-slate-700">← Examples</Link>}
        title="Retrieval"
        description={r.query ? `“${truncate(r.query, 120)}”` : undefined}
      />
      <Card>
        <CardHeader title="Why these examples" description={POLICY_HELP[policy] ?? policy} />
        <CardBody>
          <div className="mb-3 flex flex-wrap items-center gap-2 text-xs text-slate-500">
            <Badge tone="violet">{policy}</Badge>
            {r.seed !== null && <span data-testid="retrieval-seed">seed {r.seed}</span>}
            <span>{formatDate(r.created_at)}</span>
            <span>outcome: {r.outcome ?? "not reported yet"}</span>
          </div>
          {r.ranking.length === 0 ? (
            <p className="text-sm text-slate-600">Nothing relevant was found: the agent got an empty prompt section.</p>
          ) : (
            <div className="overflow-x-auto">
              <table className="w-full text-sm" aria-label="Ranking reasons">
                <thead>
                  <tr className="text-left text-xs text-slate-500">
                    <th className="py-1.5 pr-3">#</th>
                    <th className="py-1.5 pr-3">Example</th>
                    <th className="py-1.5 pr-3 text-right">Relevance</th>
                    <th className="py-1.5 pr-3 text-right">Effectiveness (mean)</th>
                    <th className="py-1.5 pr-3 text-right">{USED_LABEL[policy] ?? "Effectiveness used"}</th>
                    <th className="py-1.5 text-right">Rank score</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {r.ranking.map((row, i) => (
                    <tr key={row.example_id}>
                      <td className="py-1.5 pr-3 text-slate-400">{i + 1}</td>
                      <td className="py-1.5 pr-3">
                        <Link className="font-mono text-xs text-indigo-700 hover:underline" to={`/examples/${row.example_id}`}>
                          {row.example_id.slice(0, 8)}
                        </Link>
                      </td>
                      <td className="py-1.5 pr-3 text-right font-mono tabular-nums">{formatScore(row.why.relevance, 3)}</td>
                      <td className="py-1.5 pr-3 text-right font-mono tabular-nums">{row.why.effectiveness == null ? "no data" : formatScore(row.why.effectiveness, 3)}</td>
                      <td className="py-1.5 pr-3 text-right font-mono tabular-nums">{formatScore(row.why.effectiveness_used, 3)}</td>
                      <td className="py-1.5 text-right font-mono tabular-nums">{formatScore(row.why.rank_score, 3)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </CardBody>
      </Card>
    </>
  );
}

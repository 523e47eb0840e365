// The finished run's best program and per-example contributions, with the feedback-loop actions
// (SPEC §4.6): sync evidence into the store, accept as a new template version, or reject.
import { Link, useNavigate } from "react-router";
import { Button } from "@/components/ui/button";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { JsonView } from "@/components/ui/code-block";
import { EmptyState, LoadingState, UnavailableState } from "@/components/ui/states";
import { errorMessage } from "@/lib/api-client";
import { formatScore, shortId } from "@/lib/format";
import { useToast } from "@/lib/toast";
import { useRunResults } from "../api/get-run-results";
import { useRunAction, type RunAction } from "../api/run-actions";
import type { Run } from "../api/types";

export function RunResultsPanel({ run }: { run: Run }) {
  const q = useRunResults(run.id, run.status === "completed");
  const act = useRunAction(run.id);
  const toast = useToast();
  const navigate = useNavigate();

  const doAction = (a: RunAction) =>
    act.mutate(a, {
      onSuccess: (res) => {
        if (a === "sync") toast.show(typeof res?.examples_updated === "number" ? `Synced evidence to ${res.examples_updated} examples` : "Synced to the Example Store");
        if (a === "reject") toast.show("Run rejected", "info");
        if (a === "accept") {
          const newId = res?.accepted_template_id ?? res?.template_id ?? (res && "version" in res ? res.id : undefined);
          toast.show("Accepted: new draft template version created");
          if (typeof newId === "string") navigate(`/templates/${newId}`);
        }
      },
      onError: (e) => toast.show(`${a} failed: ${errorMessage(e)}`, "error"),
    });

  const decided = Boolean(run.decision);
  return (
    <Card>
      <CardHeader
        title="Results"
        description={run.decision ? `Decision: ${run.decision}` : "Best program and what each example contributed."}
        actions={
          <>
            <Button size="sm" onClick={() => doAction("sync")} disabled={run.synced || act.isPending} loading={act.isPending && act.variables === "sync"}>
              {run.synced ? "Synced" : "Sync to store"}
            </Button>
            <Button size="sm" variant="primary" onClick={() => doAction("accept")} disabled={decided || act.isPending} loading={act.isPending && act.variables === "accept"}>
              Accept
            </Button>
            <Button size="sm" variant="danger" onClick={() => doAction("reject")} disabled={decided || act.isPending} loading={act.isPending && act.variables === "reject"}>
              Reject
            </Button>
          </>
        }
      />
      <CardBody className="space-y-5">
        {run.acceptedTemplateId && (
          <p className="text-sm">
            Accepted as{" "}
            <Link to={`/templates/${run.acceptedTemplateId}`} className="font-medium text-indigo-700 hover:underline">
              a new template version →
            </Link>
          </p>
        )}
        {q.isPending ? (
          <LoadingState label="Loading results…" />
        ) : q.isError ? (
          <UnavailableState feature="Run results" error={q.error} />
        ) : (
          <>
            <div>
              <h3 className="text-xs font-semibold tracking-wide text-slate-500 uppercase">Best program · score {formatScore(q.data.bestScore, 3)}</h3>
              {q.data.instructions && <p className="mt-2 rounded-lg bg-slate-50 p-3 text-sm whitespace-pre-wrap text-slate-800 ring-1 ring-slate-200">{q.data.instructions}</p>}
              {q.data.demos.length > 0 ? (
                <details className="mt-2">
                  <summary className="cursor-pointer text-sm text-indigo-700">{q.data.demos.length} demonstrations</summary>
                  <JsonView value={q.data.demos} className="mt-2" />
                </details>
              ) : q.data.program ? (
                <details className="mt-2">
                  <summary className="cursor-pointer text-sm text-indigo-700">Program</summary>
                  <JsonView value={q.data.program} className="mt-2" />
                </details>
              ) : null}
            </div>
            <div>
              <h3 className="mb-2 text-xs font-semibold tracking-wide text-slate-500 uppercase">Example contributions</h3>
              {q.data.contributions.length === 0 ? (
                <EmptyState title="No contributions measured" className="py-6" />
              ) : (
                <table className="w-full text-sm">
                  <thead className="text-left text-xs text-slate-500">
                    <tr>
                      <th className="py-1.5 font-medium">Example</th>
                      <th className="py-1.5 text-right font-medium">Contribution</th>
                      <th className="py-1.5 text-right font-medium">Trials with / without</th>
                    </tr>
                  </thead>
                  <tbody className="divide-y divide-slate-100">
                    {q.data.contributions.map((c) => (
                      <tr key={c.exampleId}>
                        <td className="py-1.5">
                          <Link to={`/examples/${c.exampleId}`} className="font-mono text-xs text-indigo-700 hover:underline">
                            {c.label ?? shortId(c.exampleId)}
                          </Link>
                        </td>
                        <td className={`py-1.5 text-right font-mono tabular-nums ${(c.contribution ?? 0) >= 0 ? "text-emerald-700" : "text-rose-700"}`}>
                          {c.contribution !== null && c.contribution >= 0 ? "+" : ""}
                          {formatScore(c.contribution, 3)}
                        </td>
                        <td className="py-1.5 text-right text-xs tabular-nums">
                          {c.trialsWith ?? "—"} / {c.trialsWithout ?? "—"}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </div>
          </>
        )}
      </CardBody>
    </Card>
  );
}

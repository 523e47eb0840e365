// A finished run's best program and per-example contributions, with the feedback-loop actions
// (SPEC §4.6): sync evidence into the store, accept as a new template version, or reject. Cancelled
// and failed runs show what they reached (best trial, contributions) without sync/accept/reject.
import { useEffect, useId, useRef, useState } from "react";
import { Link, useNavigate } from "react-router";
import { Button } from "@/components/ui/button";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { EmptyState, LoadingState, UnavailableState } from "@/components/ui/states";
import { errorReport } from "@/lib/api-client";
import { exampleSummary, formatScore, shortId } from "@/lib/format";
import { useToast } from "@/lib/toast";
import { FOCUS_HEADING } from "@/lib/use-heading-focus";
import { useExamplesById } from "@/features/examples/api/get-examples-by-id";
import { useTemplate } from "@/features/templates/api/get-template";
import { Demonstrations } from "@/features/templates/components/demonstrations";
import { useRunResults, type Contribution } from "../api/get-run-results";
import { useRunAction, type RunAction } from "../api/run-actions";
import type { Run } from "../api/types";
import { usePermission } from "@/lib/role";

function Contributions({ items }: { items: Contribution[] }) {
  const examples = useExamplesById(items.map((c) => c.exampleId));
  return (
    <div className="overflow-x-auto">
      <table className="stack-table w-full text-sm">
        <thead className="text-left text-xs text-slate-500">
          <tr>
            <th className="py-1.5 pr-3 font-medium">Example</th>
            <th className="py-1.5 text-right font-medium">Contribution</th>
            <th className="py-1.5 pl-3 text-right font-medium whitespace-nowrap">Trials with / without</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {items.map((c) => {
            const ex = examples.get(c.exampleId);
            return (
              <tr key={c.exampleId}>
                <td className="stack-title max-w-md py-1.5 pr-3">
                  <Link to={`/examples/${c.exampleId}`} className="line-clamp-2 text-indigo-700 hover:underline" title={c.exampleId}>
                    {ex ? exampleSummary(ex, 100) : ex === null ? `Deleted example ${shortId(c.exampleId)}` : `Example ${shortId(c.exampleId)}`}
                  </Link>
                  {ex?.function_name && <span className="text-[11px] text-slate-500">{ex.function_name}</span>}
                </td>
                <td data-label="Contribution" className={`py-1.5 text-right font-mono tabular-nums ${(c.contribution ?? 0) >= 0 ? "text-emerald-700" : "text-rose-700"}`}>
                  {c.contribution === null && c.notEnoughVariation ? (
                    <span className="font-sans text-xs text-slate-500" title="Every trial used this example (or none did), so the run cannot tell its effect apart">
                      not enough variation
                    </span>
                  ) : (
                    <>
                      {c.contribution !== null && c.contribution >= 0 ? "+" : ""}
                      {formatScore(c.contribution, 3)}
                    </>
                  )}
                </td>
                <td data-label="Trials with / without" className="py-1.5 text-right text-xs tabular-nums sm:pl-3">
                  {c.trialsWith ?? "—"} / {c.trialsWithout ?? "—"}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** "This run failed" / "This run was cancelled": how a run that did not complete ended. */
export function stoppedRunText(status: string): string {
  if (status === "failed") return "This run failed";
  if (status === "cancelled") return "This run was cancelled";
  return `This run ended ${status.replace(/_/g, " ")}`;
}

// The title of each result warning the server sends (RunWarnings); another shows its code.
const WARNING_TITLES: Record<string, string> = {
  nothing_to_accept: "Nothing to accept",
  no_program: "No program to accept",
  zero_score: "Score 0",
  pii: "Personal data in demos",
};

export function RunResultsPanel({ run }: { run: Run }) {
  const canDecide = usePermission("write", "sync, accept or reject runs").allowed;
  const q = useRunResults(run.id, true);
  const template = useTemplate(run.templateId ?? "");
  const completed = run.status === "completed";
  const syncHelpId = useId();
  const act = useRunAction(run.id);
  const toast = useToast();
  const navigate = useNavigate();
  const [confirmReject, setConfirmReject] = useState(false);
  // Accept and Reject are disabled once a decision is made, which would drop focus to the page:
  // it goes to the decision instead, once the run reports it.
  const decisionRef = useRef<HTMLSpanElement>(null);
  const [focusDecision, setFocusDecision] = useState(false);
  useEffect(() => {
    if (focusDecision && run.decision) {
      decisionRef.current?.focus();
      setFocusDecision(false);
    }
  }, [focusDecision, run.decision]);

  const doAction = (a: RunAction) =>
    act.mutate(a, {
      onSuccess: (res) => {
        if (a === "sync") toast.show(typeof res?.examples_updated === "number" ? `Synced evidence to ${res.examples_updated} examples` : "Synced to the Example Store");
        if (a === "reject") {
          setConfirmReject(false);
          setFocusDecision(true);
          toast.show("Run rejected", "info");
        }
        if (a === "accept") {
          const newId = res?.template?.id ?? res?.accepted_template_id ?? res?.template_id ?? (res && "version" in res ? res.id : undefined);
          const pii = res?.warnings?.find((w) => w.code === "pii");
          if (pii) toast.show(`Accepted: new draft template version created. ${pii.message}`, "info");
          else toast.show("Accepted: new draft template version created");
          if (typeof newId === "string") navigate(`/templates/${newId}`, { state: FOCUS_HEADING });
          else setFocusDecision(true);
        }
      },
      onError: (e) => toast.show(`${a} failed: ${errorReport(e)}`, "error"),
    });

  const decided = Boolean(run.decision);
  // Decided elsewhere meanwhile (another tab accepted it: Reject answered 409 and the run was
  // fetched again): the question is moot, so the dialog goes and focus moves to the decision.
  useEffect(() => {
    if (decided && confirmReject) {
      setConfirmReject(false);
      setFocusDecision(true);
    }
  }, [decided, confirmReject]);
  // A KNNFewShot run keeps no demos (they are chosen per query), and a run whose budget ran out before
  // any program was evaluated in full has none: the server refuses accept, and its warning says why.
  const nothingToAccept =
    run.optimizer === "KNNFewShot" || q.data?.warnings.some((w) => w.code === "nothing_to_accept" || w.code === "no_program");
  const bestTrial = q.data?.trials.reduce<(typeof q.data.trials)[number] | null>((b, t) => (t.score !== null && (b === null || t.score > (b.score ?? -Infinity)) ? t : b), null);
  return (
    <Card>
      <CardHeader
        title="Results"
        description={
          run.decision
            ? (
                <span ref={decisionRef} tabIndex={-1} className="rounded focus:outline-2 focus:outline-indigo-600">
                  Decision: {run.decision}
                </span>
              )
            : completed
              ? "Best program and what each example contributed."
              : `${stoppedRunText(run.status)}; the trials it finished and the best result so far are kept.`
        }
        actions={
          completed && canDecide && (
            <>
              {/* Once synced it says so and does nothing, but keeps focus (a disabled button would drop it to the page).
                  Only a completed run has results to sync: the server refuses a failed or cancelled one (409). */}
              <Button
                size="sm"
                onClick={run.synced ? undefined : () => doAction("sync")}
                aria-describedby={syncHelpId}
                aria-disabled={run.synced || (act.isPending && act.variables === "sync") || undefined}
                className={run.synced ? "cursor-default opacity-50 hover:bg-white" : undefined}
                disabled={!run.synced && act.isPending && act.variables !== "sync"}
                loading={act.isPending && act.variables === "sync"}
              >
                {run.synced ? "Synced" : "Sync to store"}
              </Button>
              {!nothingToAccept && (
                <Button size="sm" variant="primary" onClick={() => doAction("accept")} disabled={decided || act.isPending} loading={act.isPending && act.variables === "accept"}>
                  Accept
                </Button>
              )}
              <Button size="sm" variant="danger" onClick={() => setConfirmReject(true)} disabled={decided || act.isPending} loading={act.isPending && act.variables === "reject"}>
                Reject
              </Button>
            </>
          )
        }
      />
      <CardBody className="space-y-5">
        {completed && (
          <p id={syncHelpId} className="text-xs text-slate-500">
            {run.synced
              ? "Synced: each example's evidence from this run (trials with and without it) is part of its effectiveness score."
              : "Sync to store adds each example's evidence from this run (trials with and without it) to its effectiveness score, which ranks it in retrieval."}
          </p>
        )}
        {completed && q.data && q.data.warnings.length > 0 && (
          <ul aria-label="Result warnings" className="space-y-1 rounded-lg border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
            {q.data.warnings.map((w, i) => (
              <li key={i} className="break-words">
                <span className="font-medium">{WARNING_TITLES[w.code] ?? w.code}:</span> {w.message}
              </li>
            ))}
          </ul>
        )}
        {run.acceptedTemplateDeleted && (
          <p className="text-sm text-slate-600">Accepted as a template version that was deleted since.</p>
        )}
        {run.acceptedTemplateId && !run.acceptedTemplateDeleted && (
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
              <h3 className="text-xs font-semibold tracking-wide text-slate-500 uppercase">
                {q.data.program ? "Best program" : "Best trial so far"} · score {formatScore(q.data.bestScore ?? bestTrial?.score ?? null, 3)}
              </h3>
              {(q.data.instructions ?? bestTrial?.instruction) && (
                <p className="mt-2 rounded-lg bg-slate-50 p-3 text-sm break-words whitespace-pre-wrap text-slate-800 ring-1 ring-slate-200">{q.data.instructions ?? bestTrial?.instruction}</p>
              )}
              {!q.data.program && bestTrial && <p className="mt-2 text-xs text-slate-500">Trial {bestTrial.index} scored best; no final program was saved because the run did not complete.</p>}
              {!q.data.program && !bestTrial && <p className="mt-2 text-sm text-slate-500">No trial finished before the run stopped.</p>}
              {q.data.demos.length > 0 && (
                <details className="mt-2">
                  <summary className="cursor-pointer text-sm text-indigo-700">{q.data.demos.length} demonstrations</summary>
                  <Demonstrations demos={q.data.demos} template={template.data} />
                </details>
              )}
            </div>
            <div>
              <h3 className="mb-2 text-xs font-semibold tracking-wide text-slate-500 uppercase">Example contributions</h3>
              {q.data.contributions.length === 0 ? (
                <EmptyState title="No contributions measured" className="py-6" />
              ) : (
                <Contributions items={q.data.contributions} />
              )}
            </div>
          </>
        )}
      </CardBody>
      <ConfirmDialog
        open={confirmReject && !decided}
        title="Reject this run?"
        description="The run is marked rejected and can no longer be accepted as a template version. Its trials and results are kept."
        confirmLabel="Reject"
        pending={act.isPending && act.variables === "reject"}
        error={act.isError && act.variables === "reject" ? act.error : null}
        onConfirm={() => doAction("reject")}
        onClose={() => setConfirmReject(false)}
      />
    </Card>
  );
}

import { useEffect, useRef, useState } from "react";
import { Link, useParams } from "react-router";
import { Badge, StatusBadge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardBody, CardHeader, PageHeader, Stat } from "@/components/ui/card";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { ErrorState, LoadingState, RequestId } from "@/components/ui/states";
import { errorMessage, isApiError, isUnreachable } from "@/lib/api-client";
import { NotFoundPage, notFoundTitle } from "@/components/ui/not-found";
import { formatCount, formatDate, formatScore, shortId } from "@/lib/format";
import { focusIfLost } from "@/lib/focus-if-lost";
import { useToast } from "@/lib/toast";
import { usePageTitle } from "@/lib/use-page-title";
import { useTemplate } from "@/features/templates/api/get-template";
import { useRun } from "../api/get-run";
import { useRunResults } from "../api/get-run-results";
import { useRunAction } from "../api/run-actions";
import { isTerminal, mergeTrials, type Run } from "../api/types";
import { useRunEvents, type StreamState } from "../api/use-run-events";
import { DecisionBadge } from "./decision-badge";
import { RunProgress } from "./run-progress";
import { RunResultsPanel } from "./run-results-panel";
import { ScoreChart } from "./score-chart";
import { TrialsTable } from "./trials-table";
import { usePermission } from "@/lib/role";

// What the header says about the live stream while the run is going (anything but live polls).
const streamLabel: Record<StreamState, string> = {
  connecting: "connecting…",
  live: "● live",
  reconnecting: "reconnecting… (updating every 2 s)",
  lost: "connection lost (updating every 2 s)",
  closed: "polling…",
  unavailable: "polling…",
};

// Who executes the run (a replica, or this server on its own database), how many executions it
// took (a takeover after its replica stopped adds one), and, while it runs on a replica, until
// when that replica holds it.
function ExecutorLine({ run }: { run: Run }) {
  const who = run.claimedBy ? `replica ${run.claimedBy}` : "this server";
  const running = run.status === "running";
  return (
    <p className="mb-6 text-sm text-slate-600" aria-label="Executor">
      {running ? "Executing on" : "Executed by"} {who} · {run.attempts === 1 ? "1 attempt" : `${run.attempts} attempts (taken over ${run.attempts - 1}×)`}
      {running && run.leaseExpiresAt ? ` · lease until ${new Date(run.leaseExpiresAt).toLocaleTimeString()}` : ""}
    </p>
  );
}

export default function RunDetailPage() {
  const canCancel = usePermission("write", "cancel runs").allowed;
  const { id = "" } = useParams();
  const first = useRun(id);
  const active = Boolean(first.data) && !isTerminal(first.data?.status);
  const events = useRunEvents(id, active);
  // Poll when the live stream is not delivering, and while the server cannot be reached (an
  // outage: the page keeps what it has and catches up by itself once the server answers again;
  // a server shutting down ends the stream with the run's last status, so this polls a run that
  // looks finished too).
  const run = useRun(id, (active && events.state !== "live") || isUnreachable(first.error) ? 2000 : false);
  // Finished runs keep their trials and best result, however they ended (cancelled, failed).
  const finished = isTerminal(run.data?.status);
  const results = useRunResults(id, finished);
  const cancel = useRunAction(id);
  // Runs carry only the template's id: the header names it from the template itself.
  const template = useTemplate(run.data?.templateId ?? "");
  const toast = useToast();
  const missing = isApiError(run.error) && run.error.isNotFound;
  // Cancelling throws away the run's remaining trials, so Cancel run asks first (like Reject).
  const [confirmCancel, setConfirmCancel] = useState(false);
  // Cancel run goes away when the run ends (also while its dialog is open): focus moves to the
  // heading, whose status now says so.
  const cancelPressed = useRef(false);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (finished && (cancelPressed.current || confirmCancel)) {
      cancelPressed.current = false;
      setConfirmCancel(false);
      focusIfLost(heading.current);
    }
  }, [finished, confirmCancel]);
  usePageTitle(run.data ? `Run ${shortId(run.data.id)} (${run.data.status})` : missing ? notFoundTitle("Run") : "Run");

  if (run.isPending) return <LoadingState label="Loading run…" />;
  if (missing) return <NotFoundPage what="Run" id={id} listTo="/runs" listLabel="Optimization runs" />;
  if (!run.data) return <ErrorState error={run.error} title="Could not load this run" onRetry={() => run.refetch()} />;
  const r = run.data;
  const refreshFailed = run.isError && !missing;
  // Trials come from the run, the live stream and, once finished, the results.
  const trials = mergeTrials(results.data?.trials ?? [], r.trials);

  return (
    <>
      <PageHeader
        eyebrow={<Link to="/runs" className="hover:text-slate-700">← Optimization</Link>}
        title={`Run ${shortId(r.id)}`}
        headingRef={heading}
        description={
          <span className="flex flex-wrap items-center gap-1.5">
            <StatusBadge status={r.status} />
            <DecisionBadge run={r} />
            {r.optimizer && <Badge tone="violet">{r.optimizer}</Badge>}
            {r.metric && <Badge>{r.metric}</Badge>}
            {r.provider && <Badge tone="sky">LM: {r.provider}</Badge>}
            {r.templateId && (
              <Link to={`/templates/${r.templateId}`} className="text-xs text-indigo-600 hover:underline">
                {r.templateName ?? (template.data ? `${template.data.name} v${template.data.version}` : "template")} →
              </Link>
            )}
            {active && (
              <span role="status" className={events.state === "reconnecting" || events.state === "lost" ? "text-xs text-amber-700" : "text-xs text-slate-500"}>
                {streamLabel[events.state]}
              </span>
            )}
          </span>
        }
        actions={
          !isTerminal(r.status) && canCancel && (
            <Button variant="danger" loading={cancel.isPending} onClick={() => setConfirmCancel(true)}>
              Cancel run
            </Button>
          )
        }
      />
      <ConfirmDialog
        open={confirmCancel && !finished}
        title="Cancel this run?"
        description="The run stops and cannot be resumed: the trials it has not run yet are lost. The trials it finished and the best result so far are kept."
        confirmLabel="Cancel run"
        cancelLabel="Keep running"
        pending={cancel.isPending}
        error={cancel.isError ? cancel.error : null}
        onConfirm={() => {
          cancelPressed.current = true;
          cancel.mutate("cancel", {
            onSuccess: () => {
              setConfirmCancel(false);
              toast.show("Cancellation requested", "info");
            },
          });
        }}
        onClose={() => {
          cancel.reset();
          setConfirmCancel(false);
        }}
      />
      {refreshFailed && (
        <div role="status" aria-label="Connection" className="mb-6 flex flex-wrap items-center gap-x-3 gap-y-1 rounded-lg border border-amber-200 bg-amber-50 px-4 py-2.5 text-sm text-amber-900">
          <span>
            <span className="font-semibold">{isUnreachable(run.error) ? "Connection lost, reconnecting…" : "Could not refresh this run."}</span> {errorMessage(run.error)} Showing the run as of {new Date(run.dataUpdatedAt).toLocaleTimeString()}.
          </span>
          <Button size="sm" onClick={() => void run.refetch()}>
            Try now
          </Button>
          <RequestId error={run.error} className="mt-0 basis-full" />
        </div>
      )}
      {r.error && <ErrorState error={new Error(r.error)} title={`Run ${r.status}`} className="mb-6" />}
      <div className="mb-6 grid grid-cols-2 gap-4 lg:grid-cols-4">
        <Stat label="Best score" value={formatScore(r.bestScore, 3)} />
        <Stat
          label="Trials"
          value={r.trialsPlanned ? `${r.trialsDone} / ${r.trialsPlanned}` : r.trialsDone}
          sub={
            <>
              <RunProgress run={r} className="mt-2" showLabel={false} />
              {r.maxTrials ? <span className="mt-1 block">budget: at most {r.maxTrials.toLocaleString()}</span> : null}
            </>
          }
        />
        <Stat label="LM calls" value={formatCount(r.lmCalls)} />
        <Stat label="Started" value={<span className="text-base">{formatDate(r.startedAt ?? r.createdAt)}</span>} sub={r.completedAt ? `finished ${formatDate(r.completedAt)}` : undefined} />
      </div>
      {r.attempts > 0 && <ExecutorLine run={r} />}
      <div className="grid gap-6 xl:grid-cols-2">
        <Card className="min-w-0">
          <CardHeader title="Score over trials" />
          <CardBody>
            <ScoreChart trials={trials} />
          </CardBody>
        </Card>
        <Card className="min-w-0">
          <CardHeader title="Trials" description="Newest first; the best is highlighted." />
          <CardBody className="py-2">
            <TrialsTable trials={trials} bestScore={r.bestScore} />
          </CardBody>
        </Card>
      </div>
      {finished && (
        <div className="mt-6">
          <RunResultsPanel run={r} />
        </div>
      )}
      {events.logs.length > 0 && (
        <Card className="mt-6">
          <CardHeader title="Log" description="Newest first." />
          <CardBody>
            <ol className="max-h-64 overflow-auto font-mono text-xs leading-relaxed break-words text-slate-700" aria-label="Run log">
              {[...events.logs].reverse().map((l, i) => (
                <li key={i}>
                  <span className="text-slate-500">{l.at.slice(11, 19)}</span> <span className={l.level === "error" ? "text-rose-600" : l.level === "warning" ? "text-amber-600" : "text-slate-500"}>{l.level}</span> {l.message}
                </li>
              ))}
            </ol>
          </CardBody>
        </Card>
      )}
    </>
  );
}

// Live run progress over Server-Sent Events: GET /dspy-runs/{id}/events with events
// `progress`, `trial`, `status` and `log` (SPEC §2.2). Updates the run's query cache in place and
// reports whether the stream is live so the page can fall back to polling. With a signed-in token
// the stream is read with fetch (lib/event-stream.ts): EventSource cannot send the token.
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { buildUrl } from "@/lib/api-client";
import { openEventStream, STREAM_CONNECTING } from "@/lib/event-stream";
import type { RunDetail } from "./get-run";
import { isTerminal, mergeTrials, normalizeRun, normalizeTrial, plannedOf, type RunWire, type TrialWire } from "./types";

export type RunLog = { at: string; level: string; message: string };
/**
 * `reconnecting`: the stream was live and dropped; the browser is trying again. `lost`: it dropped
 * and the browser gave up (the server refused the reconnection, or was down too long) while the run
 * is still going; the stream is opened again after a pause (REOPEN_MS). Anything but `live` means
 * the page polls.
 */
export type StreamState = "connecting" | "live" | "reconnecting" | "lost" | "closed" | "unavailable";

function parse(data: string): Record<string, unknown> {
  try {
    const v = JSON.parse(data) as unknown;
    return typeof v === "object" && v !== null ? (v as Record<string, unknown>) : { message: String(v) };
  } catch {
    return { message: data };
  }
}

/** Pauses before opening a given-up stream again: a short outage ends well before the last. */
const REOPEN_MS = [2_000, 5_000, 10_000, 30_000];

const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

export function useRunEvents(id: string, active: boolean) {
  const qc = useQueryClient();
  const [logs, setLogs] = useState<RunLog[]>([]);
  const [state, setState] = useState<StreamState>("connecting");
  // Bumped to open the stream again after the browser gave up on it (a server restart, an outage).
  const [reopened, setReopened] = useState(0);
  const gaveUp = useRef(0); // give-ups since the stream was last live: picks the pause

  useEffect(() => {
    const source = active ? openEventStream(buildUrl(`/dspy-runs/${encodeURIComponent(id)}/events`)) : null;
    if (!source) {
      setState(active ? "unavailable" : "closed");
      return;
    }
    const key = ["runs", "detail", id];
    const patch = (fn: (r: RunDetail) => RunDetail) => qc.setQueryData<RunDetail>(key, (r) => (r ? fn(r) : r));
    let opened = false;
    let reopen: ReturnType<typeof setTimeout> | undefined;
    source.onopen = () => {
      // Back after a drop: what happened meanwhile is not replayed to a fresh stream; fetch the run.
      if (opened || reopened > 0) void qc.invalidateQueries({ queryKey: key });
      opened = true;
      gaveUp.current = 0;
      setState("live");
    };
    source.addEventListener("progress", (e) => {
      const d = parse((e as MessageEvent).data);
      const p = (typeof d.progress === "object" && d.progress ? d.progress : d) as Record<string, unknown>;
      patch((r) => {
        const done = num(p.trials_completed) ?? num(p.trials_done) ?? num(p.completed) ?? r.trialsDone;
        const planned = plannedOf(p) ?? r.trialsPlanned;
        return {
          ...r,
          status: r.status === "pending" ? "running" : r.status,
          trialsDone: done,
          trialsPlanned: planned,
          fraction: planned ? done / planned : undefined,
          lmCalls: num(p.lm_calls) ?? r.lmCalls,
          bestScore: num(p.best_score) ?? r.bestScore,
        };
      });
    });
    source.addEventListener("trial", (e) => {
      const d = parse((e as MessageEvent).data);
      const wire = (typeof d.trial === "object" && d.trial ? d.trial : d) as TrialWire;
      patch((r) => {
        const trial = normalizeTrial(wire, r.trials.length);
        const best = trial.score !== null ? Math.max(trial.score, r.bestScore ?? -Infinity) : r.bestScore;
        return { ...r, trials: mergeTrials(r.trials, [trial]), bestScore: best };
      });
    });
    source.addEventListener("status", (e) => {
      const d = parse((e as MessageEvent).data);
      const status = typeof d.status === "string" ? d.status : undefined;
      if (!status) return;
      // A status event carries the whole run (RunToJson): take its counters too.
      patch((r) => {
        const fresh = typeof d.run_id === "string" ? normalizeRun(d as RunWire) : null;
        return {
          ...r,
          status,
          error: typeof d.error === "string" ? d.error : r.error,
          trialsDone: Math.max(fresh?.trialsDone ?? 0, r.trialsDone),
          trialsPlanned: fresh?.trialsPlanned ?? r.trialsPlanned,
          fraction: fresh?.fraction ?? r.fraction,
          lmCalls: fresh?.lmCalls ?? r.lmCalls,
          bestScore: fresh?.bestScore ?? r.bestScore,
          claimedBy: fresh ? fresh.claimedBy : r.claimedBy,
          attempts: fresh?.attempts ?? r.attempts,
          leaseExpiresAt: fresh ? fresh.leaseExpiresAt : r.leaseExpiresAt,
        };
      });
      // A bare status (the run started here, or was resumed) does not say who executes it now.
      if (typeof d.run_id !== "string" && !isTerminal(status)) void qc.invalidateQueries({ queryKey: key });
      if (isTerminal(status)) {
        source.close();
        setState("closed");
        void qc.invalidateQueries({ queryKey: ["runs"] });
      }
    });
    source.addEventListener("log", (e) => {
      const d = parse((e as MessageEvent).data);
      const entry = {
        at: typeof d.at === "string" ? d.at : typeof d.time === "string" ? d.time : new Date().toISOString(),
        level: typeof d.level === "string" ? d.level : "info",
        message: typeof d.message === "string" ? d.message : JSON.stringify(d),
      };
      setLogs((l) => [...l.slice(-199), entry]);
    });
    source.onerror = () => {
      // EventSource (and the token stream) retry by themselves while CONNECTING (onopen says when it is back); CLOSED means
      // the server refused the stream. Either way nothing arrives now: refresh, and let the page poll.
      void qc.invalidateQueries({ queryKey: key });
      if (opened && source.readyState === STREAM_CONNECTING) {
        setState("reconnecting");
        return;
      }
      source.close();
      setState(opened || reopened > 0 ? "lost" : "unavailable");
      // Given up: try again later (the page polls meanwhile); a run that ended turns `active` off.
      reopen = setTimeout(() => setReopened((n) => n + 1), REOPEN_MS[Math.min(gaveUp.current++, REOPEN_MS.length - 1)]);
    };
    return () => {
      clearTimeout(reopen);
      source.close();
    };
  }, [id, active, qc, reopened]);

  return { logs, state };
}

// An example's effectiveness (SPEC §4.3, issue #18 item 5): the posterior Beta(s+1, f+1) as its mean
// and 90% interval, the counts behind it, and a way to open a retrieval to see why the example was
// chosen there (agents get a retrieval_id with every retrieval).
import { useState, type FormEvent } from "react";
import { useNavigate } from "react-router";
import { Button } from "@/components/ui/button";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { control } from "@/components/ui/field";
import { ErrorState, LoadingState } from "@/components/ui/states";
import { formatCount, formatPercent, formatRelative, formatScore } from "@/lib/format";
import { intervalOf, useExampleEffectiveness, type EffectivenessStats } from "../api/get-example-effectiveness";
import { EffectivenessIndicator } from "./effectiveness-indicator";

function Row({ label, value, hint }: { label: string; value: React.ReactNode; hint?: string }) {
  return (
    <div className="flex items-baseline justify-between gap-3 py-1.5 text-sm" title={hint}>
      <dt className="shrink-0 text-slate-500">{label}</dt>
      <dd className="text-right font-medium text-slate-900 tabular-nums">{value}</dd>
    </div>
  );
}

/** The posterior's parameters and mean: Beta(successes + 1, failures + 1). */
export function posteriorOf(s: EffectivenessStats): { alpha: number; beta: number; mean: number } {
  const alpha = (s.success_count ?? 0) + 1;
  const beta = (s.failure_count ?? 0) + 1;
  return { alpha, beta, mean: typeof s.effectiveness_score === "number" ? s.effectiveness_score : alpha / (alpha + beta) };
}

function IntervalBar({ mean, low, high }: { mean: number; low: number; high: number }) {
  return (
    <figure className="mt-3" aria-label={`Posterior mean ${formatScore(mean)}, 90% interval ${formatScore(low)} to ${formatScore(high)}`}>
      <div className="relative h-2 rounded-full bg-slate-100">
        <div className="absolute inset-y-0 rounded-full bg-indigo-200" style={{ left: `${low * 100}%`, width: `${Math.max(1, (high - low) * 100)}%` }} />
        <div className="absolute -top-0.5 h-3 w-0.5 rounded bg-indigo-700" style={{ left: `${mean * 100}%` }} />
      </div>
      <figcaption className="mt-1 flex justify-between text-[11px] text-slate-500 tabular-nums">
        <span>0</span>
        <span>
          mean {formatScore(mean)} · 90% interval {formatScore(low)}–{formatScore(high)}
        </span>
        <span>1</span>
      </figcaption>
    </figure>
  );
}

function OpenRetrieval() {
  const navigate = useNavigate();
  const [id, setId] = useState("");
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const v = id.trim();
    if (v) navigate(`/retrievals/${encodeURIComponent(v)}`);
  };
  return (
    <form onSubmit={submit} className="mt-4 border-t border-slate-100 pt-3" aria-label="Open a retrieval">
      <p className="mb-1.5 text-xs text-slate-600">
        Why was it chosen? Each agent retrieval returns a <code className="text-[11px]">retrieval_id</code>; open one to see every example's relevance and
        effectiveness draw.
      </p>
      <div className="flex gap-2">
        <input aria-label="Retrieval ID" placeholder="retrieval_id" value={id} onChange={(e) => setId(e.target.value)} className={control({ extra: "min-w-0 flex-1 font-mono text-xs" })} />
        <Button type="submit" size="sm" disabled={!id.trim()}>
          Open
        </Button>
      </div>
    </form>
  );
}

export function EffectivenessPanel({ exampleId }: { exampleId: string }) {
  const q = useExampleEffectiveness(exampleId);
  return (
    <Card>
      <CardHeader title="Effectiveness" description="Learned from reported outcomes: the posterior Beta(successes + 1, failures + 1). Its mean is the score; retrieval explores by drawing from it." />
      <CardBody>
        {q.isPending ? (
          <LoadingState className="py-4" />
        ) : q.isError ? (
          <ErrorState error={q.error} />
        ) : (
          (() => {
            const d = q.data;
            const p = posteriorOf(d);
            const iv = intervalOf(d);
            return (
              <>
                <EffectivenessIndicator score={d.effectiveness_score} usageCount={d.total_uses ?? d.usage_count} />
                {iv && <IntervalBar mean={p.mean} low={iv[0]} high={iv[1]} />}
                <dl className="mt-3 divide-y divide-slate-100">
                  <Row label="Posterior mean" value={formatScore(p.mean, 3)} hint="The effectiveness score; greedy retrieval blends this" />
                  <Row label="90% interval" value={iv ? `${formatScore(iv[0])} – ${formatScore(iv[1])}` : "—"} hint="UCB retrieval blends the upper end" />
                  <Row label="Posterior" value={`Beta(${formatScore(p.alpha, 1)}, ${formatScore(p.beta, 1)})`} hint="Thompson retrieval draws from this distribution" />
                  <Row label="Uses" value={formatCount(d.total_uses ?? d.usage_count)} />
                  <Row label="Successes" value={formatCount(d.success_count)} hint="A partial outcome counts half a success and half a failure" />
                  <Row label="Failures" value={formatCount(d.failure_count)} hint="A partial outcome counts half a success and half a failure" />
                  <Row label="Success rate" value={formatPercent(d.success_rate)} />
                  <Row label="Trend" value={d.effectiveness_trend ?? d.trend ?? "—"} />
                  <Row label="Last used" value={formatRelative(d.last_used_at)} />
                </dl>
                <OpenRetrieval />
              </>
            );
          })()
        )}
      </CardBody>
    </Card>
  );
}

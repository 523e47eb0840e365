import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { ErrorState, LoadingState } from "@/components/ui/states";
import { formatCount, formatPercent, formatRelative, formatScore } from "@/lib/format";
import { intervalOf, useExampleEffectiveness } from "../api/get-example-effectiveness";
import { EffectivenessIndicator } from "./effectiveness-indicator";

function Row({ label, value }: { label: string; value: React.ReactNode }) {
  return (
    <div className="flex items-center justify-between py-1.5 text-sm">
      <dt className="text-slate-500">{label}</dt>
      <dd className="font-medium text-slate-900 tabular-nums">{value}</dd>
    </div>
  );
}

export function EffectivenessPanel({ exampleId }: { exampleId: string }) {
  const q = useExampleEffectiveness(exampleId);
  return (
    <Card>
      <CardHeader title="Effectiveness" description="Posterior Beta(successes + 1, failures + 1): its mean is the score; retrieval explores by drawing from it." />
      <CardBody>
        {q.isPending ? (
          <LoadingState className="py-4" />
        ) : q.isError ? (
          <ErrorState error={q.error} />
        ) : (
          <>
            <EffectivenessIndicator score={q.data.effectiveness_score} usageCount={q.data.total_uses ?? q.data.usage_count} />
            {(() => {
              const iv = intervalOf(q.data);
              if (!iv) return null;
              return (
                <div className="mt-3" aria-label={`90% interval ${formatScore(iv[0])} to ${formatScore(iv[1])}`}>
                  <div className="relative h-2 rounded-full bg-slate-100">
                    <div className="absolute inset-y-0 rounded-full bg-indigo-200" style={{ left: `${iv[0] * 100}%`, width: `${Math.max(1, (iv[1] - iv[0]) * 100)}%` }} />
                    {typeof q.data.effectiveness_score === "number" && (
                      <div className="absolute -top-0.5 h-3 w-0.5 rounded bg-indigo-700" style={{ left: `${q.data.effectiveness_score * 100}%` }} />
                    )}
                  </div>
                  <p className="mt-1 text-xs text-slate-500">
                    90% interval {formatScore(iv[0])} – {formatScore(iv[1])}
                  </p>
                </div>
              );
            })()}
            <dl className="mt-3 divide-y divide-slate-100">
              <Row
                label="Posterior"
                value={
                  <span title="What exploration draws from: Thompson sampling draws from this Beta, UCB uses the interval's upper end">
                    Beta({formatScore((q.data.success_count ?? 0) + 1, 1)}, {formatScore((q.data.failure_count ?? 0) + 1, 1)}) · mean{" "}
                    {formatScore(((q.data.success_count ?? 0) + 1) / ((q.data.success_count ?? 0) + (q.data.failure_count ?? 0) + 2), 3)}
                    {(() => {
                      const iv = intervalOf(q.data);
                      return iv ? ` · 90% ${formatScore(iv[0])}–${formatScore(iv[1])}` : "";
                    })()}
                  </span>
                }
              />
              <Row label="Uses" value={formatCount(q.data.total_uses ?? q.data.usage_count)} />
              <Row label="Successes" value={formatCount(q.data.success_count)} />
              <Row label="Failures" value={formatCount(q.data.failure_count)} />
              <Row label="Success rate" value={formatPercent(q.data.success_rate)} />
              <Row label="Trend" value={q.data.effectiveness_trend ?? q.data.trend ?? "—"} />
              <Row label="Last used" value={formatRelative(q.data.last_used_at)} />
            </dl>
          </>
        )}
      </CardBody>
    </Card>
  );
}

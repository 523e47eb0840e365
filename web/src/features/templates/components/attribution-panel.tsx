// Trace to training data (SPEC §4.7): which examples and source templates shaped this version,
// with each one's measured contribution. Rendered defensively: the endpoint is still being built.
import { Link } from "react-router";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { IoTable } from "@/components/ui/io-table";
import { EmptyState, LoadingState, UnavailableState } from "@/components/ui/states";
import type { Example } from "@/lib/api-types";
import { exampleSummary, formatScore, shortId } from "@/lib/format";
import { useExamplesById } from "@/features/examples/api/get-examples-by-id";
import { useAttribution, type AttributionItem, type AttributionRun } from "../api/get-attribution";

function pathLabel(step: unknown): string {
  if (typeof step === "string") return step.includes(":") ? step.replace(/:(.{8}).*$/, " $1") : step;
  if (step && typeof step === "object") {
    const s = step as Record<string, unknown>;
    const kind = s.type ?? s.edge ?? s.kind;
    const id = s.label ?? s.id ?? s.target;
    return [kind, typeof id === "string" ? shortId(id) : id].filter(Boolean).join(" ");
  }
  return String(step);
}

/** How a row names its example or template: the example's input, or the template's name and version. */
function itemTitle(it: AttributionItem, kind: "example" | "template", id: string, ex: Example | null | undefined): string {
  if (kind === "example") {
    if (ex) return exampleSummary(ex, 100);
    if (ex === null) return `Deleted example ${shortId(id)}`;
    return `Example ${shortId(id)}`;
  }
  if (it.name) return `${it.name}${it.version ? ` v${it.version}` : ""}`;
  return it.label || `Template ${shortId(id)}`;
}

/** Runs that had the example but could not measure it: it was in every trial (or in none). */
function unmeasuredRuns(runs: AttributionRun[] | undefined): AttributionRun[] {
  return (Array.isArray(runs) ? runs : []).filter((r) => typeof r.contribution !== "number");
}

function ContributionBar({ value, runs }: { value: number | null | undefined; runs?: AttributionRun[] }) {
  if (typeof value !== "number") {
    const unmeasured = unmeasuredRuns(runs);
    if (unmeasured.length > 0) {
      const detail = unmeasured
        .map((r) => `run ${shortId(r.run_id)}: in ${r.trials_with ?? 0} of ${(r.trials_with ?? 0) + (r.trials_without ?? 0)} trials`)
        .join("; ");
      return (
        <span className="text-xs text-slate-500" title={`Not enough variation to measure: ${detail}. A contribution needs trials with and without the example.`}>
          Not enough variation ({detail})
        </span>
      );
    }
    return <span className="text-xs text-slate-500" title="Not measured: no optimization run compared trials with and without it">—</span>;
  }
  const width = Math.min(50, Math.abs(value) * 50);
  return (
    <div className="flex items-center gap-2">
      <div className="relative h-2 w-28 rounded-full bg-slate-100" aria-hidden="true">
        <div className="absolute inset-y-0 left-1/2 w-px bg-slate-300" />
        <div className={value >= 0 ? "absolute inset-y-0 left-1/2 rounded-r-full bg-emerald-500" : "absolute inset-y-0 right-1/2 rounded-l-full bg-rose-500"} style={{ width: `${width}%` }} />
      </div>
      <span className="w-14 text-right font-mono text-xs tabular-nums">{value >= 0 ? "+" : ""}{formatScore(value, 3)}</span>
    </div>
  );
}

function ItemTable({ items, kind }: { items: AttributionItem[]; kind: "example" | "template" }) {
  const examples = useExamplesById(kind === "example" ? items.map((it) => it.example_id ?? it.id ?? "").filter(Boolean) : []);
  if (items.length === 0) return <EmptyState title={`No ${kind}s in this trace`} className="my-2 py-6" />;
  return (
    <div className="overflow-x-auto">
    <table className="stack-table w-full text-sm">
      <thead>
        <tr className="text-left text-xs text-slate-500">
          <th className="py-2 font-medium capitalize">{kind}</th>
          <th className="py-2 font-medium">Contribution</th>
          <th className="py-2 text-right font-medium">Evidence trials</th>
          <th className="py-2 pl-4 font-medium">Path</th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100">
        {items.map((it, i) => {
          const id = (kind === "example" ? it.example_id : it.template_id) ?? it.id ?? "";
          const ex = examples.get(id);
          const title = itemTitle(it, kind, id, ex);
          return (
            <tr key={id || i}>
              <td className="stack-title max-w-sm py-2 pr-3 align-top">
                {id ? (
                  <Link to={`/${kind}s/${id}`} className="line-clamp-2 font-medium break-words text-indigo-700 hover:underline" title={id}>
                    {title}
                  </Link>
                ) : (
                  title
                )}
                <p className="text-xs text-slate-500">{[ex?.function_name, it.domain ?? ex?.domain, it.relation, it.status, it.source].filter(Boolean).join(" · ")}</p>
                {ex && (
                  <details className="mt-1">
                    <summary className="cursor-pointer text-xs text-indigo-700">Input → output</summary>
                    <div className="mt-1">
                      <IoTable input={ex.input} output={ex.expected_output} label={`Example ${title}`} />
                    </div>
                  </details>
                )}
              </td>
              <td data-label="Contribution" className="py-2 align-top">
                <ContributionBar value={it.contribution} runs={it.runs} />
              </td>
              <td data-label="Evidence trials" className="py-2 text-right align-top tabular-nums">{it.evidence_trials ?? "—"}</td>
              <td data-label="Path" className="py-2 align-top sm:pl-4">
                <div className="flex flex-wrap items-center justify-end gap-1 text-[11px] text-slate-600 sm:justify-start">
                  {(Array.isArray(it.path) ? it.path : []).map((step, j) => (
                    <span key={j} className="flex items-center gap-1">
                      {j > 0 && <span className="text-slate-300">→</span>}
                      <span className="rounded bg-slate-100 px-1.5 py-0.5">{pathLabel(step)}</span>
                    </span>
                  ))}
                </div>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
    </div>
  );
}

export function AttributionPanel({ templateId }: { templateId: string }) {
  const q = useAttribution(templateId);
  if (q.isPending) return <LoadingState label="Tracing training data…" />;
  if (q.isError) return <UnavailableState feature="Attribution" error={q.error} />;
  const examples = Array.isArray(q.data?.examples) ? q.data.examples : [];
  const templates = Array.isArray(q.data?.templates) ? q.data.templates : [];
  return (
    <div className="space-y-6">
      <Card>
        <CardHeader title="Examples" description="Contribution: how trials that used the example scored versus trials that did not." />
        <CardBody className="py-2">
          <ItemTable items={examples} kind="example" />
        </CardBody>
      </Card>
      <Card>
        <CardHeader title="Source templates" description="Upstream versions and the templates this one derives from." />
        <CardBody className="py-2">
          <ItemTable items={templates} kind="template" />
        </CardBody>
      </Card>
    </div>
  );
}

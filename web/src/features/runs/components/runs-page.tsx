import { useState } from "react";
import { Link, useSearchParams } from "react-router";
import { StatusBadge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardBody, CardHeader, PageHeader } from "@/components/ui/card";
import { PlusIcon } from "@/components/ui/icons";
import { EmptyState, LoadingState, UnavailableState } from "@/components/ui/states";
import { formatDate, formatScore, shortId } from "@/lib/format";
import { useTemplateOptions } from "@/features/templates/api/get-templates";
import { usePageTitle } from "@/lib/use-page-title";
import { useRuns } from "../api/get-runs";
import { LaunchRunForm } from "./launch-run-form";
import { DecisionBadge } from "./decision-badge";
import { RunProgress } from "./run-progress";
import { usePermission } from "@/lib/role";

export default function RunsPage() {
  const canLaunch = usePermission("write", "launch runs").allowed;
  const [params, setParams] = useSearchParams();
  const template = params.get("template") ?? undefined;
  const showForm = params.get("new") === "1" && canLaunch;
  const runs = useRuns(template ? { template_id: template } : {});
  const templates = useTemplateOptions();
  usePageTitle(showForm ? "New optimization run" : "Optimization runs");
  const names = new Map((templates.data?.templates ?? []).map((t) => [t.id, `${t.name} v${t.version}`]));
  // The button pressed to open or close the form is gone afterwards: focus goes to the form's first
  // field, and back to "New run" on Cancel.
  const [focusAfter, setFocusAfter] = useState<"form" | "new" | null>(null);
  const toggleForm = (open: boolean) => {
    setFocusAfter(open ? "form" : "new");
    setParams((p) => {
      const n = new URLSearchParams(p);
      if (open) n.set("new", "1");
      else n.delete("new");
      return n;
    });
  };

  return (
    <>
      <PageHeader
        title="Optimization"
        description="DSPy optimizer runs: launch, watch live, and feed the results back into the store."
        actions={
          !showForm && canLaunch && (
            <Button variant="primary" icon={<PlusIcon />} onClick={() => toggleForm(true)} autoFocus={focusAfter === "new"}>
              New run
            </Button>
          )
        }
      />
      {showForm && (
        <Card className="mb-6">
          <CardHeader title="Launch an optimization" description="The offline LM is deterministic and needs no network: good for trying things out." />
          <CardBody>
            <LaunchRunForm defaultTemplate={template} onCancel={() => toggleForm(false)} autoFocus={focusAfter === "form"} />
          </CardBody>
        </Card>
      )}
      {template && (
        <p className="mb-3 text-sm text-slate-600">
          Runs of <span className="font-medium">{names.get(template) ?? shortId(template)}</span> ·{" "}
          <Link to="/runs" className="text-indigo-700 hover:underline">
            show all
          </Link>
        </p>
      )}
      {runs.isPending ? (
        <LoadingState label="Loading runs…" />
      ) : runs.isError ? (
        <UnavailableState feature="Optimization runs" error={runs.error} />
      ) : runs.data.length === 0 ? (
        <EmptyState title="No runs yet" description="Launch an optimization to search for better instructions and demonstrations." action={!showForm && canLaunch && <Button variant="primary" onClick={() => toggleForm(true)}>New run</Button>} />
      ) : (
        <Card className="overflow-x-auto">
          <table className="stack-table w-full text-sm [--stack-pad:1rem] lg:min-w-[44rem]">
            <thead className="bg-slate-50 text-left text-xs text-slate-500">
              <tr>
                <th className="px-4 py-2.5 font-medium">Run</th>
                <th className="px-4 py-2.5 font-medium">Template</th>
                {/* Below lg (tablet width, beside the sidebar) optimizer · metric moves under the template, a bare
                    progress bar under the status, and Created is left out. */}
                <th className="hidden px-4 py-2.5 font-medium lg:table-cell">Optimizer · metric</th>
                <th className="px-4 py-2.5 font-medium">Status</th>
                <th className="hidden w-56 px-4 py-2.5 font-medium lg:table-cell">Progress</th>
                <th className="px-4 py-2.5 text-right font-medium">Best</th>
                <th className="hidden px-4 py-2.5 font-medium lg:table-cell">Created</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {runs.data.map((r) => (
                <tr key={r.id} className="hover:bg-slate-50">
                  <td className="stack-title px-4 py-2.5">
                    <Link to={`/runs/${r.id}`} className="font-mono font-medium text-indigo-700 hover:underline">
                      {shortId(r.id)}
                    </Link>
                  </td>
                  <td data-label="Template" className="px-4 py-2.5 text-xs">
                    {r.templateId ? <Link to={`/templates/${r.templateId}`} className="hover:underline">{r.templateName ?? names.get(r.templateId) ?? shortId(r.templateId)}</Link> : "—"}
                    <span className="mt-0.5 hidden text-slate-500 [overflow-wrap:anywhere] sm:block lg:hidden">
                      {r.optimizer ?? "—"} · {r.metric ?? "—"}
                    </span>
                  </td>
                  <td data-label="Optimizer · metric" className="hidden px-4 py-2.5 text-xs text-slate-600 [overflow-wrap:anywhere] lg:table-cell">
                    {r.optimizer ?? "—"} · {r.metric ?? "—"}
                  </td>
                  <td data-label="Status" className="px-4 py-2.5">
                    <span className="flex flex-wrap items-center gap-1">
                      <StatusBadge status={r.status} />
                      <DecisionBadge run={r} />
                    </span>
                    <div className="mt-1.5 hidden w-24 sm:block lg:hidden">
                      <RunProgress run={r} showLabel={false} />
                    </div>
                  </td>
                  <td data-label="Progress" className="hidden px-4 py-2.5 lg:table-cell">
                    <RunProgress run={r} />
                  </td>
                  <td data-label="Best" className="px-4 py-2.5 text-right font-mono tabular-nums">{formatScore(r.bestScore, 3)}</td>
                  <td data-label="Created" className="hidden px-4 py-2.5 text-xs text-slate-500 lg:table-cell">{formatDate(r.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      )}
    </>
  );
}

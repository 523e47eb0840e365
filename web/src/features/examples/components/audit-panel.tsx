import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/states";
import { isApiError } from "@/lib/api-client";
import { formatDate } from "@/lib/format";
import { useExampleAudit } from "../api/get-example-audit";

/** What an audited request (its route, "POST /api/v1/examples/bulk-update") did to the example. */
const VERBS: Record<string, string> = {
  "POST /api/v1/examples": "created",
  "POST /api/v1/examples/batch": "created (batch)",
  "POST /api/v1/examples/import": "imported",
  "PUT /api/v1/examples/{id}": "edited",
  "DELETE /api/v1/examples/{id}": "deleted",
  "POST /api/v1/examples/{id}/restore": "restored",
  "POST /api/v1/examples/bulk-update": "edited in bulk",
  "POST /api/v1/examples/bulk-delete": "deleted in bulk",
  "POST /api/v1/examples/regenerate-embeddings": "re-embedded",
  "POST /api/v1/examples/outcome": "reported an outcome",
  "POST /api/v1/examples/{id}/track": "recorded usage",
  "POST /api/v1/dspy-runs/{id}/sync": "credited by a run",
  "DELETE /api/v1/templates/{id}": "changed by deleting its template",
  "exemplar seed": "created by the demo seed",
  "exemplar import": "imported from a file (command line)",
};

export function auditVerb(action: string, diff?: Record<string, unknown> | null): string {
  if (diff?.unchanged === true) return "saved without changes";
  if (diff?.purged === true) return "purged";
  return VERBS[action] ?? action;
}

/** An example's audit trail: every write that touched it (issue 19). */
export function AuditPanel({ exampleId }: { exampleId: string }) {
  const q = useExampleAudit(exampleId);
  return (
    <Card>
      <CardHeader title="Audit trail" description="Who changed this example, and what changed." />
      <CardBody className="py-2">
        {q.isPending ? (
          <LoadingState className="py-4" />
        ) : q.isError ? (
          isApiError(q.error) && q.error.status === 403 ? (
            <p className="py-2 text-sm text-slate-500">Only administrators can read the audit log.</p>
          ) : (
            <ErrorState error={q.error} className="my-2" />
          )
        ) : q.data.entries.length === 0 ? (
          <EmptyState title="No audited changes" className="my-2 py-6" />
        ) : (
          <ol className="divide-y divide-slate-100 text-sm" aria-label="Audit trail">
            {q.data.entries.map((e) => (
              <li key={e.seq} className="py-2">
                <p>
                  <span className="font-medium text-slate-900">{e.actor}</span> <span className="text-slate-600">{auditVerb(e.action, e.diff)}</span>
                  <span className="ml-2 text-xs text-slate-500">{formatDate(e.at)}</span>
                </p>
                {Object.keys(e.diff ?? {}).length > 0 && (
                  <p className="truncate text-xs text-slate-500" title={JSON.stringify(e.diff)}>
                    {Object.keys(e.diff).join(", ")}
                  </p>
                )}
              </li>
            ))}
          </ol>
        )}
      </CardBody>
    </Card>
  );
}

import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/states";
import { isApiError } from "@/lib/api-client";
import { formatDate } from "@/lib/format";
import { useExampleAudit } from "../api/get-example-audit";

const verb = (action: string) => {
  if (action.startsWith("DELETE")) return "deleted";
  if (action.endsWith("/restore")) return "restored";
  if (action.startsWith("PUT")) return "edited";
  if (action.startsWith("POST /api/v1/examples")) return "created";
  return action;
};

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
                  <span className="font-medium text-slate-900">{e.actor}</span> <span className="text-slate-600">{verb(e.action)}</span>
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

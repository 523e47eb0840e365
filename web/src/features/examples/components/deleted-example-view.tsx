// A deleted example (a tombstone, issue 19): hidden from lists and search, but its content,
// history and audit trail remain, and it can be restored (unless its content was purged).
import { Link, useLocation, useNavigate } from "react-router";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardBody, CardHeader, PageHeader } from "@/components/ui/card";
import { JsonView } from "@/components/ui/code-block";
import { ErrorState, LoadingState } from "@/components/ui/states";
import { errorReport, isApiError } from "@/lib/api-client";
import { formatDate } from "@/lib/format";
import { useLocationNow } from "@/lib/navigation-guard";
import { useToast } from "@/lib/toast";
import { FOCUS_HEADING } from "@/lib/use-heading-focus";
import { useExampleIncludingDeleted } from "../api/get-example-audit";
import { useRestoreExample } from "../api/restore-example";
import { useMayRead, usePermission } from "@/lib/role";
import { AuditPanel } from "./audit-panel";
import { VersionsPanel } from "./versions-panel";
import { NotFoundPage } from "@/components/ui/not-found";

export function DeletedExampleView({ id, fallback }: { id: string; fallback: React.ReactNode }) {
  const q = useExampleIncludingDeleted(id, true);
  const restore = useRestoreExample();
  const canRestore = usePermission("write", "restore examples").allowed;
  const canAudit = useMayRead("admin");
  const toast = useToast();
  const navigate = useNavigate();
  const location = useLocation();
  const locationNow = useLocationNow();
  if (q.isPending) return <LoadingState label="Loading example…" />;
  // Neither stored nor deleted: the id names no example at all.
  if (q.isError) return isApiError(q.error) && q.error.isNotFound ? <NotFoundPage what="Example" id={id} listTo="/examples" listLabel="Examples" /> : <>{fallback}</>;
  const ex = q.data;
  return (
    <>
      <PageHeader
        eyebrow={
          <span className="flex flex-wrap gap-x-3">
            <Link to="/examples" className="hover:text-slate-700">← Examples</Link>
            <Link to="/examples/deleted" className="hover:text-slate-700">Recently deleted</Link>
          </span>
        }
        title={<span className="text-slate-500">Deleted example</span>}
        description={
          <span className="flex flex-wrap items-center gap-1.5">
            <Badge tone="rose">{ex.purged ? "content purged" : "deleted"}</Badge>
            <Badge>v{ex.version}</Badge>
            {ex.deleted_at && <span className="text-xs text-slate-500">deleted {formatDate(ex.deleted_at)}</span>}
          </span>
        }
        actions={
          !ex.purged && canRestore && (
            <Button
              variant="primary"
              loading={restore.isPending}
              onClick={() => {
                // Where Restore was pressed: the user may leave (Templates, Back) before the answer.
                const pressedAt = location.key;
                // mutateAsync, not mutate's callbacks: the refetch after a restore replaces this view
                // with the live example's page, and callbacks given to mutate do not run once unmounted.
                restore.mutateAsync(id).then(
                  () => {
                    toast.show("Example restored");
                    // Left meanwhile: they stay where they went, and their page's history entry is
                    // not replaced by this example (Back would return here).
                    if (locationNow()?.key !== pressedAt) return;
                    // Restore went away with this view: focus goes to the restored page's heading,
                    // as after other actions whose control is gone.
                    navigate(`/examples/${id}`, { replace: true, state: FOCUS_HEADING });
                  },
                  (e: unknown) => toast.show(`Restore failed: ${errorReport(e)}`, "error"),
                );
              }}
            >
              Restore
            </Button>
          )
        }
      />
      <div className="grid gap-6 xl:grid-cols-3">
        <Card className="opacity-80 xl:col-span-2">
          <CardHeader
            title="Content"
            description={ex.purged ? `Erased for legal removal; content hash ${ex.content_hash ?? ""}` : "Kept for lineage, snapshots and audit."}
          />
          <CardBody>{ex.purged ? <ErrorState error={new Error("This example's content was purged.")} /> : <JsonView value={{ input: ex.input, expected_output: ex.expected_output, explanation: ex.explanation }} className="whitespace-pre-wrap [overflow-wrap:anywhere]" />}</CardBody>
        </Card>
        <div className="min-w-0 space-y-6">
          <VersionsPanel exampleId={id} currentVersion={ex.version} />
          {canAudit && <AuditPanel exampleId={id} />}
        </div>
      </div>
    </>
  );
}

import { useState } from "react";
import { Link, useLocation, useNavigate, useParams } from "react-router";
import { Badge, StatusBadge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardBody, CardHeader, PageHeader } from "@/components/ui/card";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { TrashIcon } from "@/components/ui/icons";
import { ErrorState, LoadingState } from "@/components/ui/states";
import { isApiError } from "@/lib/api-client";
import type { Example, QualityWarning } from "@/lib/api-types";
import { exampleSummary, formatDate } from "@/lib/format";
import { usePageTitle } from "@/lib/use-page-title";
import { useToast } from "@/lib/toast";
import { useCreateExample } from "../api/create-example";
import { useDeleteExample } from "../api/delete-example";
import { useExample } from "../api/get-example";
import { useDeletedToast } from "../api/restore-example";
import { isStaleEdit, useUpdateExample } from "../api/update-example";
import { EffectivenessPanel } from "./effectiveness-panel";
import { UsagePanel } from "./usage-panel";
import { ExampleEditor } from "./example-editor";
import { formFromExample } from "./example-form";
import { QualityWarnings, warningSummary } from "./quality-warnings";
import { VersionsPanel } from "./versions-panel";
import { AuditPanel } from "./audit-panel";
import { DeletedExampleView } from "./deleted-example-view";
import { FOCUS_HEADING } from "@/lib/use-heading-focus";
import { useMayRead, usePermission } from "@/lib/role";

const crumbs = (
  <Link to="/examples" className="hover:text-slate-700">
    ← Examples
  </Link>
);

export function NewExamplePage() {
  usePageTitle("New example");
  const create = useCreateExample();
  const navigate = useNavigate();
  const toast = useToast();
  return (
    <>
      <PageHeader eyebrow={crumbs} title="New example" description="A labeled input and the output you expect for it." />
      <Card>
        <CardBody>
          <ExampleEditor
            submitLabel="Create example"
            pending={create.isPending}
            serverError={create.error}
            onSubmit={(body) =>
              create.mutate(body, {
                onSuccess: (ex) => {
                  toast.show(`Example created${warningSummary(ex.warnings)}`, ex.warnings?.length ? "info" : "success");
                  navigate(`/examples/${ex.example_id}`, { state: { warnings: ex.warnings ?? [], ...FOCUS_HEADING } });
                },
              })
            }
          />
        </CardBody>
      </Card>
    </>
  );
}

function Meta({ example }: { example: Example }) {
  const rows: [string, React.ReactNode][] = [
    ["ID", <code className="text-xs">{example.example_id}</code>],
    ["Version", example.version],
    ["Embedding", example.has_embedding ? (example.embedding_model ?? "yes") : "none"],
    ["Personal data", example.pii_flags?.length ? example.pii_flags.map((k) => k.replace(/_/g, " ")).join(", ") : "none found"],
    ["Created", formatDate(example.created_at)],
    ["Updated", formatDate(example.updated_at)],
  ];
  return (
    <Card>
      <CardHeader title="Details" />
      <CardBody>
        <dl className="space-y-1.5 text-sm">
          {rows.map(([k, v]) => (
            <div key={k} className="flex justify-between gap-3">
              <dt className="text-slate-500">{k}</dt>
              <dd className="min-w-0 text-right break-all text-slate-900">{v}</dd>
            </div>
          ))}
        </dl>
      </CardBody>
    </Card>
  );
}

const staleEdit = new Error("stale edit");

export function ExampleDetailPage() {
  const { id = "" } = useParams();
  const del = useDeleteExample();
  const deleted = del.isSuccess;
  const example = useExample(id, !deleted);
  const update = useUpdateExample(id);
  const navigate = useNavigate();
  const toast = useToast();
  const deletedToast = useDeletedToast();
  const [confirming, setConfirming] = useState(false);
  const canDelete = usePermission("write", "delete examples");
  // The audit log is an administrator's (GET /audit needs admin).
  const canAudit = useMayRead("admin");
  const location = useLocation();
  // Warnings of the save that brought us here (create) or of the last save on this page.
  const createdWarnings = (location.state as { warnings?: QualityWarning[] } | null)?.warnings;
  const warnings = update.data ? update.data.warnings : createdWarnings;
  usePageTitle(example.data ? exampleSummary(example.data, 60) : "Example");

  if (deleted) return <LoadingState label="Example deleted; returning to the list…" />;
  if (example.isPending) return <LoadingState label="Loading example…" />;
  if (example.isError) {
    const failed = <ErrorState error={example.error} title="Could not load this example" onRetry={() => example.refetch()} />;
    // A 404 may be a deleted example: its tombstone still shows content, history and restore.
    return isApiError(example.error) && example.error.isNotFound ? <DeletedExampleView id={id} fallback={failed} /> : failed;
  }
  const ex = example.data;

  const doDelete = () =>
    del.mutate(id, {
      onSuccess: () => {
        deletedToast([id], "Example deleted");
        navigate("/examples");
      },
    });

  return (
    <>
      <PageHeader
        eyebrow={crumbs}
        title={exampleSummary(ex, 120)}
        description={
          <span className="flex flex-wrap items-center gap-1.5">
            {ex.function_name && <Badge tone="sky">{ex.function_name}</Badge>}
            <Badge tone="indigo">{ex.domain}</Badge>
            <StatusBadge status={ex.difficulty} />
            <Badge>v{ex.version}</Badge>
            {ex.databit_id && (
              <Link to={`/templates/${ex.databit_id}`} className="text-xs text-indigo-600 hover:underline">
                {ex.databit_name ?? "Template"} →
              </Link>
            )}
          </span>
        }
        actions={
          canDelete.allowed ? (
            <Button variant="danger" icon={<TrashIcon />} onClick={() => setConfirming(true)}>
              Delete
            </Button>
          ) : undefined
        }
      />
      {/* items-start: the edit card keeps its own height beside a taller side column. */}
      <div className="grid gap-6 xl:grid-cols-3 xl:items-start">
        <Card className="xl:col-span-2">
          <CardHeader title="Edit example" description="Saving creates a new version; changing the input re-embeds it." />
          <CardBody className="space-y-4">
            <QualityWarnings warnings={warnings} />
            {isStaleEdit(update.error) && (
              <div role="alert" className="flex flex-wrap items-center gap-3 rounded-lg border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
                <p className="min-w-0 flex-1">
                  Someone saved a newer version of this example while you were editing, so your changes were not saved. The form still holds them:
                  copy what you need, then load the latest version.
                </p>
                <Button
                  variant="secondary"
                  onClick={() => {
                    update.reset();
                    void example.refetch();
                  }}
                >
                  Load the latest version
                </Button>
              </div>
            )}
            <ExampleEditor
              resetKey={ex.version}
              initial={formFromExample(ex)}
              isUpdate
              submitLabel="Save changes"
              pending={update.isPending}
              // A stale edit is explained above; the editor only needs to know the save failed.
              serverError={isStaleEdit(update.error) ? staleEdit : update.error}
              onSubmit={(body) =>
                update.mutate({ body, baseVersion: ex.version }, {
                  onSuccess: (saved) =>
                    toast.show(`Saved as version ${saved.version}${warningSummary(saved.warnings)}`, saved.warnings?.length ? "info" : "success"),
                })
              }
            />
          </CardBody>
        </Card>
        <div className="space-y-6">
          <EffectivenessPanel exampleId={id} />
          <UsagePanel exampleId={id} />
          <Meta example={ex} />
          <VersionsPanel exampleId={id} currentVersion={ex.version} />
          {canAudit && <AuditPanel exampleId={id} />}
        </div>
      </div>
      <ConfirmDialog
        open={confirming}
        title="Delete this example?"
        description="The example is hidden from lists, search and retrieval. Its versions and lineage are kept, and Undo in the message that follows restores it."
        pending={del.isPending}
        error={del.isError ? del.error : null}
        onConfirm={doDelete}
        onClose={() => setConfirming(false)}
      />
    </>
  );
}

// The Quality page (issue #20): near-duplicate clusters, conflicts (same input, different
// output) and examples holding personal data, each with one-click actions — keep one and delete
// the rest (merge), delete one, or open it to edit.
import { useState } from "react";
import { Link } from "react-router";
import { Badge } from "@/components/ui/badge";
import { Button, ButtonLink } from "@/components/ui/button";
import { Card, CardBody, CardHeader, PageHeader } from "@/components/ui/card";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/states";
import { TabList, useTab } from "@/components/ui/tabs";
import type { Example } from "@/lib/api-types";
import { exampleSummary } from "@/lib/format";
import { usePageTitle } from "@/lib/use-page-title";
import { useExamples } from "@/features/examples/api/get-examples";
import { useBulkDelete } from "@/features/examples/api/bulk-edit";
import { useDeletedToast } from "@/features/examples/api/restore-example";
import { useClusters, type ClusterKind, type DuplicateCluster } from "../api/get-clusters";
import { usePermission } from "@/lib/role";

const tabs = [
  { id: "duplicates", label: "Duplicates" },
  { id: "conflicts", label: "Conflicts" },
  { id: "pii", label: "Personal data" },
];

type Pending = { title: string; ids: string[] } | null;

function ExampleRow({ example, onDelete, onKeep, keepLabel }: { example: Example; onDelete: () => void; onKeep?: () => void; keepLabel?: string }) {
  const { allowed, reason } = usePermission("write", "delete examples");
  // Every row has the same buttons: each is named with its example, as Recently deleted's Restore is.
  const name = exampleSummary(example, 60);
  return (
    <li className="flex flex-wrap items-start justify-between gap-x-3 gap-y-2 py-2" data-example={example.example_id}>
      {/* On a phone the text takes the whole row and the buttons go under it. */}
      <div className="min-w-0 flex-1 basis-full sm:basis-0">
        <Link to={`/examples/${example.example_id}`} className="font-medium text-slate-900 hover:text-indigo-700">
          {exampleSummary(example, 100)}
        </Link>
        {/* Wrapped, not cut: in a conflict the outputs are what differs. */}
        <p className="mt-0.5 line-clamp-4 font-mono text-xs [overflow-wrap:anywhere] text-slate-500" data-testid="example-output">
          → {JSON.stringify(example.expected_output)}
        </p>
        <div className="mt-1 flex flex-wrap gap-1">
          <Badge tone="indigo">{example.domain}</Badge>
          {(example.pii_flags ?? []).map((k) => (
            <Badge key={k} tone="rose">
              {k.replace(/_/g, " ")}
            </Badge>
          ))}
        </div>
      </div>
      <div className="flex flex-wrap items-center gap-1.5">
        {onKeep && (
          <Button size="sm" onClick={onKeep} aria-label={`${keepLabel}: ${name}`} disabled={!allowed} title={reason}>
            {keepLabel}
          </Button>
        )}
        <ButtonLink size="sm" to={`/examples/${example.example_id}`} aria-label={`Edit ${name}`}>
          Edit
        </ButtonLink>
        <Button size="sm" variant="danger" onClick={onDelete} aria-label={`Delete ${name}`} disabled={!allowed} title={reason}>
          Delete
        </Button>
      </div>
    </li>
  );
}

function Clusters({ kind, ask }: { kind: ClusterKind; ask: (p: Pending) => void }) {
  const report = useClusters(kind);
  if (report.isPending) return <LoadingState label="Comparing examples…" />;
  if (report.isError) return <ErrorState error={report.error} title="Could not build the report" onRetry={() => report.refetch()} />;
  const r = report.data;
  if (r.clusters.length === 0) {
    return (
      <EmptyState
        title={kind === "conflicts" ? "No conflicts" : "No near-duplicates"}
        description={`${r.examples_scanned} examples compared (similarity ≥ ${r.threshold}).`}
      />
    );
  }
  return (
    <div className="space-y-4">
      <p className="text-sm text-slate-500">
        {r.total_clusters} cluster{r.total_clusters === 1 ? "" : "s"} among {r.examples_scanned} examples (similarity ≥ {r.threshold}, {Math.round(r.took_ms)} ms).
      </p>
      {r.clusters.map((c: DuplicateCluster) => (
        <Card key={c.examples.map((e) => e.example_id).join(",")}>
          <CardHeader
            // 1.000 after rounding: the inputs are the same text, which says more than a number.
            title={`${c.size} examples · ${c.min_similarity >= 0.9995 ? "identical inputs" : `similarity ≥ ${c.min_similarity.toFixed(3)}`}`}
            description={c.conflict ? `${c.distinct_outputs} different outputs for the same input` : "Same output"}
            actions={c.conflict ? <Badge tone="rose">conflict</Badge> : <Badge>duplicate</Badge>}
          />
          <CardBody>
            <ul className="divide-y divide-slate-100" aria-label="Cluster members">
              {c.examples.map((e) => (
                <ExampleRow
                  key={e.example_id}
                  example={e}
                  keepLabel="Keep only this"
                  onKeep={() =>
                    ask({
                      title: `Keep this example and delete the other ${c.size - 1}?`,
                      ids: c.examples.filter((x) => x.example_id !== e.example_id).map((x) => x.example_id),
                    })
                  }
                  onDelete={() => ask({ title: "Delete this example?", ids: [e.example_id] })}
                />
              ))}
            </ul>
          </CardBody>
        </Card>
      ))}
    </div>
  );
}

function PiiList({ ask }: { ask: (p: Pending) => void }) {
  const list = useExamples({ page: 1, page_size: 100, pii: "any", sort_by: "updated_at" });
  if (list.isPending) return <LoadingState />;
  if (list.isError) return <ErrorState error={list.error} title="Could not load flagged examples" onRetry={() => list.refetch()} />;
  if (list.data.examples.length === 0) return <EmptyState title="No personal data found" description="No example holds an email, phone, card, IBAN, SSN, IP address or secret." />;
  return (
    <Card>
      <CardHeader
        title={`${list.data.total} example${list.data.total === 1 ? "" : "s"} with personal data or secrets`}
        description="Edit them to remove it, or export with redaction (redact=true)."
        actions={
          <ButtonLink size="sm" to="/examples?pii=any">
            Open in the store
          </ButtonLink>
        }
      />
      <CardBody>
        <ul className="divide-y divide-slate-100" aria-label="Flagged examples">
          {list.data.examples.map((e) => (
            <ExampleRow key={e.example_id} example={e} onDelete={() => ask({ title: "Delete this example?", ids: [e.example_id] })} />
          ))}
        </ul>
      </CardBody>
    </Card>
  );
}

export default function QualityPage() {
  usePageTitle("Quality");
  const [tab, setTab] = useTab(tabs);
  const [pending, setPending] = useState<Pending>(null);
  const del = useBulkDelete();
  const deletedToast = useDeletedToast();
  const confirm = () =>
    pending &&
    del.mutate(
      { ids: pending.ids },
      {
        onSuccess: (r) => {
          // All or none are deleted (see the dialog), so Undo restores exactly the ids asked for.
          deletedToast(pending.ids, `Deleted ${r.deleted} example${r.deleted === 1 ? "" : "s"}`);
          setPending(null);
        },
      },
    );
  return (
    <>
      <PageHeader title="Quality" description="Near-duplicates, conflicting labels and personal data across the whole store." />
      <TabList tabs={tabs} active={tab} onSelect={setTab} label="Quality reports" />
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === "pii" ? <PiiList ask={setPending} /> : <Clusters kind={tab as ClusterKind} ask={setPending} />}
      </div>
      <ConfirmDialog
        open={pending !== null}
        title={pending?.title ?? ""}
        description="Deleted examples are hidden from lists, search and retrieval; their history is kept, and Undo in the message that follows restores them. All of them are deleted together, or none is."
        pending={del.isPending}
        error={del.isError ? del.error : null}
        onConfirm={confirm}
        onClose={() => setPending(null)}
      />
    </>
  );
}

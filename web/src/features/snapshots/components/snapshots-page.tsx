// Snapshots: frozen training sets. Create one from an Examples filter (the Examples page's
// "Freeze as snapshot"), list them, export (JSONL, Hugging Face datasets) and compare two.
import { useEffect, useRef, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { Badge } from "@/components/ui/badge";
import { Card, CardBody, CardHeader, PageHeader } from "@/components/ui/card";
import { Pagination } from "@/components/ui/pagination";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/states";
import { errorReport } from "@/lib/api-client";
import { authToken } from "@/lib/auth";
import type { Example } from "@/lib/api-types";
import { cn, exampleSummary, formatDate, shortId } from "@/lib/format";
import { useExamplesById } from "@/features/examples/api/get-examples-by-id";
import { useTemplate } from "@/features/templates/api/get-template";
import { useToast } from "@/lib/toast";
import { usePageTitle } from "@/lib/use-page-title";
import { SNAPSHOTS_PAGE_SIZE, downloadSnapshotExport, snapshotExportUrl, useSnapshotDiff, useSnapshots, type Snapshot, type SnapshotFormat } from "../api/snapshots";

/** What a snapshot froze: chosen examples, a filter, or a run's data (its run and template). */
export function selectionText(s: Snapshot, templateName?: string): string {
  const sel = s.selection ?? {};
  if (typeof sel.example_id_count === "number") return `${sel.example_id_count} chosen examples`;
  if (Array.isArray(sel.example_ids)) return `${sel.example_ids.length} chosen examples`;
  const templateId = s.template_id ?? (typeof sel.template_id === "string" ? sel.template_id : null);
  const parts: string[] = [];
  if (typeof sel.run_id === "string") parts.push(`run ${shortId(sel.run_id)}`);
  if (templateId) parts.push(`template ${templateName ?? shortId(templateId)}`);
  const filter = (sel.filter ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(filter)) if (!(k === "databit_id" && v === templateId)) parts.push(`${k}=${String(v)}`);
  return parts.length ? parts.join(" · ") : "all examples";
}

function SelectionText({ snapshot }: { snapshot: Snapshot }) {
  const sel = snapshot.selection ?? {};
  const template = useTemplate(snapshot.template_id ?? (typeof sel.template_id === "string" ? sel.template_id : ""));
  return <>{selectionText(snapshot, template.data ? `${template.data.name} v${template.data.version}` : undefined)}</>;
}

/** An example of a diff: its input's first words when it could be looked up, its short id else. */
function ExampleRef({ id, example }: { id: string; example: Example | null | undefined }) {
  const title = example ? exampleSummary(example, 70) : "";
  return (
    <>
      <Link className="break-words text-indigo-600 hover:underline" to={`/examples/${id}`}>
        {title || shortId(id)}
      </Link>
      {title && <span className="text-xs text-slate-500"> {shortId(id)}</span>}
    </>
  );
}

/**
 * An export link. Without a token the browser follows it (the file streams to disk); with one the
 * file is fetched with the token instead, since a followed link cannot send it.
 */
function ExportLink({ id, format, children }: { id: string; format: SnapshotFormat; children: string }) {
  const toast = useToast();
  return (
    <a
      className="text-indigo-600 hover:underline"
      href={snapshotExportUrl(id, format)}
      onClick={(e) => {
        if (!authToken()) return;
        e.preventDefault();
        downloadSnapshotExport(id, format).catch((err: unknown) => toast.show(`Export failed: ${errorReport(err)}`, "error"));
      }}
    >
      {children}
    </a>
  );
}

/**
 * The two ticked snapshots as base and newer: by creation time, whichever was ticked first (the
 * list is newest first, so ticking from the top would otherwise report additions as removals).
 */
export function comparePair(picked: Snapshot[]): [Snapshot, Snapshot] | null {
  if (picked.length !== 2) return null;
  const [x, y] = picked;
  return Date.parse(y.created_at) < Date.parse(x.created_at) ? [y, x] : [x, y];
}

function DiffCard({ from, to }: { from: Snapshot; to: Snapshot }) {
  const diff = useSnapshotDiff(from.snapshot_id, to.snapshot_id);
  const d = diff.data;
  const examples = useExamplesById(d ? [...d.added, ...d.removed, ...d.changed].map((i) => i.example_id) : []);
  return (
    <Card>
      <CardHeader title="Differences" description={`From “${from.name}” (${shortId(from.snapshot_id)}) to the newer “${to.name}” (${shortId(to.snapshot_id)})`} />
      <CardBody>
        {diff.isPending ? (
          <LoadingState />
        ) : diff.isError ? (
          <ErrorState error={diff.error} />
        ) : (
          <div className="space-y-3 text-sm" aria-label="Snapshot diff">
            <p className="text-slate-600">
              <Badge tone="emerald">{diff.data.added.length} added</Badge> <Badge tone="rose">{diff.data.removed.length} removed</Badge>{" "}
              <Badge tone="amber">{diff.data.changed.length} changed</Badge> <Badge>{diff.data.unchanged_count} unchanged</Badge>
            </p>
            {(["added", "removed"] as const).map((k) =>
              diff.data[k].length ? (
                <div key={k}>
                  <p className="font-medium capitalize text-slate-800">{k}</p>
                  <ul className="ml-4 list-disc">
                    {diff.data[k].map((i) => (
                      <li key={i.example_id}>
                        <ExampleRef id={i.example_id} example={examples.get(i.example_id)} /> v{i.version}
                      </li>
                    ))}
                  </ul>
                </div>
              ) : null,
            )}
            {diff.data.changed.length > 0 && (
              <div>
                <p className="font-medium text-slate-800">Changed</p>
                <ul className="ml-4 list-disc">
                  {diff.data.changed.map((c) => (
                    <li key={c.example_id}>
                      <ExampleRef id={c.example_id} example={examples.get(c.example_id)} /> v{c.from_version} → v
                      {c.to_version}
                      {c.content_changed ? " (content)" : " (metadata)"}
                    </li>
                  ))}
                </ul>
              </div>
            )}
          </div>
        )}
      </CardBody>
    </Card>
  );
}

export default function SnapshotsPage() {
  usePageTitle("Snapshots");
  // `?page=`: every optimization run freezes a snapshot, so the list soon passes one page.
  const [params, setParams] = useSearchParams();
  const page = Math.max(1, Number(params.get("page")) || 1);
  const list = useSnapshots(page);
  const listTop = useRef<HTMLDivElement>(null);
  const setPage = (p: number) =>
    setParams((prev) => {
      const next = new URLSearchParams(prev);
      if (p > 1) next.set("page", String(p));
      else next.delete("page");
      return next;
    });
  // `?created=<id>`: the snapshot just frozen from the Examples page, highlighted and scrolled to.
  const created = params.get("created");
  const createdRow = useRef<HTMLLIElement>(null);
  const createdShown = Boolean(list.data?.snapshots.some((s) => s.snapshot_id === created));
  useEffect(() => {
    if (createdShown) createdRow.current?.scrollIntoView?.({ block: "nearest" });
  }, [createdShown]);
  // The snapshots themselves (not ids): their names and times are needed for the comparison.
  const [picked, setPicked] = useState<Snapshot[]>([]);
  const toggle = (s: Snapshot) => setPicked((p) => (p.some((x) => x.snapshot_id === s.snapshot_id) ? p.filter((x) => x.snapshot_id !== s.snapshot_id) : [...p, s].slice(-2)));
  const pair = comparePair(picked);
  return (
    <>
      <PageHeader
        title="Snapshots"
        description="Frozen training sets: each example at a fixed version with its content hash. Runs train on one; exports are identical every time."
      />
      {list.isPending ? (
        <LoadingState label="Loading snapshots…" />
      ) : list.isError ? (
        <ErrorState error={list.error} title="Could not load snapshots" onRetry={() => list.refetch()} />
      ) : list.data.snapshots.length === 0 && list.data.total === 0 ? (
        <EmptyState
          title="No snapshots yet"
          description="Filter the examples, then use “Freeze as snapshot”. Every optimization run also freezes the data it trains on."
          action={<Link to="/examples" className="text-indigo-600 hover:underline">Go to examples</Link>}
        />
      ) : (
        <div ref={listTop} className="scroll-mt-20 space-y-6 md:scroll-mt-4">
          <Card>
            <CardHeader title={`${list.data.total} snapshot${list.data.total === 1 ? "" : "s"}`} description="Tick two to see what changed from the older to the newer." />
            <CardBody className="py-2">
              <ul className="divide-y divide-slate-100" aria-label="Snapshots">
                {list.data.snapshots.map((s) => (
                  <li
                    key={s.snapshot_id}
                    ref={s.snapshot_id === created ? createdRow : undefined}
                    aria-current={s.snapshot_id === created ? "true" : undefined}
                    className={cn("flex flex-wrap items-center gap-3 py-2 text-sm", s.snapshot_id === created && "-mx-2 rounded-lg bg-indigo-50 px-2 ring-1 ring-indigo-200")}
                    data-snapshot={s.snapshot_id}
                  >
                    <input type="checkbox" className="size-6 accent-indigo-600 sm:size-4" aria-label={`Compare ${s.name}`} checked={picked.some((x) => x.snapshot_id === s.snapshot_id)} onChange={() => toggle(s)} />
                    <span className="min-w-0 flex-1 basis-56">
                      {s.snapshot_id === created && <Badge tone="indigo" className="mr-2">Just frozen</Badge>}
                      <span className="font-medium break-words text-slate-900">{s.name}</span>
                      <span className="ml-2 text-xs text-slate-500">
                        {s.item_count} examples · <SelectionText snapshot={s} /> · {formatDate(s.created_at)}
                        {s.created_by ? ` · ${s.created_by}` : ""}
                      </span>
                    </span>
                    <span className="flex flex-wrap gap-2 text-xs">
                      <ExportLink id={s.snapshot_id} format="jsonl">JSONL</ExportLink>
                      <ExportLink id={s.snapshot_id} format="hf_jsonl">HF train.jsonl</ExportLink>
                      <ExportLink id={s.snapshot_id} format="hf_info">dataset_info.json</ExportLink>
                    </span>
                  </li>
                ))}
              </ul>
              {list.data.snapshots.length === 0 && <p className="py-4 text-sm text-slate-500">Nothing on this page.</p>}
              {list.data.total > SNAPSHOTS_PAGE_SIZE && <Pagination page={page} pageSize={SNAPSHOTS_PAGE_SIZE} total={list.data.total} onPage={setPage} listTop={listTop} />}
            </CardBody>
          </Card>
          {pair && <DiffCard from={pair[0]} to={pair[1]} />}
        </div>
      )}
    </>
  );
}

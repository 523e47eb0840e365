import { useState } from "react";
import { Button } from "@/components/ui/button";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { JsonView } from "@/components/ui/code-block";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/states";
import { formatDate } from "@/lib/format";
import { useExampleVersions, type ExampleVersion } from "../api/get-example-versions";

function snapshotOf(v: ExampleVersion): unknown {
  if (v.snapshot) return v.snapshot;
  const { version: _v, created_at: _c, replaced_at: _r, change_type: _t, changed_fields: _f, ...rest } = v;
  return rest;
}

export function VersionsPanel({ exampleId, currentVersion }: { exampleId: string; currentVersion: number }) {
  const q = useExampleVersions(exampleId);
  const [open, setOpen] = useState<number | null>(null);
  const versions = q.data?.pages.flatMap((p) => p.versions) ?? [];
  const total = q.data?.pages[0]?.total ?? 0;
  return (
    <Card>
      <CardHeader title="Version history" description="Every update keeps the prior version." />
      <CardBody className="py-2">
        {q.isPending ? (
          <LoadingState className="py-4" />
        ) : q.isError ? (
          <ErrorState error={q.error} className="my-2" />
        ) : versions.length === 0 ? (
          <EmptyState title="No earlier versions" className="my-2 py-6" />
        ) : (
          <ol className="divide-y divide-slate-100" aria-label="Versions">
            {!versions.some((v) => v.version === currentVersion) && (
              <li className="py-2 text-sm font-medium text-slate-900">
                v{currentVersion}
                <span className="ml-2 text-xs font-normal text-indigo-600">current</span>
              </li>
            )}
            {versions.map((v) => (
              <li key={v.version} className="py-2">
                <button
                  type="button"
                  aria-expanded={open === v.version}
                  onClick={() => setOpen(open === v.version ? null : v.version)}
                  className="flex w-full items-center justify-between rounded text-left text-sm focus-visible:outline-2 focus-visible:outline-indigo-600"
                >
                  <span className="font-medium text-slate-900">
                    v{v.version}
                    {v.version === currentVersion && <span className="ml-2 text-xs font-normal text-indigo-600">current</span>}
                    {v.changed_fields?.length ? <span className="ml-2 text-xs font-normal text-slate-500">{v.changed_fields.join(", ")}</span> : null}
                  </span>
                  <span className="text-xs text-slate-500">
                    {v.replaced_at ? `replaced ${formatDate(v.replaced_at)}` : formatDate(v.snapshot?.updated_at ?? v.created_at ?? v.updated_at)}
                  </span>
                </button>
                {open === v.version && <JsonView value={snapshotOf(v)} className="mt-2" />}
              </li>
            ))}
          </ol>
        )}
        {q.hasNextPage && (
          <div className="py-2">
            <Button variant="secondary" size="sm" onClick={() => void q.fetchNextPage()} disabled={q.isFetchingNextPage}>
              {q.isFetchingNextPage ? "Loading…" : `Show older versions (${total - versions.length} more)`}
            </Button>
          </div>
        )}
      </CardBody>
    </Card>
  );
}

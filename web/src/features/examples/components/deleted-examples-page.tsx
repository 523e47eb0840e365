// "Recently deleted" (/examples/deleted): the trash. Deleted examples, newest deletion first, each
// linking to its page (the tombstone view: content, history, audit) with Restore beside it. Purged
// examples had their content erased for legal removal: listed, but they cannot be restored.
import { useEffect, useRef, useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, PageHeader } from "@/components/ui/card";
import { Pagination } from "@/components/ui/pagination";
import { EmptyState, LoadingState, UnavailableState } from "@/components/ui/states";
import { errorReport } from "@/lib/api-client";
import { exampleSummary, formatDate, shortId } from "@/lib/format";
import { focusIfLost, pageHeading } from "@/lib/focus-if-lost";
import { useToast } from "@/lib/toast";
import { usePageTitle } from "@/lib/use-page-title";
import { DELETED_PAGE_SIZE, useDeletedExamples } from "../api/get-deleted-examples";
import type { DeletedExample } from "../api/get-example-audit";
import { usePermission } from "@/lib/role";
import { useRestoreExample } from "../api/restore-example";

function DeletedRow({ ex, restoring, onRestore, denied }: { ex: DeletedExample; restoring: boolean; onRestore: (ex: DeletedExample, title: string) => void; denied?: string }) {
  const title = ex.purged ? `Example ${shortId(ex.example_id)}` : exampleSummary(ex);
  return (
    <li className="flex flex-wrap items-center gap-x-4 gap-y-2 px-4 py-3 sm:px-5" data-testid="deleted-example">
      <div className="min-w-0 flex-1 basis-64">
        <Link to={`/examples/${encodeURIComponent(ex.example_id)}`} className="text-sm font-medium break-words text-indigo-700 hover:underline">
          {title}
        </Link>
        <p className="mt-1 flex flex-wrap items-center gap-1.5 text-xs text-slate-500">
          {ex.purged && <Badge tone="rose">content purged</Badge>}
          {ex.function_name && <Badge tone="sky" className="max-w-full min-w-0"><span className="truncate">{ex.function_name}</span></Badge>}
          {ex.domain && <Badge tone="indigo" className="max-w-full min-w-0"><span className="truncate">{ex.domain}</span></Badge>}
          <Badge>v{ex.version}</Badge>
          <span>deleted {formatDate(ex.deleted_at)}</span>
        </p>
      </div>
      {ex.purged ? (
        <span className="text-xs text-slate-500">Cannot be restored</span>
      ) : (
        <Button size="sm" loading={restoring} disabled={Boolean(denied)} title={denied} onClick={() => onRestore(ex, title)} aria-label={`Restore ${title}`}>
          Restore
        </Button>
      )}
    </li>
  );
}

export default function DeletedExamplesPage() {
  usePageTitle("Recently deleted");
  const [params, setParams] = useSearchParams();
  const page = Math.max(1, Number(params.get("page")) || 1);
  const list = useDeletedExamples(page);
  const restore = useRestoreExample();
  const denied = usePermission("write", "restore examples").reason;
  const [restoring, setRestoring] = useState<string | null>(null);
  const toast = useToast();
  const navigate = useNavigate();
  const listTop = useRef<HTMLDivElement>(null);
  // The row whose Restore was pressed leaves the list, and its button with it: focus goes to the
  // Restore button now in its place (the next one), else the last, else the heading.
  const restoredAt = useRef<{ id: string; index: number } | null>(null);
  useEffect(() => {
    const gone = restoredAt.current;
    if (!gone || !list.data || list.data.examples.some((e) => e.example_id === gone.id)) return;
    restoredAt.current = null;
    const buttons = [...(listTop.current?.querySelectorAll<HTMLElement>("[data-testid=deleted-example] button") ?? [])];
    focusIfLost(buttons[Math.min(gone.index, buttons.length - 1)], pageHeading());
  }, [list.data]);

  const onRestore = (ex: DeletedExample, title: string) => {
    setRestoring(ex.example_id);
    restore.mutate(ex.example_id, {
      onSuccess: () => {
        restoredAt.current = { id: ex.example_id, index: list.data?.examples.findIndex((e) => e.example_id === ex.example_id) ?? 0 };
        toast.show(`Restored “${title}”`, "success", { label: "Open", run: () => navigate(`/examples/${encodeURIComponent(ex.example_id)}`) });
      },
      onError: (e) => toast.show(`Restore failed: ${errorReport(e)}`, "error"),
      onSettled: () => setRestoring(null),
    });
  };
  const setPage = (p: number) =>
    setParams((prev) => {
      const next = new URLSearchParams(prev);
      if (p > 1) next.set("page", String(p));
      else next.delete("page");
      return next;
    });

  return (
    <>
      <PageHeader
        eyebrow={<Link to="/examples" className="hover:text-slate-700">← Examples</Link>}
        title="Recently deleted"
        description="Deleted examples, most recent first. Restore brings one back into lists, search and retrieval; an example whose content was purged cannot be restored."
      />
      {list.isPending ? (
        <LoadingState label="Loading deleted examples…" />
      ) : list.isError ? (
        <UnavailableState feature="Recently deleted" error={list.error} />
      ) : list.data.examples.length === 0 && page === 1 ? (
        <EmptyState title="Nothing deleted" description="Examples you delete are listed here, where they can be restored." />
      ) : (
        <div ref={listTop} className="scroll-mt-20 md:scroll-mt-4">
          <Card>
            <ul className="divide-y divide-slate-100" aria-label="Deleted examples">
              {list.data.examples.map((ex) => (
                <DeletedRow key={ex.example_id} ex={ex} restoring={restoring === ex.example_id} onRestore={onRestore} denied={denied} />
              ))}
            </ul>
            {list.data.examples.length === 0 && <p className="px-5 py-6 text-sm text-slate-500">Nothing on this page.</p>}
          </Card>
          <Pagination page={page} pageSize={DELETED_PAGE_SIZE} total={list.data.total} onPage={setPage} listTop={listTop} />
        </div>
      )}
    </>
  );
}

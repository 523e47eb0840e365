import { useEffect, useRef, useState } from "react";
import { useIsMutating } from "@tanstack/react-query";
import { Link } from "react-router";
import { Button, ButtonLink } from "@/components/ui/button";
import { PageHeader } from "@/components/ui/card";
import { Checkbox } from "@/components/ui/field";
import { DownloadIcon, ImportIcon, PlusIcon, SnapshotIcon, TrashIcon } from "@/components/ui/icons";
import { LiveSummary } from "@/components/ui/live-summary";
import { Pagination, rangeSummary } from "@/components/ui/pagination";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/states";
import { errorReport } from "@/lib/api-client";
import { useToast } from "@/lib/toast";
import { usePermission } from "@/lib/role";
import { usePageTitle } from "@/lib/use-page-title";
import { SearchBar } from "@/features/search/components/search-bar";
import { SearchResults } from "@/features/search/components/search-results";
import { toSearchRequest } from "@/features/search/api/search-examples";
import { useExamples } from "../api/get-examples";
import { useExportExamples } from "../api/export-examples";
import { createSnapshotKey } from "@/features/snapshots/api/snapshots";
import { FreezeSnapshotDialog } from "@/features/snapshots/components/freeze-snapshot-dialog";
import { BulkBar } from "./bulk-bar";
import { ExampleCard } from "./example-card";
import { ExampleFiltersBar } from "./example-filters";
import { PAGE_SIZE, useExampleQueryState } from "./use-example-query-state";

export function ExamplesPage() {
  const { state, listParams, update } = useExampleQueryState();
  const listTop = useRef<HTMLDivElement>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  // A role below write sees no controls that change examples (creation, import, snapshots); the
  // bulk bar keeps only Export for it.
  const canWrite = usePermission("write", "change examples").allowed;
  const searching = state.q.length > 0;
  const list = useExamples(listParams);
  const exp = useExportExamples();
  const [freezing, setFreezing] = useState(false);
  const snapshotInFlight = useIsMutating({ mutationKey: createSnapshotKey }) > 0;
  const toast = useToast();
  usePageTitle(searching ? `Search: ${state.q.slice(0, 40)}` : "Examples");

  const toggle = (id: string) =>
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const pageIds = list.data?.examples.map((e) => e.example_id) ?? [];
  const allOnPage = pageIds.length > 0 && pageIds.every((id) => selected.has(id));
  const togglePage = () => setSelected((s) => (allOnPage ? new Set([...s].filter((id) => !pageIds.includes(id))) : new Set([...s, ...pageIds])));

  const exportAll = () =>
    exp.mutate(
      { filters: state.filters },
      { onSuccess: (n) => toast.show(`Exported ${n} examples`), onError: (e) => toast.show(`Export failed: ${errorReport(e)}`, "error") },
    );

  // A page past the end (its last examples were deleted, or ?page=99 in a link) while others exist:
  // go to the last page there is instead of saying there are no examples.
  const total = list.data?.total ?? 0;
  const lastPage = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const pastEnd = !searching && Boolean(list.data) && !list.isPlaceholderData && list.data!.examples.length === 0 && total > 0 && state.page > lastPage;
  useEffect(() => {
    if (pastEnd) update({ page: lastPage === 1 ? undefined : lastPage }, false, { replace: true });
    // `update` is a new function each render; the page to go to is what decides.
  }, [pastEnd, lastPage]);

  // Said to screen readers when the results change: the search's count, or the list's range.
  const [searchSummary, setSearchSummary] = useState("");
  const filtered = Object.keys(state.filters).length > 0;
  const listSummary = !list.data || list.isPlaceholderData ? "" : total === 0 ? (filtered ? "No examples match these filters" : "No examples yet") : rangeSummary(state.page, PAGE_SIZE, total, "examples");

  // "Freeze as snapshot" takes what the current filters match, each example at its current version (issue 19).
  const freezeFilter = Object.fromEntries(Object.entries(state.filters).filter(([, v]) => v !== undefined && v !== ""));
  // The list's total counts the same filters (a search is not part of a snapshot); a placeholder is the previous filters'.
  const freezeCount = list.data && !list.isPlaceholderData ? list.data.total : undefined;

  return (
    <>
      <PageHeader
        title="Examples"
        description={
          <>
            Labeled input/output examples, ranked by how well they work.{" "}
            <Link to="/examples/deleted" className="inline-flex items-center gap-1 whitespace-nowrap text-indigo-700 hover:underline">
              <TrashIcon className="size-3.5" />
              Recently deleted
            </Link>
          </>
        }
        actions={
          <>
            <Button onClick={exportAll} loading={exp.isPending} icon={<DownloadIcon />}>
              Export JSONL
            </Button>
            {canWrite && (
              <>
                <Button onClick={() => setFreezing(true)} loading={snapshotInFlight} icon={<SnapshotIcon />}>
                  Freeze as snapshot
                </Button>
                <ButtonLink to="/examples/import">
                  <ImportIcon /> Import
                </ButtonLink>
                <ButtonLink to="/examples/new" variant="primary">
                  <PlusIcon /> New example
                </ButtonLink>
              </>
            )}
          </>
        }
      />
      <div className="mb-4 space-y-3">
        <SearchBar query={state.q} mode={state.mode} onSearch={(q, mode) => update({ q, mode: mode === "auto" ? undefined : mode })} />
        <ExampleFiltersBar showSort={!searching} />
      </div>
      {freezing && <FreezeSnapshotDialog filter={freezeFilter} count={freezeCount} searchText={searching ? state.q : undefined} onClose={() => setFreezing(false)} />}
      <LiveSummary text={searching ? searchSummary : listSummary} />
      <BulkBar selected={selected} onClear={() => setSelected(new Set())} onDeleted={(failed) => setSelected(new Set(failed))} />
      {searching ? (
        <SearchResults
          key={`${state.q}\u0000${state.mode}`}
          request={toSearchRequest(state.q, state.mode, state.filters)}
          selected={selected}
          onToggle={toggle}
          onSummary={setSearchSummary}
        />
      ) : list.isPending ? (
        <LoadingState label="Loading examples…" />
      ) : list.isError ? (
        <ErrorState error={list.error} title="Could not load examples" onRetry={() => list.refetch()} />
      ) : pastEnd ? (
        <EmptyState
          title={`Page ${state.page} is past the end`}
          description={`${total} example${total === 1 ? "" : "s"} on ${lastPage} page${lastPage === 1 ? "" : "s"}; going to the last one.`}
          action={<Button onClick={() => update({ page: lastPage === 1 ? undefined : lastPage }, false, { replace: true })}>Go to page {lastPage}</Button>}
        />
      ) : list.data.examples.length === 0 ? (
        <EmptyState
          title={Object.keys(state.filters).length ? "No examples match these filters" : "No examples yet"}
          description="Examples are labeled input/output pairs used as few-shot demonstrations."
          action={canWrite ? <ButtonLink to="/examples/new" variant="primary">Create an example</ButtonLink> : undefined}
        />
      ) : (
        <>
          <div ref={listTop} className="mb-2 flex scroll-mt-20 items-center justify-between md:scroll-mt-4">
            <Checkbox label="Select page" checked={allOnPage} onChange={togglePage} />
            {list.isFetching && <span className="text-xs text-slate-500">Refreshing…</span>}
          </div>
          <div className="grid grid-cols-1 gap-4 md:grid-cols-2 xl:grid-cols-3">
            {list.data.examples.map((ex) => (
              <ExampleCard key={ex.example_id} example={ex} selected={selected.has(ex.example_id)} onToggle={toggle} />
            ))}
          </div>
          <Pagination page={state.page} pageSize={PAGE_SIZE} total={list.data.total} onPage={(page) => update({ page }, false)} listTop={listTop} />
        </>
      )}
    </>
  );
}

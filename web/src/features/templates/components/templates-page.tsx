import { useState } from "react";
import { Link, useSearchParams } from "react-router";
import { StatusBadge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { PageHeader } from "@/components/ui/card";
import { control } from "@/components/ui/field";
import { PlusIcon, SearchIcon } from "@/components/ui/icons";
import { LiveSummary } from "@/components/ui/live-summary";
import { Pagination, rangeSummary } from "@/components/ui/pagination";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/states";
import type { TemplateStatus } from "@/lib/api-types";
import { SegmentedRadioGroup } from "@/components/ui/radio-group";
import { formatDate } from "@/lib/format";
import { usePageTitle } from "@/lib/use-page-title";
import { useTemplates } from "../api/get-templates";
import { NewTemplateDialog } from "./new-template-dialog";
import { usePermission } from "@/lib/role";

const STATUSES: (TemplateStatus | "")[] = ["", "draft", "published", "archived"];
const PAGE_SIZE = 20;

export default function TemplatesPage() {
  const canCreate = usePermission("write", "create templates").allowed;
  const [params, setParams] = useSearchParams();
  const status = (params.get("status") ?? "") as TemplateStatus | "";
  const search = params.get("search") ?? "";
  const page = Math.max(1, Number(params.get("page")) || 1);
  const [creating, setCreating] = useState(false);
  usePageTitle("Templates");
  const q = useTemplates({ status: status || undefined, search: search || undefined, page, page_size: PAGE_SIZE });
  const set = (changes: Record<string, string>) =>
    setParams((p) => {
      const n = new URLSearchParams(p);
      for (const [k, v] of Object.entries(changes)) v ? n.set(k, v) : n.delete(k);
      return n;
    });

  return (
    <>
      <PageHeader
        title="Templates"
        description="Prompt definitions (DataBits): schemas, instructions and versions."
        actions={
          canCreate ? (
            <Button variant="primary" icon={<PlusIcon />} onClick={() => setCreating(true)}>
              New template
            </Button>
          ) : undefined
        }
      />
      <div className="mb-4 flex flex-wrap items-center justify-between gap-3">
        <SegmentedRadioGroup label="Status" options={STATUSES.map((v) => ({ value: v, label: v || "All" }))} value={status} onChange={(v) => set({ status: v, page: "" })} />
        <form
          role="search"
          className="relative w-full sm:w-72"
          onSubmit={(e) => {
            e.preventDefault();
            set({ search: String(new FormData(e.currentTarget).get("search") ?? "").trim(), page: "" });
          }}
        >
          <span className="pointer-events-none absolute inset-y-0 left-3 flex items-center text-slate-500">
            <SearchIcon />
          </span>
          <input name="search" type="search" aria-label="Search templates" placeholder="Search name or description…" defaultValue={search} key={search} className={control({ extra: "pl-9" })} />
        </form>
      </div>
      <LiveSummary text={!q.data || q.isPlaceholderData ? "" : q.data.total === 0 ? (search || status ? "No templates match this filter" : "No templates yet") : rangeSummary(page, PAGE_SIZE, q.data.total, "templates")} />
      {q.isPending ? (
        <LoadingState label="Loading templates…" />
      ) : q.isError ? (
        <ErrorState error={q.error} title="Could not load templates" onRetry={() => q.refetch()} />
      ) : q.data.templates.length === 0 ? (
        <EmptyState
          title="No templates"
          description={search || status ? "Nothing matches this filter." : "Create a template to define a prompt's fields."}
          action={
            search || status || !canCreate ? undefined : (
              <Button variant="primary" icon={<PlusIcon />} onClick={() => setCreating(true)}>
                Create a template
              </Button>
            )
          }
        />
      ) : (
        <>
          <div className="overflow-x-auto rounded-xl bg-white shadow-sm ring-1 ring-slate-200">
            <table className="stack-table w-full text-sm [--stack-pad:1rem] lg:min-w-[36rem]">
              <thead className="bg-slate-50 text-left text-xs text-slate-500">
                <tr>
                  <th className="px-4 py-2.5 font-medium">Name</th>
                  <th className="px-4 py-2.5 font-medium">Version</th>
                  <th className="px-4 py-2.5 font-medium">Status</th>
                  {/* Fields and Updated wait for lg: at tablet width (beside the sidebar) the name needs the room. */}
                  <th className="hidden px-4 py-2.5 font-medium lg:table-cell">Fields</th>
                  <th className="hidden px-4 py-2.5 font-medium lg:table-cell">Updated</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {q.data.templates.map((t) => (
                  <tr key={t.id} className="hover:bg-slate-50">
                    <td className="stack-title px-4 py-3">
                      <Link to={`/templates/${t.id}`} className="font-medium text-indigo-700 hover:underline">
                        {t.name}
                      </Link>
                      {t.description && <p className="line-clamp-2 max-w-xl text-xs text-slate-500">{t.description}</p>}
                    </td>
                    <td data-label="Version" className="px-4 py-3 font-mono text-xs">{t.version}</td>
                    <td data-label="Status" className="px-4 py-3">
                      <StatusBadge status={t.status} />
                    </td>
                    <td data-label="Fields" className="hidden px-4 py-3 text-xs text-slate-600 lg:table-cell">
                      {(t.input_schema ?? []).length} in → {(t.output_schema ?? []).length} out
                    </td>
                    <td data-label="Updated" className="hidden px-4 py-3 text-xs text-slate-500 lg:table-cell">{formatDate(t.updated_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pagination page={page} pageSize={PAGE_SIZE} total={q.data.total} onPage={(p) => set({ page: String(p) })} />
        </>
      )}
      <NewTemplateDialog open={creating} onClose={() => setCreating(false)} />
    </>
  );
}

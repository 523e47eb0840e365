import { Link } from "react-router";
import { StatusBadge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { EmptyState, LoadingState, UnavailableState } from "@/components/ui/states";
import { formatDate } from "@/lib/format";
import { useTemplateVersions } from "../api/get-template-versions";

export function TemplateVersionsTab({ templateId }: { templateId: string }) {
  const q = useTemplateVersions(templateId);
  if (q.isPending) return <LoadingState label="Loading versions…" />;
  if (q.isError) return <UnavailableState feature="Version history" error={q.error} />;
  if (q.data.length === 0) return <EmptyState title="No other versions" />;
  return (
    <Card className="overflow-x-auto">
      <table className="stack-table w-full text-sm [--stack-pad:1rem] sm:min-w-[28rem]">
        <thead className="bg-slate-50 text-left text-xs text-slate-500">
          <tr>
            <th className="px-4 py-2.5 font-medium">Version</th>
            <th className="px-4 py-2.5 font-medium">Status</th>
            <th className="px-4 py-2.5 font-medium">Parent</th>
            <th className="px-4 py-2.5 font-medium">Created</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {q.data.map((t) => (
            <tr key={t.id} className={t.id === templateId ? "bg-indigo-50/50" : undefined}>
              <td className="stack-title px-4 py-2.5">
                <Link to={`/templates/${t.id}`} className="font-mono font-medium text-indigo-700 hover:underline">
                  {t.version}
                </Link>
                {t.id === templateId && <span className="ml-2 text-xs text-indigo-600">this version</span>}
              </td>
              <td data-label="Status" className="px-4 py-2.5">
                <StatusBadge status={t.status} />
              </td>
              <td data-label="Parent" className="px-4 py-2.5 text-xs">
                {t.parent_template_id ? (
                  <Link to={`/templates/${t.parent_template_id}`} className="text-indigo-700 hover:underline">
                    {q.data.find((p) => p.id === t.parent_template_id)?.version ?? t.parent_template_id.slice(0, 8)}
                  </Link>
                ) : (
                  "—"
                )}
              </td>
              <td data-label="Created" className="px-4 py-2.5 text-xs text-slate-500">{formatDate(t.created_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Card>
  );
}

import { useState } from "react";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { DownloadIcon, TrashIcon } from "@/components/ui/icons";
import { BulkEditDialog } from "./bulk-edit-dialog";
import { errorReport } from "@/lib/api-client";
import { useToast } from "@/lib/toast";
import { useDeleteExamples } from "../api/delete-example";
import { useDeletedToast } from "../api/restore-example";
import { useExportExamples } from "../api/export-examples";
import { usePermission } from "@/lib/role";

type BulkBarProps = { selected: Set<string>; onClear: () => void; onDeleted: (failed: string[]) => void };

export function BulkBar({ selected, onClear, onDeleted }: BulkBarProps) {
  // Export is a read; editing and deleting need write.
  const canWrite = usePermission("write", "edit or delete examples").allowed;
  const [confirming, setConfirming] = useState(false);
  const [editing, setEditing] = useState(false);
  const del = useDeleteExamples();
  const exp = useExportExamples();
  const toast = useToast();
  const deletedToast = useDeletedToast();
  const count = selected.size;
  if (count === 0) return null;

  const doExport = () =>
    exp.mutate(
      { ids: [...selected] },
      {
        onSuccess: (n) => toast.show(`Exported ${n} example${n === 1 ? "" : "s"}`),
        onError: (e) => toast.show(`Export failed: ${errorReport(e)}`, "error"),
      },
    );
  const doDelete = () => {
    const ids = [...selected];
    del.mutate(ids, {
      onSuccess: (failures) => {
        setConfirming(false);
        const failed = failures.map((f) => f.id);
        const deleted = ids.filter((id) => !failed.includes(id));
        const ok = deleted.length;
        // The first failure's reason (and request id): "3 failed" alone left the user guessing.
        if (failures.length) toast.show(`Deleted ${ok}; ${failures.length} failed: ${errorReport(failures[0].error)}`, "error");
        if (ok) deletedToast(deleted, `Deleted ${ok} example${ok === 1 ? "" : "s"}`);
        onDeleted(failed);
      },
    });
  };

  return (
    <div role="region" aria-label="Bulk actions" className="sticky top-16 z-20 mb-4 flex flex-wrap items-center justify-between gap-3 md:top-3 rounded-xl bg-indigo-600 px-4 py-2.5 text-sm text-white shadow-lg">
      <span className="font-medium">
        {count} selected
      </span>
      <div className="flex flex-wrap items-center gap-2">
        <Button size="sm" onClick={doExport} loading={exp.isPending} icon={<DownloadIcon />}>
          Export JSONL
        </Button>
        {canWrite && (
          <>
            <Button size="sm" onClick={() => setEditing(true)}>
              Edit…
            </Button>
            <Button size="sm" variant="danger" onClick={() => setConfirming(true)} icon={<TrashIcon />}>
              Delete
            </Button>
          </>
        )}
        <Button size="sm" variant="ghost" className="text-white hover:bg-indigo-500" onClick={onClear}>
          Clear
        </Button>
      </div>
      {editing && <BulkEditDialog open={editing} ids={[...selected]} onClose={() => setEditing(false)} />}
      <ConfirmDialog
        open={confirming}
        title={`Delete ${count} example${count === 1 ? "" : "s"}?`}
        description="They are hidden from lists, search and retrieval. Their versions, usage history and lineage are kept, and Undo in the message that follows restores them."
        pending={del.isPending}
        onConfirm={doDelete}
        onClose={() => setConfirming(false)}
      />
    </div>
  );
}

// "Freeze as snapshot" from the Examples page: names the snapshot, says how many examples the
// current filters match, and sends one request (the button is busy until it answers, so a second
// click cannot make a duplicate). Then opens the Snapshots page with the new one highlighted.
import { useId, useRef, useState, type FormEvent } from "react";
import { useNavigate } from "react-router";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { TextInput } from "@/components/ui/field";
import { errorMessage, isApiError } from "@/lib/api-client";
import { ActionError } from "@/components/ui/states";
import { useToast } from "@/lib/toast";
import { contentSearchBody } from "@/features/examples/api/content-filter";
import { useCreateSnapshot } from "../api/snapshots";
import { FOCUS_HEADING } from "@/lib/use-heading-focus";

/** The Examples page's filters as POST /snapshots takes them: an output filter names its field. */
export function snapshotFilter(filter: Record<string, unknown>): Record<string, unknown> {
  const { output, ...rest } = filter;
  return { ...rest, ...contentSearchBody("output", typeof output === "string" ? output : undefined) };
}

type Props = {
  /** The Examples page's filters, as its URL has them (empty values left out). */
  filter: Record<string, unknown>;
  /** How many examples the filters match, when known. */
  count?: number;
  /** A search is shown: the snapshot takes the filters only, not the search text. */
  searchText?: string;
  onClose: () => void;
};

export function defaultSnapshotName(filter: Record<string, unknown>, now = new Date()): string {
  const parts = Object.entries(filter).map(([k, v]) => `${k}=${String(v)}`);
  const pad = (n: number) => String(n).padStart(2, "0");
  const local = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())} ${pad(now.getHours())}:${pad(now.getMinutes())}`;
  return `${parts.join(" ") || "All examples"} · ${local}`;
}

/** Mounted while open, so each opening starts from a fresh name and no old error. */
export function FreezeSnapshotDialog({ filter, count, searchText, onClose }: Props) {
  const create = useCreateSnapshot();
  const navigate = useNavigate();
  const toast = useToast();
  const formId = useId();
  const [name, setName] = useState(() => defaultSnapshotName(filter));
  // Set on submit, before the next render disables the button: a fast double click sends once.
  const sent = useRef(false);
  const nameError = isApiError(create.error) ? create.error.fieldErrors.name : undefined;
  const noun = (n: number) => `${n.toLocaleString()} example${n === 1 ? "" : "s"}`;
  const filterText = Object.entries(filter).map(([k, v]) => `${k}=${String(v)}`).join(", ");

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (sent.current || !name.trim()) return;
    sent.current = true;
    create.mutate(
      { name: name.trim(), filter: snapshotFilter(filter) },
      {
        onSuccess: (s) => {
          toast.show(`Snapshot “${s.name}” frozen: ${noun(s.item_count)}`);
          navigate(`/snapshots?created=${encodeURIComponent(s.snapshot_id)}`, { state: FOCUS_HEADING });
        },
        onError: () => {
          sent.current = false;
        },
      },
    );
  };
  // While the request is out the dialog stays: closing it would let the page's button send another.
  const close = () => !create.isPending && onClose();

  return (
    <Dialog
      open
      onClose={close}
      title="Freeze as snapshot"
      description="Each example is kept at its current version with its content hash, so runs and exports of the snapshot never change."
      footer={
        <>
          <Button variant="ghost" onClick={close} disabled={create.isPending}>
            Cancel
          </Button>
          <Button type="submit" form={formId} variant="primary" loading={create.isPending} disabled={!name.trim() || count === 0}>
            {count === undefined ? "Freeze snapshot" : `Freeze ${noun(count)}`}
          </Button>
        </>
      }
    >
      <form id={formId} onSubmit={submit} noValidate className="space-y-3" aria-label="Snapshot">
        <p className="text-sm text-slate-700" aria-live="polite">
          {count === 0 ? (
            "No examples match these filters: there is nothing to freeze."
          ) : (
            <>
              This freezes {count === undefined ? "the examples" : <strong>{noun(count)}</strong>}
              {filterText ? <> matching {filterText}</> : " (no filters: every example)"}.
            </>
          )}
        </p>
        {searchText && <p className="text-xs text-slate-500">The search “{searchText}” is not part of the snapshot: it takes the filters only.</p>}
        <TextInput label="Name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} error={nameError ?? (name.trim() ? undefined : "Give the snapshot a name")} onFocus={(e) => e.currentTarget.select()} data-autofocus />
        {create.isError && !nameError && (
          <ActionError boxed error={create.error} message={`Snapshot failed: ${errorMessage(create.error)}`} />
        )}
      </form>
    </Dialog>
  );
}

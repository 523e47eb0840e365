// Import examples from a file: parse and check it in the browser, preview the first records with
// per-line errors, choose the template and what happens to records that already exist, then send
// the valid records in chunks through POST /examples/batch with a progress bar and a summary.
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState, type ChangeEvent } from "react";
import { Link } from "react-router";
import { Badge } from "@/components/ui/badge";
import { Button, ButtonLink } from "@/components/ui/button";
import { Card, CardBody, CardHeader, PageHeader } from "@/components/ui/card";
import { SelectInput } from "@/components/ui/field";
import { RequestId } from "@/components/ui/states";
import { errorMessage } from "@/lib/api-client";
import { cn, previewJson } from "@/lib/format";
import { readText } from "@/lib/read-file";
import { usePageTitle } from "@/lib/use-page-title";
import { useUnsavedChanges } from "@/lib/use-unsaved-changes";
import { useTemplateOptions } from "@/features/templates/api/get-templates";
import type { QualityWarning } from "@/lib/api-types";
import { QualityWarningLine } from "@/features/examples/components/quality-warnings";
import { batchCreate, itemErrorText } from "../api/batch-create";
import { detectFormat, parseImport, prepareRecord, type DuplicatePolicy, type ImportFormat, type ImportRow } from "./parse-import";
import { usePermission } from "@/lib/role";

const PREVIEW_ROWS = 20;
const ERRORS_SHOWN = 100;
/** Records per request: well under the server's 1,000-item cap, small enough for a smooth bar. */
export const CHUNK = 100;

type Parsed = { name: string; text: string; format: ImportFormat; rows: ImportRow[] | null; fileError: string | null };
/** `resumeAt`: the index of the first valid record not sent when the import stopped. */
type Summary = {
  created: number;
  existing: number;
  failed: { where: string; error: string }[];
  /** Stored, but with something to look at (the server's quality warnings), by record. */
  warned: { where: string; warning: QualityWarning; id?: string }[];
  invalid: number;
  stopped?: string;
  /** What stopped it (a server's refusal): its request id shows under `stopped`. */
  stoppedBy?: unknown;
  resumeAt?: number;
};

function ImportPreview({ rows }: { rows: ImportRow[] }) {
  const errors = rows.filter((r) => r.error);
  return (
    <div className="space-y-4">
      <p className="text-sm text-slate-700" aria-live="polite">
        <span className="font-semibold tabular-nums">{rows.length.toLocaleString()}</span> {rows.length === 1 ? "record" : "records"} ·{" "}
        <span className="font-semibold text-emerald-700 tabular-nums">{(rows.length - errors.length).toLocaleString()}</span> valid ·{" "}
        <span className={cn("font-semibold tabular-nums", errors.length ? "text-rose-700" : "text-slate-700")}>{errors.length.toLocaleString()}</span> with errors
      </p>
      <div className="overflow-x-auto">
        <table className="stack-table w-full text-sm" aria-label="Preview">
          <thead className="text-left text-xs text-slate-500">
            <tr>
              <th className="py-1.5 pr-3 font-medium">Record</th>
              <th className="py-1.5 pr-3 font-medium">Input</th>
              <th className="py-1.5 pr-3 font-medium">Expected output</th>
              <th className="py-1.5 font-medium">Check</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {rows.slice(0, PREVIEW_ROWS).map((r) => (
              <tr key={r.where} className={r.error ? "bg-rose-50/60" : undefined}>
                <td className="stack-title py-1.5 pr-3 text-xs whitespace-nowrap text-slate-500">{r.where}</td>
                <td data-label="Input" className="stack-block max-w-xs py-1.5 pr-3 font-mono text-xs break-words">{r.record ? previewJson(r.record.input, 120) : "—"}</td>
                <td data-label="Expected output" className="stack-block max-w-xs py-1.5 pr-3 font-mono text-xs break-words">{r.record ? previewJson(r.record.expected_output, 120) : "—"}</td>
                <td data-label="Check" className="py-1.5 text-xs">{r.error ? <span className="text-rose-700">{r.error}</span> : <span className="text-emerald-700">ok</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {rows.length > PREVIEW_ROWS && <p className="text-xs text-slate-500">Showing the first {PREVIEW_ROWS} of {rows.length.toLocaleString()} records.</p>}
      {errors.length > 0 && (
        <div>
          <h3 className="mb-1 text-xs font-semibold tracking-wide text-slate-500 uppercase">Errors ({errors.length.toLocaleString()}): these records are skipped</h3>
          <ul className="max-h-48 space-y-0.5 overflow-auto text-xs text-rose-800" aria-label="Validation errors">
            {errors.slice(0, ERRORS_SHOWN).map((r) => (
              <li key={r.where} className="break-words">
                <span className="font-medium">{r.where}</span>: {r.error}
              </li>
            ))}
            {errors.length > ERRORS_SHOWN && <li className="text-slate-500">… and {errors.length - ERRORS_SHOWN} more</li>}
          </ul>
        </div>
      )}
    </div>
  );
}

export default function ImportPage() {
  usePageTitle("Import examples");
  // A role below write may check a file here, not import it.
  const permission = usePermission("write", "import examples");
  const fileId = useId();
  const [parsed, setParsed] = useState<Parsed | null>(null);
  const [databitId, setDatabitId] = useState("");
  const [policy, setPolicy] = useState<DuplicatePolicy>("skip");
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [summary, setSummary] = useState<Summary | null>(null);
  const [fileKey, setFileKey] = useState(0);
  const abort = useRef<AbortController | null>(null);
  const templates = useTemplateOptions();
  const qc = useQueryClient();
  const importing = progress !== null && summary === null;
  const leavePrompt = useUnsavedChanges(importing);

  const load = (name: string, text: string, format: ImportFormat) => {
    setSummary(null);
    setProgress(null);
    try {
      setParsed({ name, text, format, rows: parseImport(text, format), fileError: null });
    } catch (e) {
      setParsed({ name, text, format, rows: null, fileError: errorMessage(e) });
    }
  };
  const onFile = async (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    if (!file) return;
    try {
      const text = await readText(file);
      load(file.name, text, detectFormat(file.name, text));
    } catch (err) {
      setParsed({ name: file.name, text: "", format: "jsonl", rows: null, fileError: errorMessage(err) });
    }
  };

  const valid = (parsed?.rows ?? []).filter((r) => !r.error && r.record);
  /**
   * Sends the valid records from index `from` on. A resumed import (after Stop or a refused chunk)
   * adds to the summary so far; records already sent are never sent again.
   */
  const start = async (from = 0) => {
    if (!parsed?.rows || valid.length === 0) return;
    const controller = new AbortController();
    abort.current = controller;
    const result: Summary =
      from > 0 && summary
        ? { ...summary, failed: summary.failed.filter((f) => !valid.slice(from).some((r) => r.where === f.where)), stopped: undefined, stoppedBy: undefined, resumeAt: undefined }
        : { created: 0, existing: 0, failed: [], warned: [], invalid: parsed.rows.length - valid.length };
    setSummary(null);
    setProgress({ done: from, total: valid.length });
    for (let i = from; i < valid.length; i += CHUNK) {
      const chunk = valid.slice(i, i + CHUNK);
      try {
        const res = await batchCreate(
          chunk.map((r) => prepareRecord(r.record!, databitId, policy)),
          controller.signal,
        );
        result.created += res.created_count ?? res.created_ids?.length ?? 0;
        result.existing += res.existing_count ?? res.existing_ids?.length ?? 0;
        for (const err of res.errors ?? []) result.failed.push({ where: chunk[err.index]?.where ?? `record ${i + err.index + 1}`, error: itemErrorText(err) });
        for (const { index, item_id, ...warning } of res.warnings ?? []) {
          result.warned.push({ where: chunk[index]?.where ?? `record ${i + index + 1}`, warning, id: item_id });
        }
      } catch (e) {
        if (controller.signal.aborted) result.stopped = "Import stopped; the records before this point were imported.";
        else {
          // The whole chunk failed (server down, 4xx): report it and stop, keeping what was stored.
          for (const r of chunk) result.failed.push({ where: r.where, error: errorMessage(e) });
          result.stopped = `Stopped after an error: ${errorMessage(e)}`;
          result.stoppedBy = e;
        }
        // What this chunk and the ones after it hold can still be sent, and only that.
        result.resumeAt = i;
        setProgress({ done: i, total: valid.length });
        break;
      }
      setProgress({ done: Math.min(valid.length, i + chunk.length), total: valid.length });
    }
    abort.current = null;
    setSummary(result);
    void qc.invalidateQueries({ queryKey: ["examples"] });
  };
  // Back to step 1 with nothing chosen: the only way to import again once a file is done.
  const reset = () => {
    setParsed(null);
    setSummary(null);
    setProgress(null);
    setFileKey((k) => k + 1);
  };
  useEffect(() => {
    if (fileKey > 0) document.getElementById(fileId)?.focus();
  }, [fileKey, fileId]);
  const done = summary !== null;
  const remaining = summary?.resumeAt !== undefined ? valid.length - summary.resumeAt : 0;
  const records = (n: number) => `${n.toLocaleString()} ${n === 1 ? "record" : "records"}`;

  const pct = progress ? Math.round((progress.done / Math.max(1, progress.total)) * 100) : 0;
  return (
    <>
      {leavePrompt}
      <PageHeader
        eyebrow={<Link to="/examples" className="hover:text-slate-700">← Examples</Link>}
        title="Import examples"
        description="JSON Lines, a JSON array or CSV (the columns of the CSV export). Records are checked here before anything is sent."
      />
      <div className="space-y-6">
        <Card>
          <CardHeader title="1. Choose a file" />
          <CardBody className="space-y-3">
            <div className="flex flex-wrap items-end gap-3">
              <div className="flex min-w-0 flex-col gap-1">
                <label htmlFor={fileId} className="text-xs font-medium text-slate-700">
                  Import file
                </label>
                <input
                  key={fileKey}
                  id={fileId}
                  type="file"
                  accept=".jsonl,.ndjson,.json,.csv,application/json,application/x-ndjson,text/csv"
                  onChange={onFile}
                  disabled={importing}
                  className="block w-full max-w-full min-w-0 text-sm text-slate-700 file:mr-3 file:rounded-md file:border-0 file:bg-indigo-50 file:px-3 file:py-1.5 file:text-sm file:font-medium file:text-indigo-700 hover:file:bg-indigo-100"
                />
              </div>
              {parsed && (
                <SelectInput
                  label="Format"
                  value={parsed.format}
                  disabled={importing}
                  onChange={(e) => load(parsed.name, parsed.text, e.target.value as ImportFormat)}
                  fieldClassName="w-40"
                  options={[
                    { value: "jsonl", label: "JSON Lines" },
                    { value: "json", label: "JSON array" },
                    { value: "csv", label: "CSV" },
                  ]}
                />
              )}
            </div>
            {parsed?.fileError && (
              <p role="alert" className="rounded-lg border border-rose-200 bg-rose-50 px-3 py-2 text-sm text-rose-800">
                {parsed.name}: {parsed.fileError}
              </p>
            )}
          </CardBody>
        </Card>
        {parsed?.rows && (
          <Card>
            <CardHeader title="2. Check the records" description={parsed.name} />
            <CardBody>
              {parsed.rows.length === 0 ? <p className="text-sm text-slate-500">The file holds no records.</p> : <ImportPreview rows={parsed.rows} />}
            </CardBody>
          </Card>
        )}
        {parsed?.rows && parsed.rows.length > 0 && (
          <Card>
            <CardHeader title="3. Import" />
            <CardBody className="space-y-4">
              <div className="grid gap-4 md:grid-cols-2">
                <SelectInput
                  label="Template"
                  value={databitId}
                  disabled={importing || done}
                  onChange={(e) => setDatabitId(e.target.value)}
                  hint="A template here replaces the databit_id of every record."
                  options={[{ value: "", label: "Keep each record's template" }, ...(templates.data?.templates ?? []).map((t) => ({ value: t.id, label: `${t.name} v${t.version}` }))]}
                />
                <fieldset className="flex flex-col gap-1.5">
                  <legend className="mb-1 text-xs font-medium text-slate-700">Records whose example_id already exists</legend>
                  <label className="flex items-center gap-2 text-sm text-slate-700">
                    <input type="radio" name="duplicates" value="skip" checked={policy === "skip"} disabled={importing || done} onChange={() => setPolicy("skip")} className="accent-indigo-600" />
                    Skip them (keep the stored example)
                  </label>
                  <label className="flex items-center gap-2 text-sm text-slate-700">
                    <input type="radio" name="duplicates" value="copy" checked={policy === "copy"} disabled={importing || done} onChange={() => setPolicy("copy")} className="accent-indigo-600" />
                    Import them as new examples
                  </label>
                </fieldset>
              </div>
              <div className="flex flex-wrap items-center gap-3">
                {/* Once the file is done, importing it again would duplicate it: the button that
                    sent it gives way to one that starts over (or sends only what is left). */}
                {!done ? (
                  <Button variant="primary" onClick={() => void start()} loading={importing} disabled={valid.length === 0 || !permission.allowed} title={permission.reason}>
                    Import {valid.length.toLocaleString()} valid {valid.length === 1 ? "record" : "records"}
                  </Button>
                ) : (
                  <>
                    {remaining > 0 && (
                      <Button variant="primary" onClick={() => void start(summary.resumeAt)} disabled={!permission.allowed} title={permission.reason}>
                        Import the remaining {records(remaining)}
                      </Button>
                    )}
                    <Button variant={remaining > 0 ? "secondary" : "primary"} onClick={reset} autoFocus>
                      Import another file
                    </Button>
                  </>
                )}
                {importing && <Button onClick={() => abort.current?.abort()}>Stop</Button>}
              </div>
              {progress && (
                <div>
                  <div className="h-2 overflow-hidden rounded-full bg-slate-200" role="progressbar" aria-label="Import progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct}>
                    <div className="h-full rounded-full bg-indigo-600 transition-[width]" style={{ width: `${pct}%` }} />
                  </div>
                  <p className="mt-1 text-xs text-slate-500 tabular-nums">
                    {progress.done.toLocaleString()} / {progress.total.toLocaleString()} records sent
                  </p>
                </div>
              )}
              {summary && (
                <div role="status" aria-label="Import summary" className="space-y-2 rounded-lg bg-slate-50 p-4 ring-1 ring-slate-200">
                  <p className="text-sm font-semibold text-slate-900">Import finished</p>
                  <div className="flex flex-wrap gap-2 text-sm">
                    <Badge tone="emerald">{summary.created} created</Badge>
                    <Badge>{summary.existing} already existed</Badge>
                    <Badge tone={summary.failed.length ? "rose" : "slate"}>{summary.failed.length} failed</Badge>
                    <Badge tone={summary.invalid ? "amber" : "slate"}>{summary.invalid} skipped as invalid</Badge>
                    {summary.warned.length > 0 && <Badge tone="amber">{summary.warned.length} {summary.warned.length === 1 ? "warning" : "warnings"}</Badge>}
                  </div>
                  {summary.stopped && (
                    <div className="text-sm text-rose-800">
                      <p>{summary.stopped}</p>
                      <RequestId error={summary.stoppedBy} />
                    </div>
                  )}
                  {summary.failed.length > 0 && (
                    <ul className="max-h-40 overflow-auto text-xs text-rose-800">
                      {summary.failed.slice(0, ERRORS_SHOWN).map((f, i) => (
                        <li key={`${f.where}-${i}`} className="break-words">
                          <span className="font-medium">{f.where}</span>: {f.error}
                        </li>
                      ))}
                    </ul>
                  )}
                  {summary.warned.length > 0 && (
                    <div>
                      <p className="text-xs font-semibold text-amber-900">Imported with warnings: the records are stored; check them.</p>
                      <ul className="max-h-48 space-y-0.5 overflow-auto text-xs text-amber-900" aria-label="Import warnings">
                        {summary.warned.slice(0, ERRORS_SHOWN).map((w, i) => (
                          <li key={`${w.where}-${i}`} className="break-words" data-warning={w.warning.type}>
                            {w.id ? (
                              <Link to={`/examples/${w.id}`} className="font-medium underline decoration-amber-400 underline-offset-2 hover:text-amber-950">
                                {w.where}
                              </Link>
                            ) : (
                              <span className="font-medium">{w.where}</span>
                            )}{" "}
                            · <QualityWarningLine warning={w.warning} />
                          </li>
                        ))}
                        {summary.warned.length > ERRORS_SHOWN && <li className="text-slate-500">… and {summary.warned.length - ERRORS_SHOWN} more</li>}
                      </ul>
                    </div>
                  )}
                  <ButtonLink to={databitId ? `/examples?template=${databitId}` : "/examples?sort=created_at"} size="sm">
                    View examples
                  </ButtonLink>
                </div>
              )}
            </CardBody>
          </Card>
        )}
      </div>
    </>
  );
}

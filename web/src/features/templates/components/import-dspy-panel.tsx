// Import a program compiled in DSPy (the JSON of program.save()) as a new draft version of the
// template (README "DSPy"): choose the file or paste it, send it, and see how each demo was linked
// to the store. The server checks the program against the template's signature; its 422 names the
// place in the file (`predict › demos › 3 › answer`).
import { useId, useState, type ChangeEvent, type FormEvent } from "react";
import { Link } from "react-router";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { Checkbox, TextArea } from "@/components/ui/field";
import { ErrorState, RequestId } from "@/components/ui/states";
import { isApiError, type ValidationIssue } from "@/lib/api-client";
import { shortId } from "@/lib/format";
import { readText } from "@/lib/read-file";
import { useImportDspy, type DemoMatch, type ImportDspyResponse, type ImportedDemo } from "../api/import-dspy";
import { Findings } from "./export-result";
import { usePermission } from "@/lib/role";

/** Why a demo is linked to its example, or is not. */
export function matchText(match: DemoMatch): string {
  switch (match) {
    case "id":
      return "linked by the example id it carries";
    case "exact":
      return "same input and labels as a stored example";
    case "normalized":
      return "same input and labels as a stored example, after normalising whitespace and case";
    case "input":
      return "same input as a stored example, other labels";
    case "input_normalized":
      return "same input as a stored example after normalising whitespace and case, other labels";
    case "created":
      return "stored as a new example";
    case "none":
      return "no stored example of this template has this input; not linked";
    default:
      return match;
  }
}

/** A 422 `loc` as a path in the program file: ["body","predict","demos",2,"answer"] → "predict › demos › 3 › answer". */
export function programPath(loc: ValidationIssue["loc"]): string {
  const parts = loc[0] === "body" ? loc.slice(1) : loc;
  if (parts.length === 0) return "the file";
  return parts.map((p) => (typeof p === "number" ? `#${p + 1}` : p)).join(" › ");
}

function ImportError({ error }: { error: unknown }) {
  if (isApiError(error) && error.status === 422 && error.issues.length > 0) {
    return (
      <div role="alert" className="rounded-lg border border-rose-200 bg-rose-50 px-4 py-3 text-sm">
        <p className="font-semibold text-rose-900">The program does not fit this template</p>
        <ul className="mt-1 space-y-1 text-rose-800" aria-label="Import problems">
          {error.issues.map((issue, i) => (
            <li key={i} className="break-words">
              <code className="mr-1 rounded bg-white/70 px-1 text-xs">{programPath(issue.loc)}</code>
              {issue.msg}
            </li>
          ))}
        </ul>
        <RequestId error={error} />
      </div>
    );
  }
  return <ErrorState error={error} title="Import failed" />;
}

const isUnmatched = (d: ImportedDemo) => d.match === "none" || !d.example_id;

/** `createExamples`: whether the import that answered `result` asked for examples to be created. */
function ImportResult({ result, createExamples }: { result: ImportDspyResponse; createExamples: boolean }) {
  const t = result.template;
  const demos = result.demos ?? [];
  const unmatched = demos.filter(isUnmatched);
  const created = demos.filter((d) => d.match === "created");
  const matched = demos.length - unmatched.length - created.length;
  // Importing again with create_examples stores the unmatched demos, except those holding a purged
  // example's content (never stored again): said only when it would help.
  const creatable = createExamples ? [] : unmatched.filter((d) => !d.purged);
  return (
    <div role="status" aria-label="Import result" className="space-y-3 rounded-lg bg-slate-50 p-4 ring-1 ring-slate-200">
      <p className="text-sm font-semibold text-slate-900">
        {result.already_imported ? "This program was imported before: " : "Imported as "}
        <Link to={`/templates/${t.id}`} className="text-indigo-700 hover:underline">
          version {t.version} ({t.status}) →
        </Link>
      </p>
      {result.already_imported && <p className="text-sm text-slate-600">Nothing new was created.</p>}
      <div className="flex flex-wrap gap-2 text-sm">
        {result.module && <Badge tone="violet">{result.module}</Badge>}
        <Badge tone="emerald">{`${matched} matched`}</Badge>
        {created.length > 0 && <Badge tone="sky">{`${created.length} created`}</Badge>}
        <Badge tone={unmatched.length ? "amber" : "slate"}>{`${unmatched.length} unmatched`}</Badge>
      </div>
      {result.findings && result.findings.length > 0 && <Findings findings={result.findings} />}
      {demos.length > 0 && (
        <ol className="max-h-64 space-y-1 overflow-auto text-xs" aria-label="Imported demos">
          {demos.map((d) => {
            // An unmatched demo says why in the server's words (a purged example's content, an id
            // that names no example, …); the generic text only stands in for a missing reason.
            const unlinked = isUnmatched(d);
            return (
              <li key={d.index} className="flex flex-wrap items-baseline gap-x-2">
                <span className="font-medium text-slate-700">Demo {d.index + 1}</span>
                {d.augmented && <Badge tone="violet">bootstrapped</Badge>}
                {d.purged && <Badge tone="rose">purged example</Badge>}
                <span className={unlinked ? "text-amber-800" : "text-slate-600"}>{unlinked && d.reason ? d.reason : matchText(d.match)}</span>
                {d.example_id && (
                  <Link to={`/examples/${d.example_id}`} className="text-indigo-700 hover:underline">
                    example {shortId(d.example_id)}{d.example_version ? ` v${d.example_version}` : ""} →
                  </Link>
                )}
                {d.deleted && <Badge tone="amber">deleted example</Badge>}
                {!unlinked && d.reason && <span className="basis-full text-slate-500">{d.reason}</span>}
              </li>
            );
          })}
        </ol>
      )}
      {creatable.length > 0 && (
        <p className="text-xs text-slate-500">
          Unmatched demos are kept in the version without a link; import again with “Create examples for unmatched demos” to store{" "}
          {creatable.length === unmatched.length ? "them" : "those not holding a purged example's content"}.
        </p>
      )}
    </div>
  );
}

export function ImportDspyPanel({ templateId }: { templateId: string }) {
  const permission = usePermission("write", "import DSPy programs");
  const fileId = useId();
  const [text, setText] = useState("");
  const [fileName, setFileName] = useState<string | null>(null);
  const [createExamples, setCreateExamples] = useState(false);
  const [jsonError, setJsonError] = useState<string | null>(null);
  const imp = useImportDspy(templateId);

  const onFile = async (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    if (!file) return;
    setFileName(file.name);
    try {
      setText(await readText(file));
    } catch (err) {
      setJsonError(`Cannot read ${file.name}: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    setJsonError(null);
    imp.reset();
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!permission.allowed) return;
    let program: unknown;
    try {
      program = JSON.parse(text);
    } catch (err) {
      setJsonError(text.trim() ? `Not valid JSON: ${err instanceof Error ? err.message : String(err)}` : "Choose a program file or paste its JSON");
      return;
    }
    if (typeof program !== "object" || program === null || Array.isArray(program)) {
      setJsonError("Must be a JSON object: the file program.save() writes");
      return;
    }
    setJsonError(null);
    imp.mutate({ program, createExamples });
  };

  return (
    <Card>
      <CardHeader title="Import from DSPy" description="A program saved in DSPy (program.save) becomes a new draft version of this template; its demos are linked to the stored examples they came from." />
      <CardBody className="grid gap-6 lg:grid-cols-2">
        <form onSubmit={submit} className="min-w-0 space-y-4" aria-label="Import from DSPy" noValidate>
          <div className="flex min-w-0 flex-col gap-1">
            <label htmlFor={fileId} className="text-xs font-medium text-slate-700">
              Program file (.json)
            </label>
            <input
              id={fileId}
              type="file"
              accept=".json,application/json"
              onChange={onFile}
              className="block w-full max-w-full min-w-0 text-sm text-slate-700 file:mr-3 file:rounded-md file:border-0 file:bg-indigo-50 file:px-3 file:py-1.5 file:text-sm file:font-medium file:text-indigo-700 hover:file:bg-indigo-100"
            />
          </div>
          <TextArea
            label={fileName ? `Program JSON (from ${fileName})` : "Program JSON"}
            rows={6}
            className="font-mono text-xs"
            placeholder='{"predict": {"signature": {...}, "demos": [...]}}'
            value={text}
            spellCheck={false}
            onChange={(e) => {
              setText(e.target.value);
              setJsonError(null);
            }}
            error={jsonError}
            hint="Or paste the JSON here"
          />
          <Checkbox label="Create examples for unmatched demos" checked={createExamples} onChange={(e) => setCreateExamples(e.target.checked)} />
          <div className="flex justify-end border-t border-slate-100 pt-4">
            <Button type="submit" variant="primary" loading={imp.isPending} disabled={!permission.allowed} title={permission.reason}>
              Import as a new version
            </Button>
          </div>
        </form>
        <div className="min-w-0">
          {imp.isError ? (
            <ImportError error={imp.error} />
          ) : imp.isSuccess ? (
            <ImportResult result={imp.data} createExamples={imp.variables?.createExamples ?? false} />
          ) : (
            <p className="text-sm text-slate-500">The result shows the new version and, for each demo, the example it was linked to or why none was.</p>
          )}
        </div>
      </CardBody>
    </Card>
  );
}

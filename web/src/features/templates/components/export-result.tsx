import type { UseMutationResult } from "@tanstack/react-query";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { CodeBlock } from "@/components/ui/code-block";
import { CopyButton } from "@/components/ui/copy-button";
import { DownloadIcon } from "@/components/ui/icons";
import { EmptyState, ErrorState, LoadingState, UnavailableState } from "@/components/ui/states";
import { isApiError } from "@/lib/api-client";
import { downloadText } from "@/lib/format";
import { exportedModule, type ExportDspyRequest, type ExportDspyResponse, type Finding } from "../api/export-dspy";

const severityTone = { error: "rose", warning: "amber", info: "sky" } as const;

export function Findings({ findings }: { findings: Finding[] }) {
  if (findings.length === 0) return <p className="text-sm text-emerald-700">No validation findings: the generated code is consistent with the schema.</p>;
  return (
    <ul className="space-y-1.5" aria-label="Validation findings">
      {findings.map((f, i) => (
        <li key={i} className="flex items-start gap-2 text-sm">
          <Badge tone={severityTone[f.severity as keyof typeof severityTone] ?? "slate"} className="shrink-0">{f.severity}</Badge>
          <span className="text-slate-700">
            {f.field && <code className="mr-1 rounded bg-slate-100 px-1 text-xs">{f.field}</code>}
            {f.message}
            <span className="ml-1 text-xs text-slate-500">({f.code})</span>
          </span>
        </li>
      ))}
    </ul>
  );
}

/**
 * What the export holds, from the server's answer (`example_source` is what it used, whatever was
 * asked for): "2 demos of this version", "8 examples from the store".
 */
export function exportedExamplesText(r: Pick<ExportDspyResponse, "example_count" | "example_source">): string {
  const n = r.example_count;
  if (r.example_source === "version") return `${n} demo${n === 1 ? "" : "s"} of this version`;
  const examples = `${n} example${n === 1 ? "" : "s"}`;
  return r.example_source === "store" ? `${examples} from the store` : examples;
}

export function ExportResult({ state }: { state: UseMutationResult<ExportDspyResponse, Error, ExportDspyRequest> }) {
  if (state.isIdle) return <EmptyState title="Nothing generated yet" description="Choose the options and press Generate to preview the DSPy code." className="h-full" />;
  if (state.isPending) return <LoadingState label="Generating…" />;
  if (state.isError) return isApiError(state.error) && state.error.status === 404 ? <UnavailableState feature="DSPy export" error={state.error} /> : <ErrorState error={state.error} title="Export failed" />;
  const r = state.data;
  const errors = (r.findings ?? []).filter((f) => f.severity === "error").length;
  // Which module was used, whether picked or the version's own (the request may have left it unset).
  const module = exportedModule(r);
  return (
    <Card>
      <CardHeader
        title={<code className="text-sm break-all">{r.filename}</code>}
        description={`${exportedExamplesText(r)}${module ? ` · module ${module}` : ""} · ${r.media_type}${errors ? ` · ${errors} error${errors === 1 ? "" : "s"}` : ""}`}
        actions={
          <>
            <CopyButton text={r.content} />
            <Button size="sm" variant="primary" icon={<DownloadIcon />} onClick={() => downloadText(r.content, r.filename, r.media_type)}>
              Download
            </Button>
          </>
        }
      />
      <CardBody className="space-y-4">
        <Findings findings={r.findings ?? []} />
        <CodeBlock code={r.content} label="Generated code" className="max-h-[32rem]" />
      </CardBody>
    </Card>
  );
}

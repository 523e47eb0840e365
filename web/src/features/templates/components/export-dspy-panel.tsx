// Export a template and its examples to DSPy (SPEC §4.4): options on the left, the generated file
// with its validation findings on the right.
import { useState, type FormEvent } from "react";
import { Button } from "@/components/ui/button";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { Checkbox, SelectInput, TextInput } from "@/components/ui/field";
import { isApiError } from "@/lib/api-client";
import { EXPORT_FORMATS, METRICS, MODULE_TYPES, OPTIMIZERS, SELECTIONS, useExportDspy, type ExportDspyRequest } from "../api/export-dspy";
import { ExportResult } from "./export-result";
import { usePermission } from "@/lib/role";

const opts = (values: readonly string[]) => values.map((v) => ({ value: v, label: v }));
const formatLabels: Record<string, string> = {
  python_module: "Python module (.py)",
  program_state: "Program state (program.load JSON)",
  dataset_jsonl: "Dataset (JSONL)",
  json_config: "JSON config",
  notebook: "Notebook (.ipynb)",
};

export function ExportDspyPanel({ templateId }: { templateId: string }) {
  // POST /templates/{id}/export-dspy is a write route on the server (it needs write).
  const permission = usePermission("write", "generate DSPy exports");
  const [req, setReq] = useState<ExportDspyRequest>({
    format: "python_module",
    example_source: "auto",
    selection: "top",
    query: "",
    min_effectiveness: 0,
    include_optimizer: false,
    optimizer_type: "BootstrapFewShot",
    metric: "exact_match",
  });
  const exp = useExportDspy(templateId);
  const errors = isApiError(exp.error) ? exp.error.fieldErrors : {};
  const set = <K extends keyof ExportDspyRequest>(k: K, v: ExportDspyRequest[K]) => setReq((r) => ({ ...r, [k]: v }));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!permission.allowed) return;
    const body: ExportDspyRequest = { ...req, query: req.selection === "similar" ? req.query : undefined };
    if (!req.include_optimizer) {
      delete body.optimizer_type;
      delete body.metric;
    }
    exp.mutate(body);
  };

  return (
    <div className="grid gap-6 xl:grid-cols-5">
      <Card className="min-w-0 xl:col-span-2">
        <CardHeader title="Export to DSPy" description="A signature, a module, the examples as dspy.Example, and optionally an optimizer script." />
        <CardBody>
          <form onSubmit={submit} className="space-y-4" aria-label="DSPy export options">
            <SelectInput label="Format" value={req.format} onChange={(e) => set("format", e.target.value as ExportDspyRequest["format"])} options={EXPORT_FORMATS.map((f) => ({ value: f, label: formatLabels[f] }))} error={errors.format} />
            <SelectInput
              label="Examples from"
              value={req.example_source ?? "auto"}
              onChange={(e) => set("example_source", e.target.value as ExportDspyRequest["example_source"])}
              options={[
                { value: "auto", label: "This version's demos, else the store" },
                { value: "version", label: "This version's demos only" },
                { value: "store", label: "The store (selection below)" },
              ]}
              hint="The result says which examples were used"
              error={errors.example_source}
            />
            <div className="grid grid-cols-2 gap-3">
              {/* Unset unless picked: the server knows the module the version was made from. */}
              <SelectInput
                label="Module"
                value={req.module ?? ""}
                onChange={(e) => set("module", (e.target.value || undefined) as ExportDspyRequest["module"])}
                // "Default" alone: beside Example selection the field is ~190 px wide; the hint says which.
                options={[{ value: "", label: "Default" }, ...opts(MODULE_TYPES)]}
                hint="Default: the module of the run or program this version was made from, else Predict"
                error={errors.module}
              />
              <SelectInput label="Example selection" value={req.selection} onChange={(e) => set("selection", e.target.value as ExportDspyRequest["selection"])} options={opts(SELECTIONS)} error={errors.selection} />
            </div>
            {req.selection === "similar" && (
              <TextInput label="Similar to" placeholder="Query text the examples should resemble" value={req.query ?? ""} onChange={(e) => set("query", e.target.value)} error={errors.query} />
            )}
            <div className="grid grid-cols-2 gap-3">
              <TextInput
                label="Max examples"
                type="number"
                min={0}
                max={1000}
                placeholder="16 (default)"
                value={req.max_examples ?? ""}
                onChange={(e) => set("max_examples", e.target.value === "" ? undefined : Number(e.target.value))}
                error={errors.max_examples}
              />
              <TextInput label="Min effectiveness" type="number" min={0} max={1} step={0.05} value={req.min_effectiveness ?? 0} onChange={(e) => set("min_effectiveness", Number(e.target.value))} error={errors.min_effectiveness} />
            </div>
            <Checkbox label="Include optimizer script" checked={req.include_optimizer} onChange={(e) => set("include_optimizer", e.target.checked)} />
            {req.include_optimizer && (
              <div className="grid grid-cols-2 gap-3">
                <SelectInput label="Optimizer" value={req.optimizer_type} onChange={(e) => set("optimizer_type", e.target.value as ExportDspyRequest["optimizer_type"])} options={opts(OPTIMIZERS)} error={errors.optimizer_type} />
                <SelectInput label="Metric" value={req.metric} onChange={(e) => set("metric", e.target.value as ExportDspyRequest["metric"])} options={opts(METRICS)} error={errors.metric} />
              </div>
            )}
            <div className="flex justify-end border-t border-slate-100 pt-4">
              <Button type="submit" variant="primary" loading={exp.isPending} disabled={!permission.allowed} title={permission.reason}>
                Generate
              </Button>
            </div>
          </form>
        </CardBody>
      </Card>
      <div className="min-w-0 xl:col-span-3">
        <ExportResult state={exp} />
      </div>
    </div>
  );
}

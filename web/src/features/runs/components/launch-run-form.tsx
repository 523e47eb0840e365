// Launch an optimization run (POST /dspy-runs, SPEC §4.5): template, optimizer, metric, LM,
// budget, data selection and optimizer parameters.
import { useState, type FormEvent } from "react";
import { useNavigate } from "react-router";
import { Button } from "@/components/ui/button";
import { SelectInput, TextInput } from "@/components/ui/field";
import { isApiError } from "@/lib/api-client";
import { useToast } from "@/lib/toast";
import { useTemplateOptions } from "@/features/templates/api/get-templates";
import { useCreateRun, type CreateRunRequest } from "../api/create-run";
import { OPTIMIZER_TYPES, RUN_METRICS, type OptimizerType, type RunMetric } from "../api/types";

/** Parameters each optimizer takes, with DSPy's defaults (reference/dspy.md §5). */
const PARAMS: Record<OptimizerType, [string, number][]> = {
  LabeledFewShot: [["k", 16]],
  BootstrapFewShot: [["max_bootstrapped_demos", 4], ["max_labeled_demos", 16], ["max_rounds", 1]],
  BootstrapFewShotWithRandomSearch: [["max_bootstrapped_demos", 4], ["max_labeled_demos", 16], ["num_candidate_programs", 8]],
  MIPROv2: [["num_candidates", 6], ["num_trials", 12], ["max_bootstrapped_demos", 4], ["max_labeled_demos", 4]],
  KNNFewShot: [["k", 3]],
};

type Form = {
  template_id: string;
  optimizer_type: OptimizerType;
  metric: RunMetric;
  provider: "offline" | "openai";
  base_url: string;
  model: string;
  api_key_env: string;
  max_trials: string;
  max_lm_calls: string;
  max_minutes: string;
  domain: string;
  split_ratio: string;
  seed: string;
  params: Record<string, string>;
};

const numOrUndef = (v: string) => (v.trim() === "" ? undefined : Number(v));

export function LaunchRunForm({ defaultTemplate, onCancel }: { defaultTemplate?: string; onCancel: () => void }) {
  const templates = useTemplateOptions();
  const create = useCreateRun();
  const navigate = useNavigate();
  const toast = useToast();
  const [f, setF] = useState<Form>({
    template_id: defaultTemplate ?? "",
    optimizer_type: "BootstrapFewShot",
    metric: "exact_match",
    provider: "offline",
    base_url: "https://api.openai.com/v1",
    model: "gpt-4o-mini",
    api_key_env: "OPENAI_API_KEY",
    max_trials: "12",
    max_lm_calls: "2000",
    max_minutes: "10",
    domain: "",
    split_ratio: "0.7",
    seed: "42",
    params: {},
  });
  const errors = isApiError(create.error) ? create.error.fieldErrors : {};
  const set = <K extends keyof Form>(k: K, v: Form[K]) => setF((x) => ({ ...x, [k]: v }));
  const templateId = f.template_id || templates.data?.templates[0]?.id || "";

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!templateId) return;
    const body: CreateRunRequest = {
      template_id: templateId,
      optimizer_type: f.optimizer_type,
      metric: f.metric,
      lm: f.provider === "offline" ? { provider: "offline" } : { provider: "openai", base_url: f.base_url, model: f.model, api_key_env: f.api_key_env },
      budget: { max_trials: numOrUndef(f.max_trials), max_lm_calls: numOrUndef(f.max_lm_calls), max_minutes: numOrUndef(f.max_minutes) },
      data: { domain: f.domain.trim() || undefined, split_ratio: numOrUndef(f.split_ratio), seed: numOrUndef(f.seed) },
      optimizer_params: Object.fromEntries(PARAMS[f.optimizer_type].map(([k, d]) => [k, numOrUndef(f.params[k] ?? "") ?? d])),
    };
    create.mutate(body, {
      onSuccess: (run) => {
        toast.show("Optimization started");
        navigate(`/runs/${run.id}`);
      },
    });
  };

  const tplOptions = (templates.data?.templates ?? []).map((t) => ({ value: t.id, label: `${t.name} v${t.version} (${t.status})` }));
  return (
    <form onSubmit={submit} className="space-y-5" aria-label="Launch optimization">
      {create.isError && Object.keys(errors).length === 0 && (
        <div role="alert" className="rounded-lg border border-rose-200 bg-rose-50 px-3 py-2 text-sm text-rose-800">
          {create.error.message}
        </div>
      )}
      <div className="grid gap-4 md:grid-cols-3">
        <SelectInput label="Template" value={templateId} onChange={(e) => set("template_id", e.target.value)} options={tplOptions.length ? tplOptions : [{ value: "", label: templates.isPending ? "Loading…" : "No templates" }]} error={errors.template_id} />
        <SelectInput label="Optimizer" value={f.optimizer_type} onChange={(e) => set("optimizer_type", e.target.value as OptimizerType)} options={OPTIMIZER_TYPES.map((o) => ({ value: o, label: o }))} error={errors.optimizer_type} />
        <SelectInput label="Metric" value={f.metric} onChange={(e) => set("metric", e.target.value as RunMetric)} options={RUN_METRICS.map((m) => ({ value: m, label: m }))} error={errors.metric} />
      </div>
      <fieldset className="grid gap-4 md:grid-cols-4">
        <legend className="mb-2 text-xs font-semibold tracking-wide text-slate-500 uppercase">Language model</legend>
        <SelectInput label="Provider" value={f.provider} onChange={(e) => set("provider", e.target.value as Form["provider"])} options={[{ value: "offline", label: "Offline (built-in)" }, { value: "openai", label: "OpenAI-compatible" }]} error={errors["lm.provider"]} />
        {f.provider === "openai" && (
          <>
            <TextInput label="Base URL" value={f.base_url} onChange={(e) => set("base_url", e.target.value)} error={errors["lm.base_url"]} />
            <TextInput label="Model" value={f.model} onChange={(e) => set("model", e.target.value)} error={errors["lm.model"]} />
            <TextInput label="API key env var" value={f.api_key_env} onChange={(e) => set("api_key_env", e.target.value)} error={errors["lm.api_key_env"]} hint="Name of the server's environment variable" />
          </>
        )}
      </fieldset>
      <div className="grid gap-4 md:grid-cols-2">
        <fieldset className="grid grid-cols-3 gap-3">
          <legend className="mb-2 text-xs font-semibold tracking-wide text-slate-500 uppercase">Budget</legend>
          <TextInput label="Max trials" type="number" min={1} value={f.max_trials} onChange={(e) => set("max_trials", e.target.value)} error={errors["budget.max_trials"]} />
          <TextInput label="Max LM calls" type="number" min={1} value={f.max_lm_calls} onChange={(e) => set("max_lm_calls", e.target.value)} error={errors["budget.max_lm_calls"]} />
          <TextInput label="Max minutes" type="number" min={1} value={f.max_minutes} onChange={(e) => set("max_minutes", e.target.value)} error={errors["budget.max_minutes"]} />
        </fieldset>
        <fieldset className="grid grid-cols-3 gap-3">
          <legend className="mb-2 text-xs font-semibold tracking-wide text-slate-500 uppercase">Data</legend>
          <TextInput label="Domain filter" placeholder="any" value={f.domain} onChange={(e) => set("domain", e.target.value)} error={errors["data.domain"]} />
          <TextInput label="Train split" type="number" min={0.1} max={0.95} step={0.05} value={f.split_ratio} onChange={(e) => set("split_ratio", e.target.value)} error={errors["data.split_ratio"]} />
          <TextInput label="Seed" type="number" value={f.seed} onChange={(e) => set("seed", e.target.value)} error={errors["data.seed"]} />
        </fieldset>
      </div>
      <fieldset className="grid gap-3 md:grid-cols-4">
        <legend className="mb-2 text-xs font-semibold tracking-wide text-slate-500 uppercase">{f.optimizer_type} parameters</legend>
        {PARAMS[f.optimizer_type].map(([k, d]) => (
          <TextInput key={`${f.optimizer_type}-${k}`} label={k} type="number" min={0} placeholder={String(d)} value={f.params[k] ?? ""} onChange={(e) => set("params", { ...f.params, [k]: e.target.value })} error={errors[`optimizer_params.${k}`]} />
        ))}
      </fieldset>
      <div className="flex justify-end gap-2 border-t border-slate-100 pt-4">
        <Button onClick={onCancel}>Cancel</Button>
        <Button type="submit" variant="primary" loading={create.isPending} disabled={!templateId}>
          Start optimization
        </Button>
      </div>
    </form>
  );
}

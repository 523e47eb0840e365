// Launch an optimization run (POST /dspy-runs, SPEC §4.5): template, optimizer, metric, LM,
// budget, data selection and optimizer parameters.
import { useState, type FormEvent } from "react";
import { useQueries } from "@tanstack/react-query";
import { useNavigate } from "react-router";
import { Button } from "@/components/ui/button";
import { SelectInput, TextArea, TextInput } from "@/components/ui/field";
import { Spinner } from "@/components/ui/spinner";
import { isApiError } from "@/lib/api-client";
import { RequestId } from "@/components/ui/states";
import { formatDate } from "@/lib/format";
import { useToast } from "@/lib/toast";
import type { Template } from "@/lib/api-types";
import { useTemplate } from "@/features/templates/api/get-template";
import { useTemplateOptions } from "@/features/templates/api/get-templates";
import { examplesQueryOptions } from "@/features/examples/api/get-examples";
import { useCreateRun, type CreateRunRequest } from "../api/create-run";
import { useLmProviders } from "../api/get-lm-providers";
import { OPTIMIZER_TYPES, RUN_METRICS, type OptimizerType, type RunMetric } from "../api/types";
import { FOCUS_HEADING } from "@/lib/use-heading-focus";
import { usePermission } from "@/lib/role";

/** A numeric optimizer parameter: DSPy's default (reference/dspy.md §5) and the range the form accepts. */
type ParamSpec = [name: string, defaultValue: number, min: number, max: number];

const PARAMS: Record<OptimizerType, ParamSpec[]> = {
  LabeledFewShot: [["k", 16, 1, 1000]],
  BootstrapFewShot: [["max_bootstrapped_demos", 4, 0, 100], ["max_labeled_demos", 16, 0, 1000], ["max_rounds", 1, 1, 20]],
  BootstrapFewShotWithRandomSearch: [["max_bootstrapped_demos", 4, 0, 100], ["max_labeled_demos", 16, 0, 1000], ["num_candidate_programs", 8, 1, 1000]],
  MIPROv2: [["num_candidates", 6, 1, 100], ["num_trials", 12, 1, 10000], ["max_bootstrapped_demos", 4, 0, 100], ["max_labeled_demos", 4, 0, 1000]],
  KNNFewShot: [["k", 3, 1, 1000]],
};

/** MIPROv2's num_candidates / num_trials only apply with `auto` off; DSPy refuses them otherwise. */
const MIPRO_MANUAL = new Set(["num_candidates", "num_trials"]);

/** Message for a number field, or undefined when `raw` is empty (default) or an acceptable number. */
export function numberError(raw: string, min: number, max: number, integer: boolean): string | undefined {
  if (raw.trim() === "") return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n)) return "Enter a number";
  if (integer && !Number.isInteger(n)) return "Enter a whole number";
  if (n < min || n > max) return `Must be between ${min} and ${max}`;
  return undefined;
}

type Errors = Record<string, string | undefined>;

const newestFirst = (a: Template, b: Template) => (b.updated_at ?? b.created_at ?? "").localeCompare(a.updated_at ?? a.created_at ?? "");

/**
 * The templates a run can start from, in the picker's order: published, then drafts, each most
 * recently updated first. Archived templates are left out, except `cameFrom` (the template whose
 * "Optimize" opened the form): the user asked for that one by name.
 */
export function launchableTemplates(all: Template[], cameFrom?: string): Template[] {
  const rank = (t: Template) => (t.status === "published" ? 0 : t.status === "draft" ? 1 : 2);
  const unique = [...new Map(all.map((t) => [t.id, t])).values()];
  return unique.filter((t) => t.status !== "archived" || t.id === cameFrom).sort((a, b) => rank(a) - rank(b) || newestFirst(a, b));
}

/** The picker's first choice: the template the form was opened from, else the newest published one, else the newest draft. */
export function defaultTemplateId(choices: Template[], cameFrom?: string): string {
  if (cameFrom && choices.some((t) => t.id === cameFrom)) return cameFrom;
  return choices[0]?.id ?? "";
}

/**
 * The version `id` and its ancestors (parent_template_id), nearest first, as far as `all` holds
 * them; `complete` is false when a parent is not in `all`.
 */
export function templateLine(all: Template[], id: string): { ids: string[]; complete: boolean } {
  const byId = new Map(all.map((t) => [t.id, t]));
  const ids: string[] = [];
  let at: string | null | undefined = id;
  while (at && !ids.includes(at)) {
    const t = byId.get(at);
    if (!t) return { ids: id ? (ids.length ? ids : [id]) : [], complete: false };
    ids.push(at);
    at = t.parent_template_id;
  }
  return { ids, complete: true };
}

/** "QA v1.2.0 · published": versions of one template differ only in these. */
export const templateLabel = (t: Template) => `${t.name} v${t.version} · ${t.status}`;

/** Client-side checks of the launch form; keys are the wire's error keys (`budget.max_trials`). */
export function validateLaunch(f: Form): Errors {
  const e: Errors = {
    "budget.max_trials": numberError(f.max_trials, 1, 10000, true),
    "budget.max_lm_calls": numberError(f.max_lm_calls, 1, 100_000_000, true),
    "budget.max_minutes": numberError(f.max_minutes, 0.01, 1440, false),
    "data.split_ratio": numberError(f.split_ratio, 0.05, 0.95, false),
    "data.seed": numberError(f.seed, 0, Number.MAX_SAFE_INTEGER, true),
  };
  for (const [k, , min, max] of PARAMS[f.optimizer_type]) e[`optimizer_params.${k}`] = numberError(f.params[k] ?? "", min, max, true);
  if (f.extra.trim()) {
    try {
      const v = JSON.parse(f.extra) as unknown;
      if (typeof v !== "object" || v === null || Array.isArray(v)) e.optimizer_params = 'Must be a JSON object, e.g. {"max_errors": 5}';
    } catch (err) {
      e.optimizer_params = `Invalid JSON: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
  return Object.fromEntries(Object.entries(e).filter(([, v]) => v)) as Errors;
}

type Form = {
  template_id: string;
  optimizer_type: OptimizerType;
  metric: RunMetric;
  /** A provider name from GET /lm-providers ("offline" is built in). */
  provider: string;
  /** One of the provider's models, or "" for its default. */
  model: string;
  max_trials: string;
  max_lm_calls: string;
  max_minutes: string;
  domain: string;
  split_ratio: string;
  seed: string;
  params: Record<string, string>;
  /** MIPROv2's auto preset ("light" | "medium" | "heavy"), or "" to set the trials by hand. */
  auto: string;
  /** Further optimizer parameters as a JSON object. */
  extra: string;
};

/** The request fields each form field feeds, for hiding a server message once its field is edited. */
const WIRE_KEYS: Record<keyof Form, string[]> = {
  template_id: ["template_id"],
  optimizer_type: ["optimizer_type", "optimizer_params"],
  metric: ["metric"],
  provider: ["lm"],
  model: ["lm.model"],
  max_trials: ["budget.max_trials"],
  max_lm_calls: ["budget.max_lm_calls"],
  max_minutes: ["budget.max_minutes"],
  domain: ["data.domain"],
  split_ratio: ["data.split_ratio"],
  seed: ["data.seed"],
  params: ["optimizer_params"],
  auto: ["optimizer_params"],
  extra: ["optimizer_params"],
};

/** A wire path as people read it: "data.train_ids.3" → "Data · train ids · 3". */
export function fieldName(key: string): string {
  const words = key.split(".").map((p) => p.replace(/_/g, " "));
  return [words[0].charAt(0).toUpperCase() + words[0].slice(1), ...words.slice(1)].join(" · ");
}

const numOrUndef = (v: string) => (v.trim() === "" ? undefined : Number(v));

/** `autoFocus`: focus the first field on mount (the form was opened by a button that is now gone). */
export function LaunchRunForm({ defaultTemplate, onCancel, autoFocus }: { defaultTemplate?: string; onCancel: () => void; autoFocus?: boolean }) {
  const permission = usePermission("write", "launch runs");
  const templates = useTemplateOptions();
  // The template the form was opened from, read on its own: it may be archived or past the picker's first 100.
  const cameFrom = useTemplate(defaultTemplate ?? "");
  const providers = useLmProviders();
  const create = useCreateRun();
  const navigate = useNavigate();
  const toast = useToast();
  const [f, setF] = useState<Form>({
    template_id: "",
    optimizer_type: "BootstrapFewShot",
    metric: "exact_match",
    provider: "offline",
    model: "",
    max_trials: "12",
    max_lm_calls: "2000",
    max_minutes: "10",
    domain: "",
    split_ratio: "0.7",
    seed: "42",
    params: {},
    auto: "",
    extra: "",
  });
  const [clientErrors, setClientErrors] = useState<Errors>({});
  // Wire keys (and their children) of fields edited since the last submit: their server messages are stale.
  const [edited, setEdited] = useState<Set<string>>(new Set());
  const isStale = (key: string) => [...edited].some((w) => key === w || key.startsWith(`${w}.`));
  const serverErrors = isApiError(create.error) ? create.error.fieldErrors : {};
  const freshServerErrors = Object.fromEntries(Object.entries(serverErrors).filter(([k]) => !isStale(k)));
  const errors: Errors = { ...freshServerErrors, ...clientErrors };
  const set = <K extends keyof Form>(k: K, v: Form[K], wire = WIRE_KEYS[k]) => {
    setF((x) => ({ ...x, [k]: v }));
    setClientErrors({});
    setEdited((s) => new Set([...s, ...wire]));
  };
  const choices = launchableTemplates([...(templates.data?.templates ?? []), ...(cameFrom.data ? [cameFrom.data] : [])], defaultTemplate);
  const templateId = f.template_id || defaultTemplateId(choices, defaultTemplate);
  // Until the template the form was opened from is known, another default could be sent by mistake.
  const awaitingCameFrom = Boolean(defaultTemplate) && cameFrom.isPending && templateId !== defaultTemplate;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!templateId || awaitingCameFrom || !permission.allowed) return;
    const found = validateLaunch(f);
    setClientErrors(found);
    setEdited(new Set());
    if (Object.keys(found).length > 0) return;
    const manual = f.optimizer_type !== "MIPROv2" || f.auto === "";
    const params: Record<string, unknown> = Object.fromEntries(
      PARAMS[f.optimizer_type].filter(([k]) => manual || !MIPRO_MANUAL.has(k)).map(([k, d]) => [k, numOrUndef(f.params[k] ?? "") ?? d]),
    );
    if (f.optimizer_type === "MIPROv2") params.auto = f.auto || null;
    const body: CreateRunRequest = {
      template_id: templateId,
      optimizer_type: f.optimizer_type,
      metric: f.metric,
      lm: f.model ? { provider: f.provider, model: f.model } : { provider: f.provider },
      budget: { max_trials: numOrUndef(f.max_trials), max_lm_calls: numOrUndef(f.max_lm_calls), max_minutes: numOrUndef(f.max_minutes) },
      data: { domain: f.domain.trim() || undefined, split_ratio: numOrUndef(f.split_ratio), seed: numOrUndef(f.seed) },
      optimizer_params: { ...params, ...(f.extra.trim() ? (JSON.parse(f.extra) as Record<string, unknown>) : {}) },
    };
    create.mutate(body, {
      onSuccess: (run) => {
        toast.show("Optimization started");
        navigate(`/runs/${run.id}`, { state: FOCUS_HEADING });
      },
    });
  };

  const chosenTemplate = choices.find((t) => t.id === templateId);
  // A run trains on the examples whose databit_id is this template (version): say how many there
  // are, and that a run needs two, before Start rather than after a refusal.
  // A run trains on the examples of the version's line: the version's own and its ancestors'
  // (examples name the root template). Counted per template, as far as the loaded list holds it.
  const line = templateLine([...(templates.data?.templates ?? []), ...(cameFrom.data ? [cameFrom.data] : [])], templateId);
  const counts = useQueries({
    queries: line.ids.map((id) => ({ ...examplesQueryOptions({ databit_id: id, page: 1, page_size: 1 }), enabled: templateId !== "" })),
  });
  const counted = counts.length > 0 && counts.every((q) => q.data && !q.isPlaceholderData);
  const lineCount = counted ? counts.reduce((n, q) => n + (q.data?.total ?? 0), 0) : null;
  // A line that runs past the loaded list may hold more: no warning then, only what was counted.
  const storedCount = lineCount !== null && (line.complete || lineCount >= 2) ? lineCount : null;
  const tplOptions = choices.map((t) => ({ value: t.id, label: templateLabel(t) }));
  const providerList = providers.data?.providers ?? [{ name: "offline", kind: "offline", models: ["offline"], default_model: "offline" }];
  const providerOptions = providerList.map((p) => ({ value: p.name, label: p.kind === "offline" ? "Offline (built-in stand-in)" : p.name }));
  const chosen = providerList.find((p) => p.name === f.provider);
  const shownKeys = new Set([
    "template_id", "optimizer_type", "metric", "lm.provider", "lm.model",
    "budget.max_trials", "budget.max_lm_calls", "budget.max_minutes", "data.domain", "data.split_ratio", "data.seed", "optimizer_params",
    ...PARAMS[f.optimizer_type].map(([k]) => `optimizer_params.${k}`),
  ]);
  // Server messages for fields the form does not show still need a place: a parameter without a
  // field of its own (typed under "More parameters") is named there; `lm.*` goes to the provider;
  // anything else is said in the banner with its field's name, not its wire path.
  const unplaced: string[] = [];
  for (const [k, m] of Object.entries(freshServerErrors)) {
    if (shownKeys.has(k) || !m) continue;
    const target = k.startsWith("optimizer_params.") ? "optimizer_params" : k.startsWith("lm.") ? "lm.provider" : null;
    const name = k.slice(k.indexOf(".") + 1);
    if (target) errors[target] = [errors[target], `${name}: ${m}`].filter(Boolean).join("; ");
    else unplaced.push(`${fieldName(k)}: ${m}`);
  }
  const mipro = f.optimizer_type === "MIPROv2";
  return (
    <form onSubmit={submit} noValidate className="space-y-5" aria-label="Launch optimization" aria-busy={create.isPending || undefined}>
      {create.isError && (Object.keys(serverErrors).length === 0 || unplaced.length > 0) && (
        <div role="alert" className="rounded-lg border border-rose-200 bg-rose-50 px-3 py-2 text-sm text-rose-800">
          <p className="font-medium">The server did not start the run</p>
          <p>{unplaced.length > 0 ? unplaced.join("; ") : create.error.message}</p>
          <RequestId error={create.error} />
        </div>
      )}
      {create.isPending && (
        <div role="status" className="flex items-center gap-2 rounded-lg border border-indigo-200 bg-indigo-50 px-3 py-2 text-sm text-indigo-900">
          <Spinner /> Starting the optimization: selecting the data and preparing the first trials…
        </div>
      )}
      <fieldset disabled={create.isPending} className="min-w-0 space-y-5">
      <div className="grid min-w-0 gap-4 md:grid-cols-3">
        <SelectInput
          label="Template"
          autoFocus={autoFocus}
          value={templateId}
          onChange={(e) => set("template_id", e.target.value)}
          options={tplOptions.length ? tplOptions : [{ value: "", label: templates.isPending ? "Loading…" : "No templates" }]}
          error={errors.template_id}
          // A narrow select cuts its label's end: the chosen version and status are repeated under it.
          hint={
            chosenTemplate && (
              <>
                {`v${chosenTemplate.version} · ${chosenTemplate.status} · updated ${formatDate(chosenTemplate.updated_at ?? chosenTemplate.created_at)}`}
                {storedCount !== null && storedCount >= 2 && ` · ${storedCount.toLocaleString()} examples`}
                {storedCount !== null && storedCount < 2 && <span className="sr-only"> · </span>}
                {storedCount !== null && storedCount < 2 && (
                  <span className="mt-0.5 block text-amber-700">
                    {storedCount === 0 ? "No examples" : "Only 1 example"} of this version or the versions it came from; a run needs at least 2.
                  </span>
                )}
              </>
            )
          }
        />
        <SelectInput label="Optimizer" value={f.optimizer_type} onChange={(e) => set("optimizer_type", e.target.value as OptimizerType)} options={OPTIMIZER_TYPES.map((o) => ({ value: o, label: o }))} error={errors.optimizer_type} />
        <SelectInput label="Metric" value={f.metric} onChange={(e) => set("metric", e.target.value as RunMetric)} options={RUN_METRICS.map((m) => ({ value: m, label: m }))} error={errors.metric} />
      </div>
      <fieldset className="grid min-w-0 gap-4 md:grid-cols-4">
        <legend className="mb-2 text-xs font-semibold tracking-wide text-slate-500 uppercase">Language model</legend>
        <SelectInput
          label="Provider"
          value={f.provider}
          onChange={(e) => setF((x) => ({ ...x, provider: e.target.value, model: "" }))}
          options={providerOptions}
          error={errors["lm.provider"]}
          hint="Endpoints and keys are the server's configuration ([lm_providers] in exemplar.toml)"
        />
        {chosen && chosen.kind !== "offline" && (
          <SelectInput
            label="Model"
            value={f.model || chosen.default_model}
            onChange={(e) => set("model", e.target.value)}
            options={chosen.models.map((m) => ({ value: m, label: m }))}
            error={errors["lm.model"]}
          />
        )}
      </fieldset>
      <div className="grid min-w-0 gap-4 md:grid-cols-2">
        <fieldset className="grid min-w-0 grid-cols-2 gap-3 sm:grid-cols-3">
          <legend className="mb-2 text-xs font-semibold tracking-wide text-slate-500 uppercase">Budget</legend>
          <TextInput label="Max trials" type="number" min={1} value={f.max_trials} onChange={(e) => set("max_trials", e.target.value)} error={errors["budget.max_trials"]} />
          <TextInput label="Max LM calls" type="number" min={1} value={f.max_lm_calls} onChange={(e) => set("max_lm_calls", e.target.value)} error={errors["budget.max_lm_calls"]} />
          <TextInput label="Max minutes" type="number" min={1} value={f.max_minutes} onChange={(e) => set("max_minutes", e.target.value)} error={errors["budget.max_minutes"]} />
        </fieldset>
        <fieldset className="grid min-w-0 grid-cols-2 gap-3 sm:grid-cols-3">
          <legend className="mb-2 text-xs font-semibold tracking-wide text-slate-500 uppercase">Data</legend>
          <TextInput label="Domain filter" placeholder="any" value={f.domain} onChange={(e) => set("domain", e.target.value)} error={errors["data.domain"]} />
          <TextInput label="Train split" type="number" min={0.1} max={0.95} step={0.05} value={f.split_ratio} onChange={(e) => set("split_ratio", e.target.value)} error={errors["data.split_ratio"]} />
          <TextInput label="Seed" type="number" value={f.seed} onChange={(e) => set("seed", e.target.value)} error={errors["data.seed"]} />
        </fieldset>
      </div>
      <fieldset className="grid min-w-0 grid-cols-2 gap-3 md:grid-cols-4">
        <legend className="mb-2 text-xs font-semibold tracking-wide text-slate-500 uppercase">{f.optimizer_type} parameters</legend>
        {mipro && (
          <SelectInput
            label="auto"
            value={f.auto}
            onChange={(e) => set("auto", e.target.value)}
            error={errors["optimizer_params.auto"]}
            options={[{ value: "", label: "off (set trials)" }, { value: "light", label: "light" }, { value: "medium", label: "medium" }, { value: "heavy", label: "heavy" }]}
          />
        )}
        {PARAMS[f.optimizer_type]
          .filter(([k]) => !mipro || f.auto === "" || !MIPRO_MANUAL.has(k))
          .map(([k, d, min, max]) => (
            <TextInput
              key={`${f.optimizer_type}-${k}`}
              label={k}
              type="number"
              min={min}
              max={max}
              step={1}
              placeholder={String(d)}
              value={f.params[k] ?? ""}
              onChange={(e) => set("params", { ...f.params, [k]: e.target.value }, [`optimizer_params.${k}`])}
              error={errors[`optimizer_params.${k}`]}
            />
          ))}
        <TextArea
          label="More parameters (JSON object)"
          fieldClassName="col-span-2 md:col-span-4"
          rows={2}
          className="font-mono text-xs"
          placeholder='{"max_errors": 5}'
          value={f.extra}
          onChange={(e) => set("extra", e.target.value)}
          error={errors.optimizer_params}
        />
      </fieldset>
      </fieldset>
      <div className="flex justify-end gap-2 border-t border-slate-100 pt-4">
        <Button onClick={onCancel}>Cancel</Button>
        <Button type="submit" variant="primary" loading={create.isPending} disabled={!templateId || awaitingCameFrom || !permission.allowed} title={permission.reason}>
          Start optimization
        </Button>
      </div>
    </form>
  );
}

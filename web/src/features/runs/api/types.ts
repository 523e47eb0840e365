// Wire shapes of /dspy-runs (SPEC §2.2, §4.5, §4.6) and normalisers. The server is still being
// built, so the normalisers accept the field spellings it may use and never throw.

export const OPTIMIZER_TYPES = ["LabeledFewShot", "BootstrapFewShot", "BootstrapFewShotWithRandomSearch", "MIPROv2", "KNNFewShot"] as const;
export const RUN_METRICS = ["exact_match", "f1", "contains", "json_fields", "numeric_close", "llm_judge"] as const;
export type OptimizerType = (typeof OPTIMIZER_TYPES)[number];
export type RunMetric = (typeof RUN_METRICS)[number];
export const TERMINAL_STATUSES = ["completed", "failed", "cancelled"];

type Num = number | null | undefined;
type ProgressWire = {
  trials_done?: Num;
  trials_completed?: Num;
  /** The budget's max_trials on this server, not the number of trials the optimizer will run. */
  trials_total?: Num;
  /** The optimizer's real plan, when the server reports it. */
  trials_planned?: Num;
  planned_trials?: Num;
  completed?: Num;
  fraction?: Num;
  lm_calls?: Num;
  best_score?: Num;
  stopped_reason?: string;
  message?: string;
};

export type RunWire = {
  run_id?: string;
  id?: string;
  template_id?: string;
  template_name?: string;
  status?: string;
  optimizer_type?: string;
  metric?: string;
  config?: { optimizer_type?: string; metric?: string; lm?: { provider?: string; model?: string }; budget?: Record<string, Num> };
  progress?: number | ProgressWire | null;
  trials_completed?: Num;
  trials_total?: Num;
  trials_planned?: Num;
  lm_calls?: Num;
  best_score?: Num;
  error?: string | null;
  error_message?: string | null;
  decision?: string | null;
  accepted_template_id?: string | null;
  /** The version it was accepted as was deleted since: accepted_template_id answers 404. */
  accepted_template_deleted?: boolean;
  synced?: boolean;
  synced_at?: string | null;
  created_at?: string;
  started_at?: string | null;
  completed_at?: string | null;
  claimed_by?: string | null;
  attempts?: Num;
  lease_expires_at?: string | null;
  trials?: TrialWire[];
};

export type TrialWire = {
  trial_index?: number;
  index?: number;
  trial_id?: number | string;
  score?: Num;
  metrics?: Record<string, number>;
  demo_ids?: string[];
  demo_example_ids?: string[];
  examples_used?: string[];
  instruction?: string | null;
  lm_calls?: Num;
};

export type Run = {
  id: string;
  templateId?: string;
  templateName?: string;
  status: string;
  optimizer?: string;
  metric?: string;
  provider?: string;
  trialsDone: number;
  /** How many trials the optimizer plans; undefined when the server does not say. */
  trialsPlanned?: number;
  /** The budget's cap on trials (an upper bound, not a plan). */
  maxTrials?: number;
  /** done / planned when the plan is known. */
  fraction?: number;
  lmCalls?: number;
  bestScore?: number;
  error?: string;
  decision?: string;
  acceptedTemplateId?: string;
  /** The version it was accepted as was deleted since: there is nothing to link to. */
  acceptedTemplateDeleted?: boolean;
  synced: boolean;
  createdAt?: string;
  startedAt?: string | null;
  completedAt?: string | null;
  /** The replica executing the run (or that executed it last); undefined: this server. */
  claimedBy?: string;
  /** Executions the run took: 0 before it started, one more per takeover by another replica. */
  attempts: number;
  /** While running with replicas: when the executor's lease ends unless renewed. */
  leaseExpiresAt?: string;
};

export type Trial = { index: number; score: number | null; metrics: Record<string, number>; demoIds: string[]; instruction?: string; lmCalls?: number };

const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

/** The planned trial count from a progress object, if the server reports one. */
export function plannedOf(p: Record<string, unknown>): number | undefined {
  const n = num(p.trials_planned) ?? num(p.planned_trials);
  return n !== undefined && n > 0 ? n : undefined;
}

export function normalizeRun(w: RunWire): Run {
  const p: ProgressWire = typeof w.progress === "object" && w.progress !== null ? w.progress : {};
  const done = num(p.trials_completed) ?? num(p.trials_done) ?? num(p.completed) ?? num(w.trials_completed) ?? 0;
  // trials_total is the budget's max_trials: showing it as "done / total" misleads (11 / 200 for a
  // random search that plans 11), so only a reported plan gives a denominator.
  const planned = plannedOf(p as Record<string, unknown>) ?? (num(w.trials_planned) || undefined);
  const fraction = planned ? done / planned : undefined;
  return {
    id: w.run_id ?? w.id ?? "",
    templateId: w.template_id,
    templateName: w.template_name,
    status: w.status ?? "pending",
    optimizer: w.optimizer_type ?? w.config?.optimizer_type,
    metric: w.metric ?? w.config?.metric,
    provider: w.config?.lm?.provider,
    trialsDone: done,
    trialsPlanned: planned,
    maxTrials: num(w.config?.budget?.max_trials) ?? num(p.trials_total) ?? num(w.trials_total),
    fraction: fraction === undefined ? undefined : Math.max(0, Math.min(1, fraction)),
    lmCalls: num(p.lm_calls) ?? num(w.lm_calls),
    bestScore: num(w.best_score) ?? num(p.best_score),
    error: w.error ?? w.error_message ?? undefined,
    decision: w.decision ?? undefined,
    acceptedTemplateId: w.accepted_template_id ?? undefined,
    acceptedTemplateDeleted: w.accepted_template_deleted || undefined,
    synced: Boolean(w.synced || w.synced_at),
    createdAt: w.created_at,
    startedAt: w.started_at,
    completedAt: w.completed_at,
    claimedBy: w.claimed_by ?? undefined,
    attempts: num(w.attempts) ?? (w.started_at ? 1 : 0),
    leaseExpiresAt: w.lease_expires_at ?? undefined,
  };
}

export function normalizeTrial(w: TrialWire, fallbackIndex: number): Trial {
  const idx = w.trial_index ?? w.index ?? (typeof w.trial_id === "number" ? w.trial_id : undefined);
  return {
    index: idx ?? fallbackIndex,
    score: num(w.score) ?? null,
    metrics: w.metrics ?? {},
    demoIds: w.demo_ids ?? w.demo_example_ids ?? w.examples_used ?? [],
    instruction: w.instruction ?? undefined,
    lmCalls: num(w.lm_calls),
  };
}

/** Merges trial lists by index (later entries win) and sorts them. */
export function mergeTrials(...lists: Trial[][]): Trial[] {
  const byIndex = new Map<number, Trial>();
  for (const list of lists) for (const t of list) byIndex.set(t.index, t);
  return [...byIndex.values()].sort((a, b) => a.index - b.index);
}

export const isTerminal = (status?: string) => TERMINAL_STATUSES.includes(status ?? "");

import { queryOptions, useQuery } from "@tanstack/react-query";
import { api, isUnreachable } from "@/lib/api-client";
import { normalizeTrial, type Trial, type TrialWire } from "./types";

type ContributionWire = {
  /** "not_enough_variation" when the run's trials cannot tell this example's effect apart. */
  variation?: string | null;
  example_id: string;
  label?: string;
  contribution?: number | null;
  delta?: number | null;
  trials_with?: number;
  trials_without?: number;
  evidence_trials?: number;
  mean_with?: number | null;
  mean_without?: number | null;
};

type ResultsWire = {
  run_id?: string;
  best_score?: number | null;
  best_trial?: TrialWire | null;
  best_program?: { instructions?: string; instruction?: string; demos?: unknown[]; demo_ids?: string[]; [k: string]: unknown } | null;
  contributions?: ContributionWire[];
  example_contributions?: ContributionWire[];
  trials?: TrialWire[];
  warnings?: RunWarning[];
};

/**
 * What a completed run's result says beside its score: `nothing_to_accept` (a KNNFewShot run chooses
 * its demos per query, so the server refuses accept), `no_program` (the budget ran out before any program
 * was evaluated in full: the server refuses accept), `zero_score` (the best program scored 0; accept is
 * allowed), `pii` (demos of the best program hold personal data).
 */
export type RunWarning = { code: string; message: string; example_ids?: string[]; kinds?: string[] };

/** One demonstration of the best program: the example's fields, flat (`fields`) or split. */
export type Demo = {
  exampleId?: string;
  augmented: boolean;
  /** The example was purged (legal erasure): the demo is a marker with no content. */
  purged?: boolean;
  fields: Record<string, unknown>;
  input?: Record<string, unknown>;
  output?: Record<string, unknown>;
};

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

export function normalizeDemo(d: unknown): Demo {
  if (!isObj(d)) return { augmented: false, fields: { value: d } };
  if (d.purged === true) return { exampleId: typeof d.example_id === "string" ? d.example_id : undefined, augmented: d.augmented === true, purged: true, fields: {} };
  const fields = isObj(d.fields) ? d.fields : {};
  const input = isObj(d.input) ? d.input : isObj(d.inputs) ? d.inputs : undefined;
  const output = isObj(d.output) ? d.output : isObj(d.outputs) ? d.outputs : isObj(d.expected_output) ? d.expected_output : undefined;
  const hasShape = isObj(d.fields) || input || output;
  return {
    exampleId: typeof d.example_id === "string" ? d.example_id : undefined,
    augmented: d.augmented === true,
    // A bare object is itself the fields.
    fields: hasShape ? fields : d,
    input,
    output,
  };
}

export type Contribution = { exampleId: string; label?: string; contribution: number | null; trialsWith?: number; trialsWithout?: number; evidence?: number; notEnoughVariation?: boolean };

export type RunResults = {
  bestScore: number | null;
  instructions?: string;
  demos: Demo[];
  demoIds: string[];
  program: unknown;
  contributions: Contribution[];
  trials: Trial[];
  warnings: RunWarning[];
};

export async function getRunResults(id: string, signal?: AbortSignal): Promise<RunResults> {
  const w = await api.get<ResultsWire>(`/dspy-runs/${encodeURIComponent(id)}/results`, undefined, signal);
  const prog = w.best_program ?? null;
  const contributions = (w.contributions ?? w.example_contributions ?? []).map((c) => ({
    exampleId: c.example_id,
    label: c.label,
    contribution: c.contribution ?? c.delta ?? null,
    trialsWith: c.trials_with,
    trialsWithout: c.trials_without,
    evidence: c.evidence_trials ?? (c.trials_with !== undefined ? c.trials_with + (c.trials_without ?? 0) : undefined),
    notEnoughVariation: c.variation === "not_enough_variation",
  }));
  return {
    bestScore: w.best_score ?? w.best_trial?.score ?? null,
    instructions: prog?.instructions ?? prog?.instruction ?? w.best_trial?.instruction ?? undefined,
    demos: Array.isArray(prog?.demos) ? prog.demos.map(normalizeDemo) : [],
    demoIds: prog?.demo_ids ?? w.best_trial?.demo_ids ?? [],
    program: prog,
    contributions: contributions.sort((a, b) => (b.contribution ?? -Infinity) - (a.contribution ?? -Infinity)),
    trials: (w.trials ?? []).map(normalizeTrial),
    warnings: Array.isArray(w.warnings) ? w.warnings.filter((x) => typeof x?.code === "string" && typeof x?.message === "string") : [],
  };
}

export const runResultsQueryOptions = (id: string) =>
  queryOptions({ queryKey: ["runs", id, "results"], queryFn: ({ signal }) => getRunResults(id, signal) });

/** Results of a finished run, whatever way it finished: completed, cancelled or failed. */
export function useRunResults(id: string, enabled: boolean) {
  // Asked while the server was down: asked again until it answers (the run page stays open).
  return useQuery({ ...runResultsQueryOptions(id), enabled, refetchInterval: (q) => (isUnreachable(q.state.error) ? 3000 : false) });
}

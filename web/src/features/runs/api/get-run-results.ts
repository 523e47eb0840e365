import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "@/lib/api-client";
import { normalizeTrial, type Trial, type TrialWire } from "./types";

type ContributionWire = {
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
};

export type Contribution = { exampleId: string; label?: string; contribution: number | null; trialsWith?: number; trialsWithout?: number; evidence?: number };

export type RunResults = {
  bestScore: number | null;
  instructions?: string;
  demos: unknown[];
  demoIds: string[];
  program: unknown;
  contributions: Contribution[];
  trials: Trial[];
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
  }));
  return {
    bestScore: w.best_score ?? w.best_trial?.score ?? null,
    instructions: prog?.instructions ?? prog?.instruction ?? w.best_trial?.instruction ?? undefined,
    demos: Array.isArray(prog?.demos) ? prog.demos : [],
    demoIds: prog?.demo_ids ?? w.best_trial?.demo_ids ?? [],
    program: prog,
    contributions: contributions.sort((a, b) => (b.contribution ?? -Infinity) - (a.contribution ?? -Infinity)),
    trials: (w.trials ?? []).map(normalizeTrial),
  };
}

export const runResultsQueryOptions = (id: string) =>
  queryOptions({ queryKey: ["runs", id, "results"], queryFn: ({ signal }) => getRunResults(id, signal) });

export function useRunResults(id: string, enabled: boolean) {
  return useQuery({ ...runResultsQueryOptions(id), enabled });
}

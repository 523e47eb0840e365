import { keepPreviousData, queryOptions, useQuery, type QueryClient } from "@tanstack/react-query";
import { api } from "@/lib/api-client";

export type Period = "7d" | "30d" | "90d";
export type DashboardParams = { period: Period; domain?: string; function_name?: string };

export type DailyUsage = { date: string; uses: number; successes: number; failures: number };
export type Breakdown = {
  domain?: string;
  function_name?: string | null;
  example_count: number;
  total_uses: number;
  success_rate?: number | null;
  avg_effectiveness?: number | null;
};
export type RankingItem = {
  example_id: string;
  domain?: string;
  function_name?: string | null;
  explanation?: string | null;
  effectiveness_score?: number | null;
  usage_count?: number;
  success_rate?: number | null;
};

/** GET /examples/dashboard (SPEC §2.2). */
export type Dashboard = {
  total_examples: number;
  examples_with_usage?: number;
  total_uses: number;
  total_successes?: number;
  total_failures?: number;
  overall_success_rate?: number | null;
  avg_effectiveness_score?: number | null;
  period_days?: number;
  domain_breakdown: Breakdown[];
  function_breakdown: Breakdown[];
  daily_usage: DailyUsage[];
  top_examples: RankingItem[];
  bottom_examples: RankingItem[];
  stale_examples_count: number;
  /**
   * The server's retention of usage evidence (0 = kept for ever / no bound): the usage totals,
   * breakdowns' usage and daily series cover only what it keeps; the rest are all-time counters.
   */
  usage_retention_days?: number;
  max_retrievals_kept?: number;
  max_usage_events_kept?: number;
};

export function getDashboard(params: DashboardParams, signal?: AbortSignal): Promise<Dashboard> {
  return api.get<Dashboard>("/examples/dashboard", params, signal);
}

export const dashboardQueryOptions = (params: DashboardParams) =>
  queryOptions({
    queryKey: ["examples", "dashboard", params],
    queryFn: ({ signal }) => getDashboard(params, signal),
    placeholderData: keepPreviousData,
    refetchInterval: 60_000,
  });

export function useDashboard(params: DashboardParams) {
  return useQuery(dashboardQueryOptions(params));
}

/**
 * Marks every period's dashboard stale: its counts change with each example created, edited or
 * deleted (the example mutations call this; the list's own keys do not cover it).
 */
export function invalidateDashboard(qc: QueryClient): Promise<void> {
  return qc.invalidateQueries({ queryKey: ["examples", "dashboard"] });
}

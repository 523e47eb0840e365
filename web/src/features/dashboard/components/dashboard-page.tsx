import { useSearchParams } from "react-router";
import { Card, CardBody, CardHeader, PageHeader, Stat } from "@/components/ui/card";
import { Field } from "@/components/ui/field";
import { CommitInput, TEXT_FILTER_DEBOUNCE_MS } from "@/components/ui/commit-input";
import { ButtonLink } from "@/components/ui/button";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/states";
import { SegmentedRadioGroup } from "@/components/ui/radio-group";
import { formatCount, formatPercent, formatScore } from "@/lib/format";
import { useDashboard, type Period } from "../api/get-dashboard";
import { BreakdownTable } from "./breakdown-table";
import { usePageTitle } from "@/lib/use-page-title";
import { hasEvidence, pruningCandidates, RankingList } from "./ranking-list";
import { UsageChart } from "./usage-chart";
import { EmbeddingStatusLine } from "./embedding-status";
import { UsageWindowNote, usageWindowLabel } from "./usage-window";
import { useMayRead, usePermission } from "@/lib/role";

const PERIODS: Period[] = ["7d", "30d", "90d"];
const PERIOD_DAYS: Record<Period, number> = { "7d": 7, "30d": 30, "90d": 90 };

/** "12 successes · 3 failures"; a partial outcome counts half of each, so say so when halves show. */
function outcomeLine(successes?: number | null, failures?: number | null): string {
  const line = `${formatCount(successes)} successes · ${formatCount(failures)} failures`;
  const fractional = [successes, failures].some((v) => typeof v === "number" && !Number.isInteger(v));
  return fractional ? `${line} (a partial counts half)` : line;
}

export default function DashboardPage() {
  // The re-embedding status (GET /examples/regenerate-embeddings) is an administrator's.
  const canAdmin = useMayRead("admin");
  const canWrite = usePermission("write", "add examples").allowed;
  const [params, setParams] = useSearchParams();
  const period = (PERIODS.includes(params.get("period") as Period) ? params.get("period") : "30d") as Period;
  const domain = params.get("domain") ?? "";
  const fn = params.get("function") ?? "";
  const set = (k: string, v: string) =>
    setParams((p) => {
      const n = new URLSearchParams(p);
      if (v) n.set(k, v);
      else n.delete(k);
      return n;
    });
  const q = useDashboard({ period, domain: domain || undefined, function_name: fn || undefined });
  usePageTitle("Dashboard");
  const top = q.data?.top_examples ?? [];
  const pruning = pruningCandidates(top, q.data?.bottom_examples ?? []);
  const scored = top.filter(hasEvidence).length;
  // How far back the usage events go (the counters on the examples are all time).
  const kept = usageWindowLabel(q.data?.usage_retention_days);

  return (
    <>
      <PageHeader
        title="Dashboard"
        description={
          <>
            How examples are used and how well they work. Refreshes every minute
            {q.dataUpdatedAt ? ` · updated ${new Date(q.dataUpdatedAt).toLocaleTimeString()}` : ""}
            {q.isFetching && !q.isPending ? " · refreshing…" : ""}.
          </>
        }
        actions={
          <SegmentedRadioGroup label="Period" options={PERIODS.map((p) => ({ value: p, label: p }))} value={period} onChange={(p) => set("period", p === "30d" ? "" : p)} />
        }
      />
      {canAdmin && <EmbeddingStatusLine />}
      <div className="mb-5 grid grid-cols-2 gap-3 sm:flex sm:flex-wrap">
        <Field label="Domain" className="min-w-0 sm:w-48">
          {({ id }) => <CommitInput id={id} placeholder="All domains" value={domain} debounceMs={TEXT_FILTER_DEBOUNCE_MS} onCommit={(v) => set("domain", v)} />}
        </Field>
        <Field label="Function" className="min-w-0 sm:w-48">
          {({ id }) => <CommitInput id={id} placeholder="All functions" value={fn} debounceMs={TEXT_FILTER_DEBOUNCE_MS} onCommit={(v) => set("function", v)} />}
        </Field>
      </div>
      {q.isPending ? (
        <LoadingState label="Loading dashboard…" />
      ) : q.isError ? (
        <ErrorState error={q.error} title="Could not load the dashboard" onRetry={() => q.refetch()} />
      ) : (
        <div className="space-y-6">
          <div className="grid grid-cols-2 gap-4 lg:grid-cols-5">
            <Stat label="Examples" value={formatCount(q.data.total_examples)} sub={`${formatCount(q.data.examples_with_usage)} with usage`} />
            <Stat label={`Uses (${period})`} value={formatCount(q.data.total_uses)} sub={outcomeLine(q.data.total_successes, q.data.total_failures)} />
            <Stat label="Success rate" value={formatPercent(q.data.overall_success_rate)} />
            <Stat label="Avg effectiveness" value={formatScore(q.data.avg_effectiveness_score)} sub="all time" />
            <Stat label="Stale examples" value={formatCount(q.data.stale_examples_count)} sub={`not used in ${period}`} />
          </div>
          <UsageWindowNote retentionDays={q.data.usage_retention_days} maxRetrievals={q.data.max_retrievals_kept} maxEvents={q.data.max_usage_events_kept} periodDays={PERIOD_DAYS[period]} period={period} />
          <Card>
            <CardHeader title="Daily usage" description={`Uses per day, split by outcome${kept ? ` (usage evidence kept: ${kept})` : ""}.`} />
            <CardBody>
              {(q.data.daily_usage ?? []).some((d) => d.uses > 0) ? (
                <UsageChart data={q.data.daily_usage ?? []} />
              ) : (
                <EmptyState
                  title={`No uses in the last ${period}`}
                  description={
                    q.data.total_examples
                      ? "Uses appear here once an agent retrieves examples through the API and reports how its answers went."
                      : "The store has no examples yet: add or import some; their uses and outcomes show here."
                  }
                  action={
                    q.data.total_examples || !canWrite ? undefined : (
                      <span className="flex flex-wrap justify-center gap-2">
                        <ButtonLink to="/examples/new" size="sm" variant="primary">New example</ButtonLink>
                        <ButtonLink to="/examples/import" size="sm">Import</ButtonLink>
                      </span>
                    )
                  }
                />
              )}
            </CardBody>
          </Card>
          {/* The breakdowns take the full width until there is room for two side by side (2xl): beside each
              other at 1280 px their names had 80 px. */}
          <div className="grid gap-6 2xl:grid-cols-2">
            <Card className="min-w-0">
              <CardHeader title="By domain" />
              <CardBody className="overflow-x-auto py-2">
                <BreakdownTable rows={q.data.domain_breakdown ?? []} keyLabel="Domain" keyOf={(b) => b.domain ?? "—"} onSelect={(d) => set("domain", d)} />
              </CardBody>
            </Card>
            <Card className="min-w-0">
              <CardHeader title="By function" />
              <CardBody className="overflow-x-auto py-2">
                <BreakdownTable
                  rows={q.data.function_breakdown ?? []}
                  keyLabel="Function"
                  keyOf={(b) => b.function_name ?? "(none)"}
                  onSelect={(f) => set("function", f)}
                  // Examples without a function cannot be filtered on (the filter matches a name).
                  selectable={(b) => Boolean(b.function_name)}
                />
              </CardBody>
            </Card>
          </div>
          <div className="grid gap-6 lg:grid-cols-2">
            <Card className="min-w-0">
              <CardHeader title="Top examples" description="Highest effectiveness (all time)." />
              <CardBody className="py-1">
                <RankingList items={top} empty="No examples with outcomes yet" />
              </CardBody>
            </Card>
            <Card className="min-w-0">
              <CardHeader title="Pruning candidates" description="Lowest effectiveness (all time), among examples with recorded outcomes." />
              <CardBody className="py-1">
                <RankingList
                  items={pruning}
                  empty="No pruning candidates yet"
                  emptyDescription={
                    scored === 0
                      ? "No example has recorded outcomes yet, so none can be judged."
                      : "Every example with recorded outcomes is already among the top examples; candidates appear once more examples have evidence."
                  }
                />
              </CardBody>
            </Card>
          </div>
        </div>
      )}
    </>
  );
}

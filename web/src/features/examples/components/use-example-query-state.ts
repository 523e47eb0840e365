// The Example Store's search, filters, sort and page live in the URL so views are shareable.
import { useMemo } from "react";
import { useSearchParams } from "react-router";
import { DIFFICULTIES, PII_KINDS, SORT_FIELDS, type SearchMode, type SortField } from "@/lib/api-types";
import type { ExampleFilters, ExampleListParams } from "../api/get-examples";
import { contentFilterError } from "../api/content-filter";

export const PAGE_SIZE = 18;

export type ExampleQueryState = {
  /** URL values refused before any request (e.g. a score outside 0–1), keyed by filter. */
  invalid: Partial<Record<keyof ExampleFilters, string>>;
  q: string;
  mode: SearchMode;
  filters: ExampleFilters;
  sortBy: SortField;
  sortDesc: boolean;
  page: number;
};

const FILTER_PARAMS: Record<keyof ExampleFilters, string> = {
  databit_id: "template",
  domain: "domain",
  function_name: "function",
  difficulty: "difficulty",
  source: "source",
  capability_tag: "tag",
  min_quality_score: "min_quality",
  min_effectiveness_score: "min_effectiveness",
  pii: "pii",
  output: "output",
};

/** Why a score filter value cannot be used, or null when it is a number in [0, 1]. */
export function scoreFilterError(raw: string): string | null {
  if (raw.trim() === "") return null;
  const n = Number(raw);
  if (!Number.isFinite(n)) return "Enter a number";
  if (n < 0 || n > 1) return "Must be between 0 and 1";
  return null;
}

/** The values a list filter of the URL can take; another is refused at its field, like a bad score. */
const CHOICES: Partial<Record<keyof ExampleFilters, readonly string[]>> = {
  difficulty: DIFFICULTIES,
  pii: ["any", ...PII_KINDS],
};

function toNumber(v: string | null): number | undefined {
  if (v === null || v === "") return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

export function useExampleQueryState() {
  const [params, setParams] = useSearchParams();

  const state = useMemo<ExampleQueryState>(() => {
    const filters: ExampleFilters = {};
    const invalid: ExampleQueryState["invalid"] = {};
    for (const [key, param] of Object.entries(FILTER_PARAMS) as [keyof ExampleFilters, string][]) {
      const raw = params.get(param);
      if (raw === null || raw === "") continue;
      if (key === "min_quality_score" || key === "min_effectiveness_score") {
        const error = scoreFilterError(raw);
        // A bad value marks its field and is left out; the list keeps showing.
        if (error) invalid[key] = `${error} (the link had ${raw})`;
        else filters[key] = toNumber(raw);
      } else if (key === "output") {
        const error = contentFilterError(raw);
        if (error) invalid[key] = `${error} (the link had ${raw})`;
        else filters[key] = raw;
      } else if (CHOICES[key] && !CHOICES[key].includes(raw)) {
        invalid[key] = `Not one of the choices (the link had ${raw})`;
      } else filters[key] = raw;
    }
    const sort = params.get("sort");
    return {
      invalid,
      q: params.get("q") ?? "",
      mode: (params.get("mode") as SearchMode) || "auto",
      filters,
      sortBy: SORT_FIELDS.includes(sort as SortField) ? (sort as SortField) : "effectiveness_score",
      sortDesc: params.get("dir") !== "asc",
      page: Math.max(1, toNumber(params.get("page")) ?? 1),
    };
  }, [params]);

  /** `replace`: correct the address in place (a page past the end), with no history entry of its own. */
  const update = (changes: Record<string, string | number | undefined | null>, resetPage = true, { replace = false } = {}) =>
    setParams((prev) => {
      const next = new URLSearchParams(prev);
      for (const [k, v] of Object.entries(changes)) {
        if (v === undefined || v === null || v === "") next.delete(k);
        else next.set(k, String(v));
      }
      if (resetPage && !("page" in changes)) next.delete("page");
      return next;
    }, { replace });

  const setFilter = (key: keyof ExampleFilters, value: string | number | undefined) => update({ [FILTER_PARAMS[key]]: value });
  const clearFilters = () => update(Object.fromEntries(Object.values(FILTER_PARAMS).map((p) => [p, undefined])));

  const listParams: ExampleListParams = {
    ...state.filters,
    page: state.page,
    page_size: PAGE_SIZE,
    sort_by: state.sortBy,
    sort_desc: state.sortDesc,
  };

  return { state, listParams, update, setFilter, clearFilters };
}

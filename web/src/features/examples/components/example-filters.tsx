// Filter and sort controls for the Example Store. Selects apply at once; the text filters (domain,
// function, tag) shortly after typing stops, and on Enter; number and output inputs on Enter or
// when focus leaves them (a half-typed value there would only be refused). On a phone (below md) they fold behind a "Filters (n)"
// button so the search box and the first results fit on the first screen.
import { useId, useState } from "react";
import { Button } from "@/components/ui/button";
import { Field, SelectInput } from "@/components/ui/field";
import { CommitInput, TEXT_FILTER_DEBOUNCE_MS } from "@/components/ui/commit-input";
import { ArrowDownIcon, ArrowUpIcon, FilterIcon } from "@/components/ui/icons";
import { cn } from "@/lib/format";
import { DIFFICULTIES, PII_KINDS, SORT_FIELDS, type SortField } from "@/lib/api-types";
import { useTemplateOptions } from "@/features/templates/api/get-templates";
import type { ExampleFilters } from "../api/get-examples";
import { contentFilterError } from "../api/content-filter";
import { scoreFilterError, useExampleQueryState } from "./use-example-query-state";

export const KNOWN_DOMAINS = ["general", "defect_detection", "predictive_maintenance", "anomaly_detection", "calibration", "document_extraction", "remaining_useful_life"];

/** An output-value filter typed as field=value (comma-separated values: any of them). */
function OutputFilter({ value, urlError, onCommit }: { value: string; urlError?: string; onCommit: (v: string) => void }) {
  const [error, setError] = useState<string | null>(null);
  const shown = error ?? urlError ?? null;
  return (
    <Field label="Output value" error={shown} hint={shown ? undefined : "field=value, e.g. defect_type=crack"}>
      {({ id, describedBy }) => (
        <CommitInput
          id={id}
          aria-describedby={describedBy}
          placeholder="field=value"
          value={value}
          invalid={Boolean(shown)}
          onCommit={(v) => {
            const e = contentFilterError(v);
            setError(e);
            if (!e) onCommit(v);
          }}
        />
      )}
    </Field>
  );
}

/** A 0–1 score filter: an out-of-range value is marked at the field and not applied. */
function ScoreFilter({ label, value, urlError, onCommit }: { label: string; value: string; urlError?: string; onCommit: (v: string) => void }) {
  const [error, setError] = useState<string | null>(null);
  const shown = error ?? urlError ?? null;
  return (
    <Field label={label} error={shown}>
      {({ id, describedBy }) => (
        <CommitInput
          id={id}
          aria-describedby={describedBy}
          type="number"
          min={0}
          max={1}
          step={0.05}
          placeholder="0–1"
          value={value}
          invalid={Boolean(shown)}
          onCommit={(v) => {
            const e = scoreFilterError(v);
            setError(e);
            if (!e) onCommit(v);
          }}
        />
      )}
    </Field>
  );
}

const sortLabels: Record<SortField, string> = {
  effectiveness_score: "Effectiveness",
  quality_score: "Quality",
  usage_count: "Usage",
  created_at: "Created",
  updated_at: "Updated",
};

export function ExampleFiltersBar({ showSort = true }: { showSort?: boolean }) {
  const { state, setFilter, clearFilters, update } = useExampleQueryState();
  const templates = useTemplateOptions();
  const f = state.filters;
  const text = (key: keyof ExampleFilters) => (f[key] === undefined ? "" : String(f[key]));
  const applied = Object.keys(f).length;
  const active = applied > 0 || Object.keys(state.invalid).length > 0;
  // The fold is local state, so it stays open while filters are edited (each edit changes the URL,
  // not this component). A refused value in the link opens it: the field shows why.
  const [open, setOpen] = useState(() => Object.keys(state.invalid).length > 0);
  const panelId = useId();

  return (
    <div>
      <Button className="md:hidden" aria-expanded={open} aria-controls={panelId} onClick={() => setOpen((o) => !o)} icon={<FilterIcon />}>
        {applied > 0 ? `Filters (${applied})` : "Filters"}
      </Button>
      <div id={panelId} className={cn("rounded-xl bg-white p-4 shadow-sm ring-1 ring-slate-200 md:block", open ? "mt-3 md:mt-0" : "hidden")}>
        <div className="grid grid-cols-2 gap-3 md:grid-cols-4 xl:grid-cols-7">
          <SelectInput
            label="Template"
            value={text("databit_id")}
            onChange={(e) => setFilter("databit_id", e.target.value)}
            options={[{ value: "", label: "Any" }, ...(templates.data?.templates ?? []).map((t) => ({ value: t.id, label: `${t.name} v${t.version}` }))]}
          />
          <Field label="Domain">
            {({ id }) => (
              <>
                <CommitInput id={id} list="known-domains" placeholder="Any" value={text("domain")} debounceMs={TEXT_FILTER_DEBOUNCE_MS} onCommit={(v) => setFilter("domain", v)} />
                <datalist id="known-domains">
                  {KNOWN_DOMAINS.map((d) => (
                    <option key={d} value={d} />
                  ))}
                </datalist>
              </>
            )}
          </Field>
          <Field label="Function">{({ id }) => <CommitInput id={id} placeholder="Any" value={text("function_name")} debounceMs={TEXT_FILTER_DEBOUNCE_MS} onCommit={(v) => setFilter("function_name", v)} />}</Field>
          <SelectInput
            label="Difficulty"
            value={text("difficulty")}
            error={state.invalid.difficulty}
            onChange={(e) => setFilter("difficulty", e.target.value)}
            options={[{ value: "", label: "Any" }, ...DIFFICULTIES.map((d) => ({ value: d, label: d }))]}
          />
          <Field label="Tag">{({ id }) => <CommitInput id={id} placeholder="Any" value={text("capability_tag")} debounceMs={TEXT_FILTER_DEBOUNCE_MS} onCommit={(v) => setFilter("capability_tag", v)} />}</Field>
          <ScoreFilter label="Min quality" value={text("min_quality_score")} urlError={state.invalid.min_quality_score} onCommit={(v) => setFilter("min_quality_score", v)} />
          <ScoreFilter label="Min effectiveness" value={text("min_effectiveness_score")} urlError={state.invalid.min_effectiveness_score} onCommit={(v) => setFilter("min_effectiveness_score", v)} />
          <OutputFilter value={text("output")} urlError={state.invalid.output} onCommit={(v) => setFilter("output", v)} />
          <SelectInput
            label="Personal data"
            value={text("pii")}
            error={state.invalid.pii}
            onChange={(e) => setFilter("pii", e.target.value)}
            options={[{ value: "", label: "Any" }, { value: "any", label: "Flagged (any kind)" }, ...PII_KINDS.map((k) => ({ value: k, label: k.replace(/_/g, " ") }))]}
          />
        </div>
        <div className="mt-3 flex flex-wrap items-end justify-between gap-3">
          {showSort ? (
            <div className="flex flex-wrap items-end gap-2">
              <SelectInput
                label="Sort by"
                value={state.sortBy}
                onChange={(e) => update({ sort: e.target.value })}
                options={SORT_FIELDS.map((s) => ({ value: s, label: sortLabels[s] }))}
                fieldClassName="w-40"
              />
              {/* The name starts with the visible word (voice control users say "click Desc"), then says what a press does. */}
              <Button onClick={() => update({ dir: state.sortDesc ? "asc" : undefined })} icon={state.sortDesc ? <ArrowDownIcon /> : <ArrowUpIcon />}>
                {state.sortDesc ? "Desc" : "Asc"}
                <span className="sr-only">{state.sortDesc ? ", sorted descending; switch to ascending" : ", sorted ascending; switch to descending"}</span>
              </Button>
            </div>
          ) : (
            <p className="text-xs text-slate-500">Results are ranked by relevance; filters apply inside the search.</p>
          )}
          {active && (
            <Button variant="ghost" size="sm" onClick={clearFilters}>
              Clear filters
            </Button>
          )}
        </div>
      </div>
    </div>
  );
}

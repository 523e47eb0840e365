// Demonstrations as input → output tables. A bootstrapped demo's outputs are the LM's (SPEC §4.6):
// where they differ from the example's stored label, both are shown. Used by a run's results and by
// a template version's own demos.
import { Link } from "react-router";
import { Badge } from "@/components/ui/badge";
import { IoTable, splitFields } from "@/components/ui/io-table";
import type { Template } from "@/lib/api-types";
import { shortId } from "@/lib/format";
import { useExamplesById } from "@/features/examples/api/get-examples-by-id";
import type { Demo } from "@/features/runs/api/get-run-results";

/** The output fields where a bootstrapped demo says something other than its example's stored label. */
export function labelDifferences(demoOutput: Record<string, unknown>, stored: Record<string, unknown> | undefined): string[] {
  if (!stored) return [];
  return Object.keys(stored).filter((k) => k in demoOutput && JSON.stringify(demoOutput[k]) !== JSON.stringify(stored[k]));
}

export function Demonstrations({ demos, template }: { demos: Demo[]; template?: Template }) {
  const inputNames = (template?.input_schema ?? []).map((f) => f.name);
  // A bootstrapped demo's outputs are the LM's: show the stored label beside them when they differ.
  const stored = useExamplesById(demos.filter((d) => d.augmented && d.exampleId).map((d) => d.exampleId!));
  return (
    <ol className="mt-2 space-y-2" aria-label="Demonstrations">
      {demos.map((d, i) => {
        const { input, output } = d.input && d.output ? { input: d.input, output: d.output } : splitFields(d.fields, inputNames);
        return (
          <li key={`${d.exampleId ?? "demo"}-${i}`}>
            <p className="mb-1 flex flex-wrap items-center gap-2 text-xs text-slate-500">
              <span className="font-medium text-slate-700">Demo {i + 1}</span>
              {d.augmented && <Badge tone="violet">bootstrapped</Badge>}
              {d.purged && <Badge tone="slate">purged</Badge>}
              {d.exampleId && (
                <Link to={`/examples/${d.exampleId}`} className="text-indigo-700 hover:underline">
                  example {shortId(d.exampleId)} →
                </Link>
              )}
            </p>
            {d.purged ? (
              <p className="rounded-md bg-slate-50 px-3 py-2 text-sm text-slate-600 ring-1 ring-slate-200">
                Content erased: the example was purged. DSPy exports leave this demo out.
              </p>
            ) : (
              <IoTable input={input} output={output} label={`Demonstration ${i + 1}`} />
            )}
            {(() => {
              const example = d.augmented && d.exampleId ? stored.get(d.exampleId) : undefined;
              const label = example?.expected_output as Record<string, unknown> | undefined;
              const differs = labelDifferences(output, label);
              if (!label || differs.length === 0) return null;
              return (
                <div role="note" aria-label={`Stored label of demo ${i + 1}`} className="mt-1 rounded-md bg-amber-50 px-3 py-2 text-xs text-amber-900 ring-1 ring-amber-200">
                  <p className="font-medium">The LM's output differs from the example's stored label:</p>
                  <ul className="mt-1 space-y-0.5">
                    {differs.map((k) => (
                      <li key={k}>
                        <span className="font-mono">{k}</span>: demo <q>{String(typeof output[k] === "string" ? output[k] : JSON.stringify(output[k]))}</q>, stored{" "}
                        <q>{String(typeof label[k] === "string" ? label[k] : JSON.stringify(label[k]))}</q>
                      </li>
                    ))}
                  </ul>
                </div>
              );
            })()}
          </li>
        );
      })}
    </ol>
  );
}

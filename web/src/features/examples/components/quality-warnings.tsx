// What a save reported without refusing it (issue #20): near-duplicates, conflicts, personal data
// and missing optional template fields, each with a link to the example it concerns.
import { Link } from "react-router";
import type { QualityWarning } from "@/lib/api-types";

const titles: Record<string, string> = {
  near_duplicate: "Near-duplicate",
  conflict: "Conflict",
  pii: "Personal data",
  missing_optional_field: "Missing optional field",
};

export function QualityWarnings({ warnings }: { warnings?: QualityWarning[] }) {
  if (!warnings || warnings.length === 0) return null;
  return (
    <div role="status" aria-label="Quality warnings" className="rounded-lg border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
      <p className="font-medium">Saved with {warnings.length === 1 ? "a warning" : `${warnings.length} warnings`}</p>
      <ul className="mt-1 space-y-1">
        {warnings.map((w, i) => (
          <li key={i} data-warning={w.type}>
            <QualityWarningLine warning={w} />
          </li>
        ))}
      </ul>
    </div>
  );
}

/** One warning: its kind, the server's message, and a link to the example it concerns. */
export function QualityWarningLine({ warning: w }: { warning: QualityWarning }) {
  return (
    <>
      <span className="font-medium">{titles[w.type] ?? w.type}:</span> {w.message}
      {typeof w.similarity === "number" && <span className="text-amber-700"> (similarity {w.similarity.toFixed(3)})</span>}
      {w.example_id && (
        <>
          {" "}
          <Link to={`/examples/${w.example_id}`} className="text-indigo-700 underline">
            open
          </Link>
        </>
      )}
    </>
  );
}

/** A short toast line for a save with warnings. */
export function warningSummary(warnings?: QualityWarning[]): string {
  if (!warnings || warnings.length === 0) return "";
  const kinds = [...new Set(warnings.map((w) => titles[w.type] ?? w.type))];
  return ` — ${warnings.length} warning${warnings.length === 1 ? "" : "s"}: ${kinds.join(", ").toLowerCase()}`;
}

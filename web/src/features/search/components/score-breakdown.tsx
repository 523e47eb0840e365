// Why a result ranked where it did: its per-stage scores {vector, keyword, fused, effectiveness} (SPEC §4.1)
// and, when effectiveness was blended, its relevance and what the exploration policy used (issue #18).
import type { SearchScores } from "@/lib/api-types";

const LABELS: [keyof SearchScores, string, string][] = [
  ["vector", "Vector", "Cosine similarity of the input embeddings"],
  ["keyword", "Keyword", "BM25 over input text, explanation and search keys"],
  ["fused", "Fused", "Reciprocal Rank Fusion of the two lists"],
  ["effectiveness", "Effectiveness", "Measured effectiveness (0.5 prior without data)"],
  ["relevance", "Relevance", "Base score relative to the best candidate, as blended with effectiveness"],
  ["effectiveness_used", "Effectiveness used", "What the exploration policy blended: posterior mean (greedy), upper bound (ucb) or a draw from the posterior (thompson)"],
];

function format(v: number): string {
  return Math.abs(v) >= 10 ? v.toFixed(1) : Math.abs(v) >= 0.01 || v === 0 ? v.toFixed(3) : v.toExponential(1);
}

export function ScoreBreakdown({ scores, similarity }: { scores?: SearchScores; similarity?: number | null }) {
  const entries = LABELS.filter(([k]) => typeof scores?.[k] === "number");
  if (entries.length === 0 && typeof similarity !== "number") return null;
  return (
    <dl className="flex flex-wrap gap-1.5" aria-label="Ranking scores">
      {entries.map(([key, label, hint]) => (
        <div key={key} title={hint} className="flex items-center gap-1 rounded-md bg-slate-50 px-2 py-1 text-[11px] ring-1 ring-slate-200 ring-inset" data-score={key}>
          <dt className="text-slate-500">{label}</dt>
          <dd className="font-mono font-semibold text-slate-800">{format(scores![key] as number)}</dd>
        </div>
      ))}
      {entries.length === 0 && typeof similarity === "number" && (
        <div className="flex items-center gap-1 rounded-md bg-slate-50 px-2 py-1 text-[11px] ring-1 ring-slate-200 ring-inset">
          <dt className="text-slate-500">Similarity</dt>
          <dd className="font-mono font-semibold text-slate-800">{format(similarity)}</dd>
        </div>
      )}
    </dl>
  );
}

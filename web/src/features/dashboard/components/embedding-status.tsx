// A small line under the dashboard header: the embedding model that serves searches and, while a
// re-embedding builds the configured model's index, its progress.
import { useEmbeddingStatus } from "../api/get-embedding-status";

export function EmbeddingStatusLine() {
  const q = useEmbeddingStatus();
  const s = q.data;
  if (!s) return null;
  const pct = Math.round(s.progress * 100);
  return (
    <div className="mb-4 text-sm text-slate-600" aria-label="Embeddings">
      Embeddings: <code className="text-xs">{s.serving_model}</code>
      {s.state === "running" ? (
        <span className="ml-2 inline-flex items-center gap-2">
          re-embedding to <code className="text-xs">{s.to_model}</code>
          <progress className="h-2 w-32" max={100} value={pct} aria-label="Re-embedding progress" />
          {s.done} / {s.total} ({pct}%) · searches use the current index until it completes
        </span>
      ) : s.state === "failed" ? (
        <span className="ml-2 text-red-700">re-embedding failed: {s.error}</span>
      ) : s.serving_model !== s.configured_model ? (
        <span className="ml-2">· configured {s.configured_model}: re-embedding due</span>
      ) : null}
    </div>
  );
}

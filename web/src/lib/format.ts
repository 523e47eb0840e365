// Display helpers shared by every feature.

export function formatDate(value?: string | number | null): string {
  if (value === undefined || value === null || value === "") return "—";
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  return d.toLocaleString(undefined, { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

export function formatRelative(value?: string | null): string {
  if (!value) return "never";
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return value;
  const secs = Math.round((Date.now() - d.getTime()) / 1000);
  if (secs < 60) return "just now";
  const mins = Math.round(secs / 60);
  if (mins < 60) return `${mins} min ago`;
  const hours = Math.round(mins / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.round(hours / 24)} days ago`;
}

/** A [0,1] score as "0.83"; null/undefined as an em dash. */
export function formatScore(v?: number | null, digits = 2): string {
  return typeof v === "number" && Number.isFinite(v) ? v.toFixed(digits) : "—";
}

export function formatPercent(v?: number | null, digits = 0): string {
  return typeof v === "number" && Number.isFinite(v) ? `${(v * 100).toFixed(digits)}%` : "—";
}

export function formatCount(v?: number | null): string {
  return typeof v === "number" && Number.isFinite(v) ? v.toLocaleString() : "—";
}

/** A one-line preview of a JSON object: `key: value · key: value`. */
export function previewJson(obj: unknown, max = 140): string {
  if (obj === null || obj === undefined) return "";
  let text: string;
  if (typeof obj === "object" && !Array.isArray(obj)) {
    text = Object.entries(obj as Record<string, unknown>)
      .map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`)
      .join(" · ");
  } else {
    text = typeof obj === "string" ? obj : JSON.stringify(obj);
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Text of a JSON value for display: strings as they are, everything else as compact JSON. */
export function valueText(v: unknown): string {
  if (typeof v === "string") return v;
  if (v === undefined) return "";
  return JSON.stringify(v);
}

export function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1).trimEnd()}…` : text;
}

/**
 * A short, human title for an example: the first non-empty input field's value (truncated), so
 * cards of the same function differ; `Example <id>` when the input is empty.
 */
export function exampleSummary(ex: { example_id: string; input?: Record<string, unknown> | null }, max = 90): string {
  for (const v of Object.values(ex.input ?? {})) {
    const text = valueText(v).replace(/\s+/g, " ").trim();
    if (text && text !== '""') return truncate(text, max);
  }
  return `Example ${shortId(ex.example_id)}`;
}

export function shortId(id?: string | null): string {
  if (!id) return "—";
  return id.length > 8 ? id.slice(0, 8) : id;
}

export function splitList(value: string): string[] {
  return value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Triggers a browser download of `content`. */
export function downloadText(content: string, filename: string, mediaType = "text/plain"): void {
  downloadBlob(new Blob([content], { type: mediaType }), filename);
}

/** Triggers a browser download of `blob`. */
export function downloadBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function cn(...parts: (string | false | null | undefined)[]): string {
  return parts.filter(Boolean).join(" ");
}

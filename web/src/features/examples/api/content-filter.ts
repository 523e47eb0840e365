// Content filters (issue #20): "defect_type=crack" in the filter panel becomes
// `output.defect_type=crack` on GET /examples and `"output.defect_type": "crack"` in a search body;
// several comma-separated values mean any of them.

export type ContentFilter = { key: string; values: string[] };

/** Parses "key=value[, value…]"; null when it is not of that form. */
export function parseContentFilter(raw: string | undefined): ContentFilter | null {
  if (!raw) return null;
  const eq = raw.indexOf("=");
  if (eq <= 0) return null;
  const key = raw.slice(0, eq).trim();
  const values = raw
    .slice(eq + 1)
    .split(",")
    .map((v) => v.trim())
    .filter(Boolean);
  if (!key || values.length === 0) return null;
  return { key, values };
}

/** Why a typed content filter cannot be used, or null (empty means no filter). */
export function contentFilterError(raw: string): string | null {
  if (raw.trim() === "") return null;
  return parseContentFilter(raw) ? null : "Write field=value, e.g. defect_type=crack";
}

/** Query parameters for GET /examples (a repeated parameter means any of its values). */
export function contentListParams(side: "input" | "output", raw: string | undefined): Record<string, string[]> {
  const f = parseContentFilter(raw);
  return f ? { [`${side}.${f.key}`]: f.values } : {};
}

/** Search body keys: one value is equality, several are {"in": [...]}. */
export function contentSearchBody(side: "input" | "output", raw: string | undefined): Record<string, string | { in: string[] }> {
  const f = parseContentFilter(raw);
  if (!f) return {};
  return { [`${side}.${f.key}`]: f.values.length === 1 ? f.values[0] : { in: f.values } };
}

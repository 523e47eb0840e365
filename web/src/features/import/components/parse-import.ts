// Parses an import file (JSONL, JSON array or CSV) into records, checking each the way the server
// will, so the preview can show per-line errors before anything is sent. Pure: no React, no I/O.
import { DIFFICULTIES, type JsonObject } from "@/lib/api-types";
import { truncate } from "@/lib/format";

export type ImportFormat = "jsonl" | "json" | "csv";

/** One record of the file: `where` names it for people ("line 3", "item 2", "row 5"). */
export type ImportRow = { where: string; record: JsonObject | null; error: string | null };

export const MAX_IMPORT_RECORDS = 10_000;

export function detectFormat(filename: string, text: string): ImportFormat {
  const name = filename.toLowerCase();
  if (name.endsWith(".csv")) return "csv";
  if (name.endsWith(".jsonl") || name.endsWith(".ndjson")) return "jsonl";
  if (name.endsWith(".json")) return "json";
  const head = text.trimStart();
  if (head.startsWith("[")) return "json";
  if (head.startsWith("{")) return "jsonl";
  return "csv";
}

const isObject = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

/** The first problem the server would report for this record, or null. */
export function recordError(v: unknown): string | null {
  if (!isObject(v)) return "not a JSON object";
  if (!("input" in v)) return "input: field required";
  if (!isObject(v.input)) return "input: must be a JSON object";
  if (Object.keys(v.input).length === 0) return "input: must have at least one field";
  const out = v.expected_output;
  if (out === undefined) return "expected_output: field required";
  if (!isObject(out)) return "expected_output: must be a JSON object";
  if (Object.keys(out).length === 0) return "expected_output: must have at least one field";
  if (v.difficulty !== undefined && v.difficulty !== null && !DIFFICULTIES.includes(v.difficulty as never)) return "difficulty: must be easy, medium or hard";
  if (v.domain !== undefined && v.domain !== null && (typeof v.domain !== "string" || !v.domain.trim())) return "domain: must be a non-empty string";
  if (v.quality_score !== undefined && v.quality_score !== null) {
    const q = v.quality_score;
    if (typeof q !== "number" || q < 0 || q > 1) return "quality_score: must be a number between 0 and 1";
  }
  for (const key of ["capability_tags", "search_keys"]) {
    const list = v[key];
    if (list !== undefined && list !== null && (!Array.isArray(list) || list.some((t) => typeof t !== "string"))) return `${key}: must be a list of strings`;
  }
  return null;
}

function row(where: string, value: unknown, parseError?: string): ImportRow {
  if (parseError) return { where, record: null, error: parseError };
  const error = recordError(value);
  return { where, record: isObject(value) ? value : null, error };
}

function jsonMessage(e: unknown): string {
  return `invalid JSON: ${e instanceof Error ? e.message : String(e)}`;
}

/** RFC 4180 CSV: quoted fields may hold commas, quotes ("") and newlines. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let field = "";
  let current: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === "") quoted = true;
    else if (c === ",") {
      current.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      current.push(field);
      field = "";
      if (current.some((f) => f !== "") || current.length > 1) rows.push(current);
      current = [];
    } else field += c;
  }
  if (field !== "" || current.length > 0) {
    current.push(field);
    rows.push(current);
  }
  return rows;
}

// Columns whose cells hold JSON (as in the server's CSV export).
const JSON_COLUMNS = new Set(["input", "expected_output", "capability_tags", "search_keys", "quality_score"]);

function csvRows(text: string): ImportRow[] {
  const table = parseCsv(text.replace(/^\uFEFF/, ""));
  if (table.length === 0) return [];
  const header = table[0].map((h) => h.trim());
  // Without an input column no row can become an example: most likely this is not a CSV at all
  // (a .txt read as CSV), so say what the file should be rather than failing every row.
  if (!header.includes("input")) {
    const first = truncate(table[0].join(",").trim(), 60);
    throw new Error(`This file is neither JSON Lines, a JSON array nor CSV with an "input" column (its first line reads "${first}").`);
  }
  return table.slice(1).map((cells, r) => {
    const where = `row ${r + 2}`;
    if (cells.length !== header.length) return row(where, null, `expected ${header.length} columns, got ${cells.length}`);
    const record: JsonObject = {};
    for (let c = 0; c < header.length; c++) {
      const value = cells[c];
      if (value === "") continue;
      const col = header[c];
      if (!JSON_COLUMNS.has(col)) {
        // The server's CSV export writes a text that a spreadsheet would run as a formula (= + - @
        // TAB CR), or that starts with an apostrophe, after an apostrophe: exactly one comes off.
        record[col] = value.startsWith("'") ? value.slice(1) : value;
        continue;
      }
      try {
        record[col] = JSON.parse(value);
      } catch {
        // Spreadsheets write lists as "a;b;c".
        if (col === "capability_tags" || col === "search_keys") record[col] = value.split(";").filter(Boolean);
        else return row(where, null, `column ${col} is not valid JSON`);
      }
    }
    return row(where, record);
  });
}

/** Parses the whole file; throws an Error with a readable message when the file itself is unusable. */
export function parseImport(text: string, format: ImportFormat): ImportRow[] {
  let rows: ImportRow[];
  if (format === "json") {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (e) {
      throw new Error(`The file is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (isObject(data) && Array.isArray(data.examples)) data = data.examples;
    if (!Array.isArray(data)) throw new Error('Expected a JSON array of examples (or {"examples": [...]})');
    rows = data.map((v, i) => row(`item ${i + 1}`, v));
  } else if (format === "jsonl") {
    rows = [];
    text.split("\n").forEach((raw, i) => {
      const line = raw.replace(/\r$/, "");
      if (!line.trim()) return;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (e) {
        rows.push(row(`line ${i + 1}`, null, jsonMessage(e)));
        return;
      }
      rows.push(row(`line ${i + 1}`, value));
    });
  } else {
    rows = csvRows(text);
  }
  if (rows.length > MAX_IMPORT_RECORDS) throw new Error(`The file has ${rows.length.toLocaleString()} records; import at most ${MAX_IMPORT_RECORDS.toLocaleString()} at a time.`);
  return rows;
}

export type DuplicatePolicy = "skip" | "copy";

/**
 * The record as sent: `databitId` (when chosen) replaces each row's template; with the "copy"
 * policy the ids are dropped so a record that names an existing example becomes a new one
 * (the server otherwise keeps the stored example and reports it as existing).
 */
export function prepareRecord(record: JsonObject, databitId: string, policy: DuplicatePolicy): JsonObject {
  const out: JsonObject = { ...record };
  if (databitId) out.databit_id = databitId;
  if (policy === "copy") {
    delete out.example_id;
    delete out.client_id;
  }
  return out;
}

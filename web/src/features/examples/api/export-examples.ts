import { useMutation } from "@tanstack/react-query";
import { requestText } from "@/lib/api-client";
import { downloadText } from "@/lib/format";
import { filterQuery, type ExampleFilters } from "./get-examples";

/** GET /examples/export?format=jsonl — the whole (filtered) store as JSON Lines. The output-value
 * filter goes as `output.<field>` parameters, as the list sends it (a plain `output` is no
 * parameter of the export: a 422). */
export function exportExamples(filters: ExampleFilters = {}): Promise<string> {
  return requestText("/examples/export", { query: { format: "jsonl", ...filterQuery(filters) } });
}

/** Keeps only the lines whose example id is in `ids` (lines that are not JSON are dropped). */
export function filterJsonl(jsonl: string, ids: Set<string>): string {
  return jsonl
    .split("\n")
    .filter((line) => {
      if (!line.trim()) return false;
      try {
        const row = JSON.parse(line) as { example_id?: string; id?: string };
        return ids.has(row.example_id ?? row.id ?? "");
      } catch {
        return false;
      }
    })
    .map((line) => `${line}\n`)
    .join("");
}

type ExportArgs = { filters?: ExampleFilters; ids?: string[] };

export function useExportExamples() {
  return useMutation({
    mutationFn: async ({ filters, ids }: ExportArgs) => {
      const all = await exportExamples(filters);
      const content = ids && ids.length > 0 ? filterJsonl(all, new Set(ids)) : all;
      const stamp = new Date().toISOString().slice(0, 10);
      downloadText(content, `examples-${stamp}.jsonl`, "application/x-ndjson");
      return content.split("\n").filter(Boolean).length;
    },
  });
}

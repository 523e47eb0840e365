import { useQueries } from "@tanstack/react-query";
import type { Example } from "@/lib/api-types";
import { exampleQueryOptions } from "./get-example";

/** Cap on examples fetched one by one for labels (the rest keep their short id). */
export const MAX_LOOKUPS = 50;

/**
 * Looks up several examples by id (GET /examples/{id} each, shared with the detail cache) to
 * label lists of ids; a deleted example maps to `null`, one still loading is absent.
 */
export function useExamplesById(ids: string[]): Map<string, Example | null> {
  const wanted = [...new Set(ids)].slice(0, MAX_LOOKUPS);
  const results = useQueries({ queries: wanted.map((id) => ({ ...exampleQueryOptions(id), staleTime: 60_000 })) });
  const out = new Map<string, Example | null>();
  results.forEach((r, i) => {
    if (r.data) out.set(wanted[i], r.data);
    else if (r.isError) out.set(wanted[i], null);
  });
  return out;
}

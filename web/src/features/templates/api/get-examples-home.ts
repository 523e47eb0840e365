import { queryOptions, useQuery } from "@tanstack/react-query";
import { api } from "@/lib/api-client";
import type { ExampleList, Template } from "@/lib/api-types";
import { getTemplate } from "./get-template";

/** How many versions up the parent chain to look for examples: lines are short. */
const MAX_HOPS = 10;

/** The version whose examples a template's Examples link shows, and how many it has. */
export type ExamplesHome = { id: string; version: string; total: number };

/**
 * Examples are stored under the version they were written for (databit_id); a version made by
 * New version or by accepting a run starts with none of its own, and works with its line's. This
 * walks up `parent_template_id` to the nearest version that has examples (the template itself when
 * it has some, or when no ancestor has any).
 */
export async function getExamplesHome(template: Template, signal?: AbortSignal): Promise<ExamplesHome> {
  const count = async (id: string) => (await api.get<ExampleList>("/examples", { databit_id: id, page: 1, page_size: 1 }, signal)).total;
  const own: ExamplesHome = { id: template.id, version: template.version, total: await count(template.id) };
  let at = template;
  for (let hop = 0; own.total === 0 && at.parent_template_id && hop < MAX_HOPS; hop++) {
    at = await getTemplate(at.parent_template_id, signal);
    const total = await count(at.id);
    if (total > 0) return { id: at.id, version: at.version, total };
  }
  return own;
}

export function useExamplesHome(template: Template) {
  return useQuery(
    queryOptions({
      queryKey: ["examples", "home", template.id, template.parent_template_id ?? null],
      queryFn: ({ signal }) => getExamplesHome(template, signal),
    }),
  );
}

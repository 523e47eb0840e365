import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api } from "@/lib/api-client";
import type { Template } from "@/lib/api-types";
import type { Finding } from "./export-dspy";

/**
 * How an imported demo was linked: to the example it names (`id`), to one with the same input and
 * labels (`exact`, or `normalized` text), to one with the same input only (`input`,
 * `input_normalized`), to an example made for it (`created`), or to none.
 */
export type DemoMatch = "id" | "exact" | "normalized" | "input" | "input_normalized" | "created" | "none" | string;
export type ImportedDemo = {
  index: number;
  example_id: string | null;
  /** The example's version whose content the demo holds (an older one when it was edited since). */
  example_version?: number;
  match: DemoMatch;
  augmented?: boolean;
  /** Linked to a deleted (not purged) example: restore it to use it again. */
  deleted?: boolean;
  /** Holds a purged example's content: never linked, and no example is created from it. */
  purged?: boolean;
  /** Why a demo is unmatched, or what its link means (a deleted example). */
  reason?: string;
};

/** Answer of POST /templates/{id}/import-dspy (README "DSPy"). */
export type ImportDspyResponse = {
  /** The new draft version (or, for a repeat, the version the same program made before). */
  template: Template;
  module?: string;
  demos?: ImportedDemo[];
  /** Indexes of the demos linked to no example. */
  unmatched?: number[];
  created_example_ids?: string[];
  already_imported?: boolean;
  findings?: Finding[];
};

/** The program state is sent as it is: the server checks it against the template's signature. */
export function importDspy(templateId: string, program: unknown, createExamples: boolean): Promise<ImportDspyResponse> {
  return api.post<ImportDspyResponse>(`/templates/${encodeURIComponent(templateId)}/import-dspy`, program, createExamples ? { create_examples: true } : undefined);
}

export function useImportDspy(templateId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ program, createExamples }: { program: unknown; createExamples: boolean }) => importDspy(templateId, program, createExamples),
    onSuccess: (res) =>
      Promise.all([
        qc.invalidateQueries({ queryKey: ["templates"] }),
        res.created_example_ids?.length ? qc.invalidateQueries({ queryKey: ["examples"] }) : null,
      ]),
  });
}

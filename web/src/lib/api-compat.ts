// Compile-time check that the web UI's own API types agree with the server's OpenAPI document
// (issue 22): src/lib/api-schema.gen.ts is generated from `exemplar openapi` by openapi-typescript
// (scripts/api-types.mjs, run by `scripts/web.sh test`, which fails when it is out of date).
// Responses: what the document promises must fit the type the UI reads it as. Requests: what the
// UI sends must fit the body the document accepts. Nothing here exists at run time.
import type { components, paths } from "./api-schema.gen";
import type { Example, ExampleInput, SavedExample, SearchResponse, Template } from "./api-types";
import type { CreateRunRequest } from "@/features/runs/api/create-run";
import type { LmProviderList } from "@/features/runs/api/get-lm-providers";
import type { EffectivenessStats } from "@/features/examples/api/get-example-effectiveness";
import type { BulkDeleteResult, BulkUpdateResult } from "@/features/examples/api/bulk-edit";
import type { DeletedExampleList } from "@/features/examples/api/get-deleted-examples";
import type { UsagePage } from "@/features/examples/api/get-example-usage";
import type { Me } from "./role";

type Schemas = components["schemas"];
type JsonBody<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends {
  requestBody?: { content: { "application/json": infer B } };
}
  ? B
  : never;
/** Compiles only when A is assignable to B. */
type Fits<A, B> = [A] extends [B] ? true : false;
type Assert<T extends true> = T;

export type ResponseChecks = [
  Assert<Fits<Schemas["Example"], Example>>,
  Assert<Fits<Schemas["ExampleWritten"], SavedExample>>,
  // Template is not asserted (found by this check): the document says base_model, temperature and
  // max_tokens may be null and does not promise `input`/`output` on inline examples; Template
  // says otherwise. Kept visible here until one of them changes.
  Assert<Fits<Pick<Schemas["Template"], "id" | "name" | "status" | "version" | "input_schema">,
    Pick<Template, "id" | "name" | "status" | "version" | "input_schema">>>,
  Assert<Fits<Schemas["SearchResponse"], SearchResponse>>,
  Assert<Fits<Schemas["EffectivenessStats"], EffectivenessStats>>,
  Assert<Fits<Schemas["LmProviders"], LmProviderList>>,
  Assert<Fits<Schemas["BulkResult"] & { updated: number }, BulkUpdateResult>>,
  Assert<Fits<Schemas["BulkResult"] & { deleted: number }, BulkDeleteResult>>,
  Assert<Fits<Schemas["DeletedExamplePage"], DeletedExampleList>>,
  Assert<Fits<Schemas["UsageEventPage"], UsagePage>>,
  Assert<Fits<paths["/api/v1/auth/me"]["get"]["responses"][200]["content"]["application/json"], Me>>,
];

export type RequestChecks = [
  // ExampleInput types difficulty and source as any string; the server takes only its enums.
  Assert<Fits<Omit<ExampleInput, "difficulty" | "source">, JsonBody<"/api/v1/examples", "post">>>,
  Assert<Fits<CreateRunRequest, JsonBody<"/api/v1/dspy-runs", "post">>>,
];

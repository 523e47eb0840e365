import { describe, expect, it } from "vitest";
import { mockFetch, route } from "@/testing/mock-fetch";
import { ApiError, api, buildUrl, fieldKey } from "./api-client";

describe("api client errors", () => {
  it("maps a 422 detail list to per-field messages", async () => {
    mockFetch(
      route("POST", "/examples", () => [
        422,
        {
          detail: [
            { loc: ["body", "input"], msg: "must be a JSON object", type: "type_error" },
            { loc: ["body", "input_schema", 0, "name"], msg: "is a Python keyword", type: "value_error" },
            { loc: ["body", "input"], msg: "too deep", type: "value_error" },
          ],
          code: "validation_error",
        },
      ]),
    );
    const err = await api.post("/examples", { input: [] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    const e = err as ApiError;
    expect(e.status).toBe(422);
    expect(e.code).toBe("validation_error");
    expect(e.fieldErrors).toEqual({ input: "must be a JSON object; too deep", "input_schema.0.name": "is a Python keyword" });
  });

  it("keeps a string detail and code for other errors", async () => {
    mockFetch(route("PUT", "/templates/t1", () => [409, { detail: "Published templates are immutable", code: "conflict" }]));
    const e = (await api.put("/templates/t1", {}).catch((x: unknown) => x)) as ApiError;
    expect(e.message).toBe("Published templates are immutable");
    expect(e.code).toBe("conflict");
    expect(e.fieldErrors).toEqual({});
  });

  it("builds query strings without empty values", () => {
    expect(buildUrl("/examples", { domain: "a b", page: 2, tag: undefined, q: "" })).toBe("/api/v1/examples?domain=a+b&page=2");
    expect(fieldKey(["query", "k"])).toBe("k");
    expect(fieldKey(["body"])).toBe("_form");
  });
});

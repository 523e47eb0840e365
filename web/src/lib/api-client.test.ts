import { describe, expect, it, vi } from "vitest";
import { mockFetch, route } from "@/testing/mock-fetch";
import { ApiError, api, buildUrl, errorReport, fieldKey, request } from "./api-client";
import { authState, signIn } from "./auth";

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

  it("keeps the id the server logged the request under: the body's request_id, else the X-Request-Id header", async () => {
    mockFetch(route("GET", "/examples", () => [500, { detail: "internal error", code: "internal", request_id: "body-id-1" }]));
    expect(((await api.get("/examples").catch((x: unknown) => x)) as ApiError).requestId).toBe("body-id-1");

    // A proxy's page (no JSON body) still carries the header.
    vi.stubGlobal("fetch", async () => new Response("<html>Bad gateway</html>", { status: 502, headers: { "X-Request-Id": "header-id-2" } }));
    const e = (await api.get("/examples").catch((x: unknown) => x)) as ApiError;
    expect(e.status).toBe(502);
    expect(e.requestId).toBe("header-id-2");

    vi.stubGlobal("fetch", async () => new Response("{}", { status: 500 }));
    expect(((await api.get("/examples").catch((x: unknown) => x)) as ApiError).requestId).toBeNull();
    // A toast names it after the message.
    expect(errorReport(e)).toBe("502 request failed (request id header-id-2)");
    expect(errorReport(new ApiError(0, null, "Cannot reach the server."))).toBe("Cannot reach the server.");
  });

  it("builds query strings without empty values", () => {
    expect(buildUrl("/examples", { domain: "a b", page: 2, tag: undefined, q: "" })).toBe("/api/v1/examples?domain=a+b&page=2");
    expect(fieldKey(["query", "k"])).toBe("k");
    expect(fieldKey(["body"])).toBe("_form");
  });
});

describe("api client and the API token", () => {
  const examples = route("GET", "/examples", (c) =>
    c.headers.Authorization === "Bearer exm_good"
      ? [200, { examples: [], total: 0, page: 1, page_size: 18 }]
      : [401, { detail: c.headers.Authorization ? "invalid or revoked token" : "missing bearer token", code: "unauthenticated" }],
  );

  it("sends no Authorization until a token is signed in, then sends it on every call", async () => {
    const { calls } = mockFetch(examples, route("POST", "/examples", () => [201, {}]));
    await api.get("/examples").catch(() => undefined);
    expect(calls[0].headers.Authorization).toBeUndefined();

    signIn("exm_good");
    await api.get("/examples");
    await api.post("/examples", { input: {} });
    expect(calls.slice(1).map((c) => c.headers.Authorization)).toEqual(["Bearer exm_good", "Bearer exm_good"]);
    // Kept for the tab's session only.
    expect(sessionStorage.getItem("exemplar.api_token")).toBe("exm_good");
    expect(localStorage.length).toBe(0);
  });

  it("turns a 401 into the sign-in state", async () => {
    mockFetch(examples);
    const e = (await api.get("/examples").catch((x: unknown) => x)) as ApiError;
    expect(e.status).toBe(401);
    expect(e.message).toBe("missing bearer token");
    expect(authState()).toMatchObject({ token: null, required: true, prompt: true, refused: null });
  });

  it("forgets a held token the server refuses, and says why", async () => {
    mockFetch(examples);
    signIn("exm_revoked");
    await api.get("/examples").catch(() => undefined);
    expect(authState()).toMatchObject({ token: null, required: true, prompt: true, refused: "invalid or revoked token" });
    expect(sessionStorage.getItem("exemplar.api_token")).toBeNull();
  });

  it("keeps a new token when a request sent before it answers 401", async () => {
    let answer: (r: Response) => void = () => undefined;
    vi.stubGlobal("fetch", () => new Promise<Response>((resolve) => (answer = resolve)));
    const pending = api.get("/examples").catch((x: unknown) => x);
    await Promise.resolve();
    signIn("exm_good");
    answer(new Response(JSON.stringify({ detail: "missing bearer token", code: "unauthenticated" }), { status: 401 }));
    expect(((await pending) as ApiError).status).toBe(401);
    expect(authState()).toMatchObject({ token: "exm_good", required: false, prompt: false });
  });

  it("keeps a 403 an ordinary error with the server's message, not a sign-in", async () => {
    mockFetch(route("POST", "/examples", () => [403, { detail: "this token's role (read) cannot POST /api/v1/examples; it needs write", code: "permission_denied" }]));
    signIn("exm_read");
    const e = (await api.post("/examples", { input: {} }).catch((x: unknown) => x)) as ApiError;
    expect(e.status).toBe(403);
    expect(e.message).toBe("this token's role (read) cannot POST /api/v1/examples; it needs write");
    expect(authState()).toMatchObject({ token: "exm_read", required: false, prompt: false });
  });

  it("checks a typed token without keeping it or opening the sign-in", async () => {
    const { calls } = mockFetch(examples);
    const e = (await request("/examples", { token: "exm_wrong" }).catch((x: unknown) => x)) as ApiError;
    expect(calls[0].headers.Authorization).toBe("Bearer exm_wrong");
    expect(e.message).toBe("invalid or revoked token");
    expect(authState()).toMatchObject({ token: null, required: false, prompt: false });
  });
});

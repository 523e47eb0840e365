// Mocks `fetch` at the network boundary: each handler sees the method, path and parsed body and
// returns [status, json] or undefined to fall through. Unmatched requests answer 404.
import { vi } from "vitest";

export type Call = { method: string; path: string; query: URLSearchParams; body: unknown; headers: Record<string, string> };
type Handler = (call: Call) => [number, unknown] | undefined;

export function mockFetch(...handlers: Handler[]) {
  const calls: Call[] = [];
  const fn = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), "http://localhost");
    const call: Call = {
      method: (init?.method ?? "GET").toUpperCase(),
      path: url.pathname,
      query: url.searchParams,
      body: typeof init?.body === "string" ? JSON.parse(init.body) : undefined,
      headers: { ...(init?.headers as Record<string, string> | undefined) },
    };
    calls.push(call);
    for (const h of handlers) {
      const hit = h(call);
      if (hit) {
        const [status, json] = hit;
        return new Response(status === 204 ? null : JSON.stringify(json), { status, headers: { "Content-Type": "application/json" } });
      }
    }
    return new Response(JSON.stringify({ detail: "Not found", code: "not_found" }), { status: 404 });
  });
  vi.stubGlobal("fetch", fn);
  return { fn, calls };
}

/** Matches `METHOD /api/v1/path` exactly. */
export const route =
  (method: string, path: string, reply: (call: Call) => [number, unknown]): Handler =>
  (call) =>
    call.method === method && call.path === `/api/v1${path}` ? reply(call) : undefined;

export const noTemplates = route("GET", "/templates", () => [200, { templates: [], total: 0, page: 1, page_size: 100 }]);

import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { makeExample } from "@/testing/fixtures";
import { mockFetch, noTemplates, route } from "@/testing/mock-fetch";
import { renderPage } from "@/testing/render";
import { ExampleDetailPage } from "./example-detail-page";

const id = "3f1c2d4e-0000-4000-8000-0000000000aa";

describe("a deleted example", () => {
  it("shows its kept content, history and audit trail, and restores it", async () => {
    let restored = false;
    const { calls } = mockFetch(
      noTemplates,
      route("GET", `/examples/${id}`, (c) =>
        c.query.get("include_deleted") === "true"
          ? [200, { ...makeExample({ example_id: id, input: { question: "kept text" } }), deleted: true, deleted_at: "2026-12-05T10:00:00Z", purged: false, content_hash: "ab" }]
          : restored
            ? [200, makeExample({ example_id: id })]
            : [404, { detail: "Example not found", code: "not_found" }],
      ),
      route("GET", `/examples/${id}/versions`, () => [200, { versions: [] }]),
      route("GET", `/examples/${id}/effectiveness`, () => [200, { example_id: id, total_uses: 0 }]),
      route("GET", "/audit", () => [
        200,
        { entries: [{ seq: 2, at: "2026-12-05T10:00:00Z", actor: "alice", action: "DELETE /api/v1/examples/{id}", entity: "example", entity_ids: [id], diff: { deleted: true }, request_id: null }] },
      ]),
      route("POST", `/examples/${id}/restore`, () => {
        restored = true;
        return [200, makeExample({ example_id: id })];
      }),
    );
    renderPage(<ExampleDetailPage />, { route: `/examples/${id}`, path: "/examples/:id" });
    expect(await screen.findByText("Deleted example")).toBeInTheDocument();
    expect(screen.getByText(/kept text/)).toBeInTheDocument();
    const trail = await screen.findByRole("list", { name: "Audit trail" });
    expect(within(trail).getByText("alice")).toBeInTheDocument();
    expect(within(trail).getByRole("listitem")).toHaveTextContent(/alice deleted/);
    await userEvent.click(screen.getByRole("button", { name: "Restore" }));
    expect(calls.some((c) => c.method === "POST" && c.path === `/api/v1/examples/${id}/restore`)).toBe(true);
    expect(await screen.findByRole("button", { name: "Delete" })).toBeInTheDocument();
    // Restore went away with the deleted view: keyboard focus lands on the page's heading, not <body>.
    await waitFor(() => expect(screen.getByRole("heading", { level: 1 })).toHaveFocus());
    expect(document.activeElement).not.toBe(document.body);
  });

  it("leaves the user where they went when they left before the restore answered", async () => {
    const { fn } = mockFetch(
      noTemplates,
      route("GET", `/examples/${id}`, (c) =>
        c.query.get("include_deleted") === "true"
          ? [200, { ...makeExample({ example_id: id }), deleted: true, deleted_at: "2026-12-05T10:00:00Z", purged: false, content_hash: "ab" }]
          : [404, { detail: "Example not found", code: "not_found" }],
      ),
      route("GET", `/examples/${id}/versions`, () => [200, { versions: [] }]),
      route("GET", "/audit", () => [200, { entries: [] }]),
      route("POST", `/examples/${id}/restore`, () => [200, makeExample({ example_id: id })]),
    );
    // The restore answers only when the test says so.
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    vi.stubGlobal("fetch", async (input: RequestInfo | URL, init?: RequestInit) => {
      if (init?.method === "POST") await answered;
      return fn(input, init);
    });
    const { history } = renderPage(<ExampleDetailPage />, {
      route: `/examples/${id}`,
      path: "/examples/:id",
      routes: [{ path: "/templates", element: <h1 tabIndex={-1}>Templates page</h1> }],
    });
    await userEvent.click(await screen.findByRole("button", { name: "Restore" }));
    // While the POST is pending the user opens Templates.
    act(() => history.push("/templates"));
    expect(await screen.findByText("Templates page")).toBeInTheDocument();
    await act(async () => answer());
    expect(await screen.findByText("Example restored")).toBeInTheDocument();
    // Still on Templates, whose history entry was not replaced: Back goes to the example, Forward to Templates.
    expect(history.location.pathname).toBe("/templates");
    expect(screen.getByText("Templates page")).toBeInTheDocument();
    expect(screen.getByText("Templates page")).not.toHaveFocus();
    act(() => history.go(-1));
    expect(history.location.pathname).toBe(`/examples/${id}`);
    act(() => history.go(1));
    expect(history.location.pathname).toBe("/templates");
  });
});

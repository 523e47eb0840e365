// The UI asks the server who the caller is (GET /auth/me) and hides or disables what the role
// cannot do; while it does not know (no answer, an older server), every control shows as before.
import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import DashboardPage from "@/features/dashboard/components/dashboard-page";
import { ExampleDetailPage } from "@/features/examples/components/example-detail-page";
import { ExamplesPage } from "@/features/examples/components/examples-page";
import { makeExample } from "@/testing/fixtures";
import { mockFetch, noTemplates, route, type Call } from "@/testing/mock-fetch";
import { renderPage } from "@/testing/render";

const me = (role: string) => route("GET", "/auth/me", () => [200, { role, user: `${role}-bot`, auth_required: true }]);
const list = route("GET", "/examples", () => [200, { examples: [makeExample({ example_id: "a" })], total: 1, page: 1, page_size: 18 }]);
const id = "11111111-2222-4333-8444-555555555555";
const detail = [
  route("GET", `/examples/${id}`, () => [200, makeExample({ example_id: id })]),
  route("GET", `/examples/${id}/effectiveness`, () => [200, { example_id: id, total_uses: 0 }]),
  route("GET", `/examples/${id}/versions`, () => [200, []]),
];

// The role was asked for, and its answer (or failure) has reached the page.
async function roleSettled(calls: Call[]) {
  await waitFor(() => expect(calls.some((c) => c.path === "/api/v1/auth/me")).toBe(true));
  await new Promise((r) => setTimeout(r, 20));
}

describe("role gating", () => {
  it("hides New example, Import and Freeze from a read token, and keeps Export", async () => {
    const { calls } = mockFetch(noTemplates, me("read"), list);
    renderPage(<ExamplesPage />, { route: "/examples", path: "/examples" });
    await screen.findByTestId("example-card");
    await roleSettled(calls);
    await waitFor(() => expect(screen.queryByRole("link", { name: /New example/ })).not.toBeInTheDocument());
    expect(screen.queryByRole("link", { name: /Import/ })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: /Freeze as snapshot/ })).not.toBeInTheDocument();
    expect(screen.getByRole("button", { name: /Export JSONL/ })).toBeInTheDocument();
  });

  it("shows them to a write token, and while the role is unknown (an older server: 404)", async () => {
    for (const handlers of [[me("write")], []]) {
      const { calls } = mockFetch(noTemplates, list, ...handlers);
      const { unmount } = renderPage(<ExamplesPage />, { route: "/examples", path: "/examples" });
      await screen.findByTestId("example-card");
      await roleSettled(calls);
      expect(screen.getByRole("link", { name: /New example/ })).toBeInTheDocument();
      expect(screen.getByRole("button", { name: /Freeze as snapshot/ })).toBeInTheDocument();
      unmount();
    }
  });

  it("disables the editor's Save for a read token, says why, and sends nothing", async () => {
    const { calls } = mockFetch(noTemplates, me("read"), ...detail);
    renderPage(<ExampleDetailPage />, { route: `/examples/${id}`, path: "/examples/:id" });
    const save = await screen.findByRole("button", { name: "Save changes" });
    await roleSettled(calls);
    await waitFor(() => expect(save).toBeDisabled());
    expect(save).toHaveAttribute("title", "Your token's role (read) cannot edit examples; it needs write");
    expect(screen.queryByRole("button", { name: "Delete" })).not.toBeInTheDocument();
    await userEvent.click(save);
    expect(calls.filter((c) => c.method !== "GET")).toEqual([]);
  });

  it("treats an agent token as below write: it retrieves and reports, and edits nothing", async () => {
    const { calls } = mockFetch(noTemplates, me("agent"), ...detail);
    renderPage(<ExampleDetailPage />, { route: `/examples/${id}`, path: "/examples/:id" });
    const save = await screen.findByRole("button", { name: "Save changes" });
    await roleSettled(calls);
    await waitFor(() => expect(save).toBeDisabled());
    expect(save).toHaveAttribute("title", "Your token's role (agent) cannot edit examples; it needs write");
  });

  it("enables Save and Delete for a write token", async () => {
    const { calls } = mockFetch(noTemplates, me("write"), ...detail);
    renderPage(<ExampleDetailPage />, { route: `/examples/${id}`, path: "/examples/:id" });
    const save = await screen.findByRole("button", { name: "Save changes" });
    await roleSettled(calls);
    expect(save).toBeEnabled();
    expect(save).not.toHaveAttribute("title");
    expect(screen.getByRole("button", { name: "Delete" })).toBeInTheDocument();
  });
});

describe("admin-only data", () => {
  // /auth/me answers only when the test says so: the page has long loaded by then.
  function holdRole(fn: (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>) {
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    vi.stubGlobal("fetch", async (input: RequestInfo | URL, init?: RequestInit) => {
      if (String(input).includes("/auth/me")) await answered;
      return fn(input, init);
    });
    return answer;
  }
  const audit = route("GET", "/audit", () => [200, { entries: [] }]);
  const embeddings = route("GET", "/examples/regenerate-embeddings", () => [200, { serving_model: "hash-384", configured_model: "hash-384", state: "idle", total: 0, done: 0, progress: 0 }]);
  const dashboard = route("GET", "/examples/dashboard", () => [200, { total_examples: 0, total_uses: 0, daily_usage: [], top_examples: [], bottom_examples: [], stale_examples_count: 0, domain_breakdown: [], function_breakdown: [] }]);
  const asked = (calls: Call[], path: string) => calls.some((c) => c.path === `/api/v1${path}`);

  it("asks for an example's audit trail and the re-embedding status only once the role is known to be admin", async () => {
    for (const role of ["read", "admin"]) {
      const { calls, fn } = mockFetch(noTemplates, me(role), ...detail, audit, dashboard, embeddings);
      const answer = holdRole(fn);
      const page = renderPage(<ExampleDetailPage />, { route: `/examples/${id}`, path: "/examples/:id" });
      await screen.findByRole("button", { name: "Save changes" });
      const board = renderPage(<DashboardPage />, { route: "/dashboard", path: "/dashboard" });
      await board.findByText("Examples");
      await new Promise((r) => setTimeout(r, 20));
      expect(asked(calls, "/audit")).toBe(false);
      expect(asked(calls, "/examples/regenerate-embeddings")).toBe(false);

      answer();
      await roleSettled(calls);
      if (role === "admin") {
        await waitFor(() => expect(asked(calls, "/audit")).toBe(true));
        await waitFor(() => expect(asked(calls, "/examples/regenerate-embeddings")).toBe(true));
      } else {
        expect(asked(calls, "/audit")).toBe(false);
        expect(asked(calls, "/examples/regenerate-embeddings")).toBe(false);
      }
      page.unmount();
      board.unmount();
    }
  });
});

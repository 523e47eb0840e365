import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { signIn } from "@/lib/auth";
import { describe, expect, it } from "vitest";
import { mockFetch, route } from "@/testing/mock-fetch";
import { renderPage } from "@/testing/render";
import { dashboardQueryOptions } from "../api/get-dashboard";
import DashboardPage from "./dashboard-page";

const item = (id: string, score: number | null, uses: number) => ({ example_id: id, domain: "support", function_name: "fn", effectiveness_score: score, usage_count: uses });

function dashboard(top: unknown[], bottom: unknown[]) {
  return route("GET", "/examples/dashboard", () => [
    200,
    { total_examples: 3, total_uses: 4, domain_breakdown: [], function_breakdown: [], daily_usage: [], top_examples: top, bottom_examples: bottom, stale_examples_count: 0 },
  ]);
}

describe("dashboard", () => {
  it("does not list top examples again as pruning candidates, and says why the list is empty", async () => {
    // Few examples with evidence: the server's two lists hold the same rows.
    const rows = [item("a", 0.8, 3), item("b", null, 0), item("c", null, 0)];
    mockFetch(dashboard(rows, [...rows].reverse()));
    renderPage(<DashboardPage />, { route: "/dashboard", path: "/dashboard" });
    expect(await screen.findByText("No pruning candidates yet")).toBeInTheDocument();
    expect(screen.getByText(/already among the top examples/)).toBeInTheDocument();
    expect(document.title).toBe("Dashboard · Exemplar");
  });

  it("applies the Domain and Function filters shortly after typing stops, without Enter or leaving the field", async () => {
    const { calls } = mockFetch(dashboard([], []));
    renderPage(<DashboardPage />, { route: "/dashboard", path: "/dashboard" });
    await userEvent.type(await screen.findByLabelText("Domain"), "calibration");
    await waitFor(() => expect(calls.some((c) => c.path === "/api/v1/examples/dashboard" && c.query.get("domain") === "calibration")).toBe(true), { timeout: 2000 });
    expect(calls.filter((c) => c.query.has("domain")).map((c) => c.query.get("domain"))).toEqual(["calibration"]);
    await userEvent.type(screen.getByLabelText("Function"), "classify");
    await waitFor(() => expect(calls.some((c) => c.query.get("function_name") === "classify" && c.query.get("domain") === "calibration")).toBe(true), { timeout: 2000 });
  });

  // Review s23: the usage totals read events that retention prunes; the page said nothing of it.
  it("says how far back the usage figures go, from the server's retention, and when they fall short of the period", async () => {
    let retention = { usage_retention_days: 30, max_retrievals_kept: 1000000, max_usage_events_kept: 10000000 };
    mockFetch(
      route("GET", "/examples/dashboard", () => [
        200,
        { total_examples: 3, total_uses: 4, domain_breakdown: [], function_breakdown: [], daily_usage: [], top_examples: [], bottom_examples: [], stale_examples_count: 0, ...retention },
      ]),
    );
    const { unmount } = renderPage(<DashboardPage />, { route: "/dashboard?period=90d", path: "/dashboard" });
    const note = await screen.findByRole("note", { name: "Usage window" });
    expect(note).toHaveTextContent("Usage evidence kept: last 30 days (at most 1,000,000 retrievals and 10,000,000 usage events).");
    expect(note).toHaveTextContent("The 90d usage figures cover only the last 30 days.");
    expect(screen.getByText(/Uses per day, split by outcome \(usage evidence kept: last 30 days\)/)).toBeInTheDocument();
    expect(screen.getByText("Avg effectiveness").parentElement).toHaveTextContent("all time");
    unmount();

    retention = { usage_retention_days: 0, max_retrievals_kept: 0, max_usage_events_kept: 0 };
    renderPage(<DashboardPage />, { route: "/dashboard?period=7d", path: "/dashboard" });
    const forever = await screen.findByRole("note", { name: "Usage window" });
    expect(forever).toHaveTextContent(/^Usage evidence kept: all time\. Uses/);
    expect(forever).not.toHaveTextContent("cover only");
  });

  it("lists low scorers with evidence that are not top examples", async () => {
    mockFetch(dashboard([item("a", 0.9, 5)], [item("z", 0.1, 7), item("b", null, 0), item("a", 0.9, 5)]));
    renderPage(<DashboardPage />, { route: "/dashboard", path: "/dashboard" });
    const card = (await screen.findByRole("heading", { name: "Pruning candidates" })).closest("section")!;
    const links = await within(card).findAllByRole("link");
    expect(links.map((l) => l.getAttribute("href"))).toEqual(["/examples/z"]);
  });

  it("lays the breakdowns out as tables that reflow on a phone, each value naming its column", async () => {
    mockFetch(
      route("GET", "/examples/dashboard", () => [
        200,
        {
          total_examples: 3, total_uses: 4, daily_usage: [], top_examples: [], bottom_examples: [], stale_examples_count: 0,
          domain_breakdown: [{ domain: "calibration", example_count: 9, total_uses: 33, success_rate: 0.7, avg_effectiveness: 0.62 }],
          function_breakdown: [],
        },
      ]),
    );
    renderPage(<DashboardPage />, { route: "/dashboard", path: "/dashboard" });
    const table = await screen.findByRole("table", { name: "Usage by domain" });
    expect(table).toHaveClass("stack-table");
    const cells = [...table.querySelectorAll("tbody td")];
    expect(cells[0]).toHaveClass("stack-title");
    expect(cells.slice(1).map((td) => [td.getAttribute("data-label"), td.textContent])).toEqual([
      ["Examples", "9"],
      ["Uses", "33"],
      ["Success rate", "70%"],
      ["Avg effectiveness", "0.62"],
    ]);
  });

  it("refreshes itself every minute", () => {
    expect(dashboardQueryOptions({ period: "30d" }).refetchInterval).toBe(60_000);
  });
});

describe("embedding status", () => {
  it("shows the serving model and a re-embedding's progress", async () => {
    mockFetch(
      dashboard([], []),
      route("GET", "/examples/regenerate-embeddings", () => [
        200,
        { serving_model: "hash-384", configured_model: "local:all-MiniLM-L6-v2", state: "running", to_model: "local:all-MiniLM-L6-v2", total: 200, done: 50, progress: 0.25 },
      ]),
    );
    renderPage(<DashboardPage />, { route: "/dashboard", path: "/dashboard" });
    expect(await screen.findByText(/50 \/ 200 \(25%\)/)).toBeInTheDocument();
    expect(screen.getByRole("progressbar", { name: "Re-embedding progress" })).toHaveAttribute("value", "25");
    expect(screen.getByText("hash-384")).toBeInTheDocument();
  });

  it("does not ask again in this session once the server refused it (403: a write token, not an admin's)", async () => {
    signIn("exm_writer");
    const { calls } = mockFetch(dashboard([], []), route("GET", "/examples/regenerate-embeddings", () => [403, { detail: "needs the admin role", code: "forbidden" }]));
    const asked = () => calls.filter((c) => c.path === "/api/v1/examples/regenerate-embeddings").length;
    const first = renderPage(<DashboardPage />, { route: "/dashboard", path: "/dashboard" });
    await waitFor(() => expect(asked()).toBe(1));
    first.unmount();
    // Another visit (a fresh cache, as after the cached answer was dropped): no second refused call.
    renderPage(<DashboardPage />, { route: "/dashboard", path: "/dashboard" });
    await screen.findByRole("heading", { name: "Daily usage" });
    await new Promise((r) => setTimeout(r, 50));
    expect(asked()).toBe(1);
    expect(screen.queryByLabelText("Embeddings")).not.toBeInTheDocument();
  });
});

describe("dashboard details", () => {
  it("does not offer the (none) function as a filter: it is plain text, named functions are buttons", async () => {
    mockFetch(
      route("GET", "/examples/dashboard", () => [
        200,
        {
          total_examples: 3, total_uses: 4, daily_usage: [], top_examples: [], bottom_examples: [], stale_examples_count: 0, domain_breakdown: [],
          function_breakdown: [
            { function_name: "classify", example_count: 2, total_uses: 3, success_rate: 0.5, avg_effectiveness: 0.5 },
            { function_name: null, example_count: 1, total_uses: 1, success_rate: 1, avg_effectiveness: 0.6 },
          ],
        },
      ]),
    );
    renderPage(<DashboardPage />, { route: "/dashboard", path: "/dashboard" });
    const table = await screen.findByRole("table", { name: "Usage by function" });
    expect(within(table).getByRole("button", { name: "classify" })).toBeInTheDocument();
    expect(within(table).queryByRole("button", { name: "(none)" })).not.toBeInTheDocument();
    expect(within(table).getByText("(none)")).toBeInTheDocument();
  });

  it("says there is no usage yet instead of drawing an empty chart, and offers to add examples to an empty store", async () => {
    mockFetch(
      route("GET", "/examples/dashboard", () => [
        200,
        {
          total_examples: 0, total_uses: 0, top_examples: [], bottom_examples: [], stale_examples_count: 0, domain_breakdown: [], function_breakdown: [],
          daily_usage: [{ date: "2026-12-06", uses: 0, successes: 0, failures: 0 }, { date: "2026-12-07", uses: 0, successes: 0, failures: 0 }],
        },
      ]),
    );
    renderPage(<DashboardPage />, { route: "/dashboard", path: "/dashboard" });
    expect(await screen.findByText("No uses in the last 30d")).toBeInTheDocument();
    expect(screen.queryByRole("img", { name: /Daily usage over/ })).not.toBeInTheDocument();
    expect(screen.getByRole("link", { name: "New example" })).toHaveAttribute("href", "/examples/new");
    expect(screen.getByRole("link", { name: "Import" })).toHaveAttribute("href", "/examples/import");
  });
});

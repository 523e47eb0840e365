import { screen, within } from "@testing-library/react";
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
});

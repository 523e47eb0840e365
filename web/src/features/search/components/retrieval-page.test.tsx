import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { mockFetch, route } from "@/testing/mock-fetch";
import { renderPage } from "@/testing/render";
import RetrievalPage from "./retrieval-page";

describe("retrieval explanation", () => {
  it("shows why each example was chosen: relevance and the Thompson draw", async () => {
    mockFetch(
      route("GET", "/examples/retrievals/r1", () => [
        200,
        {
          retrieval_id: "r1",
          query: "bias voltage drift",
          example_ids: ["aaaaaaaa-1", "bbbbbbbb-2"],
          created_at: "2026-12-05T10:00:00Z",
          outcome: null,
          exploration: "thompson",
          seed: 12345,
          ranking: [
            { example_id: "aaaaaaaa-1", why: { relevance: 0.98, effectiveness: 0.2, effectiveness_used: 0.61, rank_score: 0.795 } },
            { example_id: "bbbbbbbb-2", why: { relevance: 1, effectiveness: null, effectiveness_used: 0.43, rank_score: 0.715 } },
          ],
        },
      ]),
    );
    renderPage(<RetrievalPage />, { route: "/retrievals/r1", path: "/retrievals/:id" });
    const table = await screen.findByRole("table", { name: "Ranking reasons" });
    expect(within(table).getByText("Effectiveness draw")).toBeInTheDocument();
    const rows = within(table).getAllByRole("row");
    expect(rows[1]).toHaveTextContent("0.980");
    expect(rows[1]).toHaveTextContent("0.610");
    expect(rows[2]).toHaveTextContent("no data");
    expect(screen.getByTestId("retrieval-seed")).toHaveTextContent("seed 12345");
    expect(screen.getByText(/Thompson sampling/)).toBeInTheDocument();
    // On a phone the table reflows (stack-table): every value cell names its column.
    expect(table).toHaveClass("stack-table");
    const labels = [...rows[1].querySelectorAll("td[data-label]")].map((td) => td.getAttribute("data-label"));
    expect(labels).toEqual(["Relevance", "Effectiveness (mean)", "Effectiveness draw", "Rank score"]);
  });

  it("shows the outcome each example was credited with, its own when the agent named it", async () => {
    mockFetch(
      route("GET", "/examples/retrievals/r5", () => [
        200,
        {
          retrieval_id: "r5",
          query: "q",
          example_ids: ["e1", "e2", "e3"],
          created_at: "2026-12-05T10:00:00Z",
          outcome: "success",
          example_outcomes: { e1: "success", e2: "failure" },
          actor: "support-bot",
          outcome_actor: "triage-bot",
          exploration: "thompson",
          seed: 3,
          ranking: ["e1", "e2", "e3"].map((id) => ({ example_id: id, why: { relevance: 1, effectiveness: 0.6, effectiveness_used: 0.7, rank_score: 0.85 } })),
        },
      ]),
    );
    renderPage(<RetrievalPage />, { route: "/retrievals/r5", path: "/retrievals/:id" });
    const table = await screen.findByRole("table", { name: "Ranking reasons" });
    const rows = within(table).getAllByRole("row");
    expect(within(rows[0]).getByText("Credited")).toBeInTheDocument();
    expect(rows[1].querySelector('td[data-label="Credited"]')).toHaveTextContent("success");
    expect(rows[2].querySelector('td[data-label="Credited"]')).toHaveTextContent("failure");
    expect(rows[3].querySelector('td[data-label="Credited"]')).toHaveTextContent("not credited");
    // Who asked and who reported: two agents (review s22 P2-4).
    expect(screen.getByTestId("retrieval-actor")).toHaveTextContent("retrieved by support-bot");
    expect(screen.getByTestId("outcome-actor")).toHaveTextContent("reported by triage-bot");
  });

  it("names each example by its input once loaded", async () => {
    mockFetch(
      route("GET", "/examples/retrievals/r3", () => [
        200,
        { retrieval_id: "r3", query: "q", example_ids: ["e1"], created_at: "2026-12-05T10:00:00Z", outcome: "success", exploration: "ucb", seed: 7, ranking: [{ example_id: "e1", why: { relevance: 1, effectiveness: 0.5, effectiveness_used: 0.8, rank_score: 0.9 } }] },
      ]),
      route("GET", "/examples/e1", () => [200, { example_id: "e1", input: { question: "How is the HV supply checked?" }, expected_output: { a: 1 } }]),
    );
    renderPage(<RetrievalPage />, { route: "/retrievals/r3", path: "/retrievals/:id" });
    expect(await screen.findByRole("link", { name: /How is the HV supply checked\?/ })).toHaveAttribute("href", "/examples/e1");
    expect(screen.getByText("Effectiveness upper bound")).toBeInTheDocument();
    expect(screen.queryByTestId("prior-only")).not.toBeInTheDocument();
  });

  it("says nothing was drawn when no example has outcomes yet", async () => {
    const row = (id: string, relevance: number) => ({ example_id: id, why: { relevance, effectiveness: null, effectiveness_used: 0.5, rank_score: 0.5 * relevance + 0.25 } });
    mockFetch(
      route("GET", "/examples/retrievals/r4", () => [
        200,
        { retrieval_id: "r4", query: "q", example_ids: ["e1", "e2"], created_at: "2026-12-05T10:00:00Z", outcome: null, exploration: "thompson", seed: 3, ranking: [row("e1", 1), row("e2", 0.9)] },
      ]),
    );
    renderPage(<RetrievalPage />, { route: "/retrievals/r4", path: "/retrievals/:id" });
    expect(await screen.findByTestId("prior-only")).toHaveTextContent("nothing was drawn");
  });

  it("keeps its heading when the retrieval is not found", async () => {
    mockFetch(route("GET", "/examples/retrievals/nope", () => [404, { code: "not_found", detail: "Retrieval not found" }]));
    renderPage(<RetrievalPage />, { route: "/retrievals/nope", path: "/retrievals/:id" });
    expect(await screen.findByText("Retrieval not found")).toBeInTheDocument();
    expect(screen.getByRole("heading", { level: 1, name: "Retrieval" })).toBeInTheDocument();
  });

  it("says so when nothing relevant was found", async () => {
    mockFetch(
      route("GET", "/examples/retrievals/r2", () => [
        200,
        { retrieval_id: "r2", query: "?!", example_ids: [], created_at: "2026-12-05T10:00:00Z", outcome: null, exploration: "thompson", seed: 1, ranking: [] },
      ]),
    );
    renderPage(<RetrievalPage />, { route: "/retrievals/r2", path: "/retrievals/:id" });
    expect(await screen.findByText(/Nothing relevant was found/)).toBeInTheDocument();
  });
});

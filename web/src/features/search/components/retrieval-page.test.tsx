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

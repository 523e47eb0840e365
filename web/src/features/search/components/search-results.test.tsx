import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { ExamplesPage } from "@/features/examples/components/examples-page";
import { makeExample } from "@/testing/fixtures";
import { mockFetch, noTemplates, route } from "@/testing/mock-fetch";
import { renderPage } from "@/testing/render";

describe("example search", () => {
  it("renders each result's ranking scores and sends the mode and filters", async () => {
    const { calls } = mockFetch(
      noTemplates,
      route("GET", "/examples", () => [200, { examples: [], total: 0, page: 1, page_size: 18 }]),
      route("POST", "/examples/search", () => [
        200,
        {
          results: [
            { example: makeExample({ example_id: "a", function_name: "reset_password", effectiveness_score: 0.75, usage_count: 6 }), similarity_score: 0.912, match_type: "hybrid", scores: { vector: 0.912, keyword: 7.25, fused: 0.0325, effectiveness: 0.75 } },
            { example: makeExample({ example_id: "b", function_name: "change_email" }), similarity_score: 0.5, match_type: "vector", scores: { vector: 0.5, keyword: null, fused: 0.0161, effectiveness: null } },
          ],
          total_matches: 2,
          search_type: "hybrid",
          took_ms: 1.4,
        },
      ]),
    );
    renderPage(<ExamplesPage />, { route: "/examples?q=reset%20password&mode=hybrid&domain=support", path: "/examples" });

    const results = await screen.findByRole("region", { name: "Search results" });
    const cards = await within(results).findAllByTestId("example-card");
    expect(cards).toHaveLength(2);

    const first = within(cards[0]).getByLabelText("Ranking scores");
    expect(within(first).getByText("Vector").nextSibling).toHaveTextContent("0.912");
    expect(within(first).getByText("Keyword").nextSibling).toHaveTextContent("7.25");
    expect(within(first).getByText("Fused").nextSibling).toHaveTextContent("0.033");
    expect(within(first).getByText("Effectiveness").nextSibling).toHaveTextContent("0.750");
    // A missing keyword score is left out rather than shown as 0.
    expect(within(within(cards[1]).getByLabelText("Ranking scores")).queryByText("Keyword")).not.toBeInTheDocument();
    expect(within(cards[1]).getByText("No data")).toBeInTheDocument();
    expect(within(results).getByText(/matches for “reset password”/)).toHaveTextContent("2 matches for “reset password”");

    const search = calls.find((c) => c.path === "/api/v1/examples/search")!;
    expect(search.body).toMatchObject({ query_text: "reset password", mode: "hybrid", domain: "support" });
  });
});

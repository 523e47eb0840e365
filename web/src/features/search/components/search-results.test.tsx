import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
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

  it('shows "No relevant examples" when the server flags no_match, even with results', async () => {
    mockFetch(
      noTemplates,
      route("GET", "/examples", () => [200, { examples: [], total: 0, page: 1, page_size: 18 }]),
      route("POST", "/examples/search", () => [
        200,
        { results: [{ example: makeExample({ example_id: "a" }), similarity_score: 0.1 }], total_matches: 1, search_type: "vector", metadata: { no_match: true } },
      ]),
    );
    renderPage(<ExamplesPage />, { route: "/examples?q=%3F%21%3F&mode=vector", path: "/examples" });
    const results = await screen.findByRole("region", { name: "Search results" });
    expect(await within(results).findByText("No relevant examples")).toBeInTheDocument();
    expect(within(results).queryAllByTestId("example-card")).toHaveLength(0);
    expect(within(results).getByText(/matches for/)).toHaveTextContent(/^0 matches/);
  });

  it("does not echo a huge query in full, and loads more results on demand", async () => {
    const { calls } = mockFetch(
      noTemplates,
      route("GET", "/examples", () => [200, { examples: [], total: 0, page: 1, page_size: 18 }]),
      route("POST", "/examples/search", (c) => {
        const k = (c.body as { k: number }).k;
        const results = Array.from({ length: k }, (_, i) => ({ example: makeExample({ example_id: `e${i}`, input: { question: `q${i}` } }), similarity_score: 0.9 }));
        return [200, { results, total_matches: k, search_type: "keyword" }];
      }),
    );
    const huge = "x".repeat(20_000);
    renderPage(<ExamplesPage />, { route: `/examples?q=${huge}&mode=keyword`, path: "/examples" });
    const results = await screen.findByRole("region", { name: "Search results" });
    const header = within(results).getByText(/matches for/);
    expect(header.textContent!.length).toBeLessThan(200);
    expect(header).toHaveTextContent("…");
    expect(await within(results).findAllByTestId("example-card")).toHaveLength(30);

    await userEvent.click(within(results).getByRole("button", { name: "Show more" }));
    await waitFor(() => expect(within(results).getAllByTestId("example-card")).toHaveLength(60));
    expect(calls.filter((c) => c.path === "/api/v1/examples/search").map((c) => (c.body as { k: number }).k)).toEqual([30, 60]);
  });

  it("runs the search again when the mode changes while a query is shown, and only then", async () => {
    const { calls } = mockFetch(
      noTemplates,
      route("GET", "/examples", () => [200, { examples: [], total: 0, page: 1, page_size: 18 }]),
      route("POST", "/examples/search", (c) => {
        const mode = (c.body as { mode: string }).mode;
        return [200, { results: [{ example: makeExample({ example_id: "a" }), similarity_score: 0.9 }], total_matches: 1, search_type: mode }];
      }),
    );
    const { history, unmount } = renderPage(<ExamplesPage />, { route: "/examples?q=reset&mode=hybrid", path: "/examples" });
    await within(await screen.findByRole("region", { name: "Search results" })).findAllByTestId("example-card");

    await userEvent.selectOptions(screen.getByLabelText("Search mode"), "keyword");
    await waitFor(() => expect(calls.filter((c) => c.path === "/api/v1/examples/search").map((c) => (c.body as { mode: string }).mode)).toEqual(["hybrid", "keyword"]));
    expect(new URLSearchParams(history.location.search).get("mode")).toBe("keyword");
    expect(new URLSearchParams(history.location.search).get("q")).toBe("reset");
    unmount();

    // With no words in the box there is nothing to search: the mode waits for the next search.
    const blank = renderPage(<ExamplesPage />, { route: "/examples", path: "/examples" });
    await userEvent.selectOptions(screen.getByLabelText("Search mode"), "vector");
    expect(blank.history.location.search).toBe("");
    await userEvent.type(screen.getByLabelText("Search examples"), "crack{Enter}");
    await waitFor(() => expect(calls.filter((c) => c.path === "/api/v1/examples/search").map((c) => (c.body as { mode: string }).mode)).toEqual(["hybrid", "keyword", "vector"]));
  });
});

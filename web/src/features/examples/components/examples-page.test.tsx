import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { makeExample } from "@/testing/fixtures";
import { mockFetch, noTemplates, route } from "@/testing/mock-fetch";
import { renderPage } from "@/testing/render";
import { ExampleDetailPage } from "./example-detail-page";
import { ExamplesPage } from "./examples-page";

const list = route("GET", "/examples", (c) =>
  c.query.has("min_quality_score") && Number(c.query.get("min_quality_score")) > 1
    ? [422, { detail: [{ loc: ["query", "min_quality_score"], msg: "must be <= 1" }], code: "validation_error" }]
    : [200, { examples: [makeExample({ example_id: "a", input: { question: "How do I reset my password?" }, function_name: "answer_question", capability_tags: ["a-very-long-tag-".repeat(8)] })], total: 1, page: 1, page_size: 18 }],
);

describe("examples page", () => {
  it("titles cards by the input with the function as a badge", async () => {
    mockFetch(noTemplates, list);
    renderPage(<ExamplesPage />, { route: "/examples", path: "/examples" });
    const card = await screen.findByTestId("example-card");
    expect(within(card).getByRole("heading")).toHaveTextContent("How do I reset my password?");
    expect(within(card).getByText("answer_question")).toBeInTheDocument();
    expect(document.title).toBe("Examples · Exemplar");
  });

  it("marks an out-of-range filter at its field and keeps the list", async () => {
    const { calls } = mockFetch(noTemplates, list);
    renderPage(<ExamplesPage />, { route: "/examples", path: "/examples" });
    await screen.findByTestId("example-card");
    const field = screen.getByLabelText("Min quality");
    await userEvent.type(field, "5{Enter}");

    expect(await screen.findByText("Must be between 0 and 1")).toBeInTheDocument();
    expect(field).toHaveAttribute("aria-invalid", "true");
    expect(field).toHaveValue(5);
    expect(screen.getByTestId("example-card")).toBeInTheDocument();
    expect(calls.some((c) => c.query.has("min_quality_score"))).toBe(false);
  });

  it("does the same for a bad value that arrives in the link", async () => {
    const { calls } = mockFetch(noTemplates, list);
    renderPage(<ExamplesPage />, { route: "/examples?min_quality=7", path: "/examples" });
    expect(await screen.findByTestId("example-card")).toBeInTheDocument();
    expect(screen.getByText(/Must be between 0 and 1/)).toBeInTheDocument();
    expect(calls.some((c) => c.query.has("min_quality_score"))).toBe(false);
  });
});

describe("example delete", () => {
  it("leaves for the list without requesting the deleted example again", async () => {
    const id = "3f1c2d4e-0000-4000-8000-000000000001";
    let deleted = false;
    const { calls } = mockFetch(
      noTemplates,
      route("GET", `/examples/${id}`, () => (deleted ? [404, { detail: "Example not found", code: "not_found" }] : [200, makeExample()])),
      route("GET", `/examples/${id}/effectiveness`, () => [200, { example_id: id, total_uses: 0 }]),
      route("GET", `/examples/${id}/versions`, () => [200, []]),
      route("DELETE", `/examples/${id}`, () => {
        deleted = true;
        return [204, null];
      }),
    );
    renderPage(<ExampleDetailPage />, { route: `/examples/${id}`, path: "/examples/:id" });
    await userEvent.click(await screen.findByRole("button", { name: "Delete" }));
    await userEvent.click(within(await screen.findByRole("dialog")).getByRole("button", { name: "Delete" }));
    expect(await screen.findByText("navigated to list")).toBeInTheDocument();
    await new Promise((r) => setTimeout(r, 50));
    const after = calls.slice(calls.findIndex((c) => c.method === "DELETE") + 1);
    expect(after.filter((c) => c.path.startsWith(`/api/v1/examples/${id}`))).toEqual([]);
    await waitFor(() => expect(deleted).toBe(true));
  });
});

import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { ExamplesPage } from "@/features/examples/components/examples-page";
import { NewTemplateDialog } from "@/features/templates/components/new-template-dialog";
import { makeExample } from "@/testing/fixtures";
import { mockFetch, noTemplates, route } from "@/testing/mock-fetch";
import { renderPage } from "@/testing/render";

const examples = Array.from({ length: 9 }, (_, i) => makeExample({ example_id: `e${i}`, input: { question: `Crack ${i}` } }));

describe("screen readers hear what a search or filter found", () => {
  it("in one polite region that stays while the list, then a search, change", async () => {
    mockFetch(
      noTemplates,
      route("GET", "/examples", () => [200, { examples, total: 9, page: 1, page_size: 18 }]),
      route("POST", "/examples/search", () => [200, { results: examples.slice(0, 7).map((example) => ({ example, similarity_score: 0.5 })), total_matches: 7, search_type: "keyword", took_ms: 1 }]),
    );
    const { history } = renderPage(<ExamplesPage />, { route: "/examples", path: "/examples" });
    const region = await screen.findByTestId("live-summary");
    expect(region).toHaveAttribute("role", "status");
    await waitFor(() => expect(region).toHaveTextContent("1–9 of 9 examples"));
    act(() => history.push("/examples?q=crack"));
    await waitFor(() => expect(region).toHaveTextContent("7 matches for “crack”"));
    // The same element: a region that is replaced is not reliably announced.
    expect(screen.getByTestId("live-summary")).toBe(region);
  });
});

describe("new template dialog", () => {
  it("puts a 409 (name taken) at the Name field, as an alert, with focus there", async () => {
    mockFetch(route("POST", "/templates", () => [409, { detail: "a template named Triage already exists", code: "already_exists" }]));
    renderPage(<NewTemplateDialog open onClose={() => undefined} />);
    const dialog = await screen.findByRole("dialog", { name: "New template" });
    const name = within(dialog).getByLabelText(/^Name/);
    await userEvent.type(name, "Triage");
    await userEvent.click(within(dialog).getByRole("button", { name: "Create template" }));
    expect(await within(dialog).findByRole("alert")).toHaveTextContent("a template named Triage already exists");
    expect(name).toHaveAttribute("aria-invalid", "true");
    expect(name).toHaveFocus();
    // Editing the name clears the message about it.
    await userEvent.type(name, "2");
    expect(within(dialog).queryByRole("alert")).not.toBeInTheDocument();
  });
});

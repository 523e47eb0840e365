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
    // Under the page's h1, a card's title is an h2 (no level skipped).
    expect(within(card).getByRole("heading", { level: 2 })).toHaveTextContent("How do I reset my password?");
    // The sort button's name starts with what it shows.
    expect(screen.getByRole("button", { name: /^Desc\s*, sorted descending; switch to ascending$/ })).toBeInTheDocument();
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

describe("examples page: text filters and choices in the link", () => {
  it("applies a text filter shortly after typing stops, without Enter, with one request for the word", async () => {
    const { calls } = mockFetch(noTemplates, list);
    renderPage(<ExamplesPage />, { route: "/examples", path: "/examples" });
    await screen.findByTestId("example-card");
    await userEvent.type(screen.getByLabelText("Domain"), "calibration");
    await waitFor(() => expect(calls.some((c) => c.path === "/api/v1/examples" && c.query.get("domain") === "calibration")).toBe(true), { timeout: 2000 });
    expect(calls.filter((c) => c.query.has("domain")).map((c) => c.query.get("domain"))).toEqual(["calibration"]);
    // Enter still applies at once.
    await userEvent.type(screen.getByLabelText("Tag"), "urgent{Enter}");
    expect(calls.some((c) => c.query.get("capability_tag") === "urgent")).toBe(true);
  });

  it("shows a difficulty the link had but that is not one of the choices at its field, and leaves it out", async () => {
    const { calls } = mockFetch(noTemplates, list);
    renderPage(<ExamplesPage />, { route: "/examples?difficulty=insane", path: "/examples" });
    expect(await screen.findByTestId("example-card")).toBeInTheDocument();
    const select = screen.getByLabelText("Difficulty");
    expect(select).toHaveAttribute("aria-invalid", "true");
    expect(select).toHaveAccessibleDescription(/the link had insane/);
    expect(calls.some((c) => c.query.has("difficulty"))).toBe(false);
  });
});

describe("examples page on a phone", () => {
  // Below md the filters fold behind a button (CSS shows the panel from md up; jsdom has no CSS,
  // so the fold is read from the panel's `hidden` class and the button's aria-expanded).
  it("folds the filters behind a Filters button that counts the active ones and stays open while they change", async () => {
    mockFetch(noTemplates, list);
    renderPage(<ExamplesPage />, { route: "/examples?domain=calibration&difficulty=hard", path: "/examples" });
    await screen.findByTestId("example-card");
    const toggle = screen.getByRole("button", { name: "Filters (2)" });
    expect(toggle).toHaveAttribute("aria-expanded", "false");
    const panel = document.getElementById(toggle.getAttribute("aria-controls") ?? "") as HTMLElement;
    expect(panel).toContainElement(screen.getByLabelText("Difficulty"));
    expect(panel).toContainElement(screen.getByLabelText("Sort by"));
    expect(panel).toHaveClass("hidden");

    await userEvent.click(toggle);
    expect(toggle).toHaveAttribute("aria-expanded", "true");
    expect(panel).not.toHaveClass("hidden");

    await userEvent.selectOptions(screen.getByLabelText("Difficulty"), "");
    expect(await screen.findByRole("button", { name: "Filters (1)" })).toHaveAttribute("aria-expanded", "true");
    expect(panel).not.toHaveClass("hidden");
    await userEvent.type(screen.getByLabelText("Tag"), "vision{Enter}");
    expect(await screen.findByRole("button", { name: "Filters (2)" })).toHaveAttribute("aria-expanded", "true");

    await userEvent.click(screen.getByRole("button", { name: "Filters (2)" }));
    expect(panel).toHaveClass("hidden");
  });

  it("says just Filters when none is set, and starts open when the link carries a refused value", async () => {
    mockFetch(noTemplates, list);
    const first = renderPage(<ExamplesPage />, { route: "/examples", path: "/examples" });
    await screen.findByTestId("example-card");
    expect(screen.getByRole("button", { name: "Filters" })).toHaveAttribute("aria-expanded", "false");
    first.unmount();

    renderPage(<ExamplesPage />, { route: "/examples?min_quality=7", path: "/examples" });
    await screen.findByTestId("example-card");
    expect(screen.getByRole("button", { name: "Filters" })).toHaveAttribute("aria-expanded", "true");
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

  it("shows a refused delete in its dialog with the request id", async () => {
    const id = "3f1c2d4e-0000-4000-8000-000000000001";
    mockFetch(
      noTemplates,
      route("GET", `/examples/${id}`, () => [200, makeExample()]),
      route("GET", `/examples/${id}/effectiveness`, () => [200, { example_id: id, total_uses: 0 }]),
      route("GET", `/examples/${id}/versions`, () => [200, []]),
      route("DELETE", `/examples/${id}`, () => [503, { detail: "the store is read-only", code: "unavailable", request_id: "req-del-1" }]),
    );
    renderPage(<ExampleDetailPage />, { route: `/examples/${id}`, path: "/examples/:id" });
    await userEvent.click(await screen.findByRole("button", { name: "Delete" }));
    const dialog = await screen.findByRole("dialog");
    await userEvent.click(within(dialog).getByRole("button", { name: "Delete" }));
    const alert = await within(dialog).findByRole("alert");
    expect(alert).toHaveTextContent("the store is read-only");
    expect(alert).toHaveTextContent("Request id: req-del-1");
    expect(within(alert).getByRole("button", { name: "Copy id" })).toBeInTheDocument();
  });

  it("offers Undo in the delete message, which restores the example after the page is gone", async () => {
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
      route("POST", `/examples/${id}/restore`, () => {
        deleted = false;
        return [200, makeExample()];
      }),
    );
    renderPage(<ExampleDetailPage />, { route: `/examples/${id}`, path: "/examples/:id" });
    await userEvent.click(await screen.findByRole("button", { name: "Delete" }));
    const dialog = await screen.findByRole("dialog");
    expect(within(dialog).getByText(/Undo in the message that follows restores it/)).toBeInTheDocument();
    await userEvent.click(within(dialog).getByRole("button", { name: "Delete" }));
    expect(await screen.findByText("navigated to list")).toBeInTheDocument();
    const toast = screen.getByText("Example deleted").closest("[role=status]") as HTMLElement;
    await userEvent.click(within(toast).getByRole("button", { name: "Undo" }));
    expect(await screen.findByText("Restored 1 example")).toBeInTheDocument();
    expect(calls.filter((c) => c.method === "POST").map((c) => c.path)).toEqual([`/api/v1/examples/${id}/restore`]);
    expect(deleted).toBe(false);
  });
});

describe("undo after the example came back another way", () => {
  it("says it was already restored when Undo finds it live (restored from Recently deleted)", async () => {
    const id = "3f1c2d4e-0000-4000-8000-000000000002";
    let deleted = false;
    mockFetch(
      noTemplates,
      route("GET", `/examples/${id}`, () => (deleted ? [404, { detail: "Example not found", code: "not_found" }] : [200, makeExample({ example_id: id })])),
      route("GET", `/examples/${id}/effectiveness`, () => [200, { example_id: id, total_uses: 0 }]),
      route("GET", `/examples/${id}/versions`, () => [200, []]),
      route("DELETE", `/examples/${id}`, () => {
        deleted = true;
        return [204, null];
      }),
      // Restored from the trash before Undo is pressed: the server has no deleted example left.
      route("POST", `/examples/${id}/restore`, () => [404, { detail: "no deleted example with this id", code: "not_found" }]),
    );
    renderPage(<ExampleDetailPage />, { route: `/examples/${id}`, path: "/examples/:id" });
    await userEvent.click(await screen.findByRole("button", { name: "Delete" }));
    await userEvent.click(within(await screen.findByRole("dialog")).getByRole("button", { name: "Delete" }));
    const toast = (await screen.findByText("Example deleted")).closest("[role=status]") as HTMLElement;
    deleted = false;
    await userEvent.click(within(toast).getByRole("button", { name: "Undo" }));
    expect(await screen.findByText("The example was already restored")).toBeInTheDocument();
    expect(screen.queryByText(/could not be restored/)).not.toBeInTheDocument();
  });
});

describe("bulk delete", () => {
  it("restores exactly the deleted examples when Undo is pressed", async () => {
    const store = new Map(["a", "b"].map((id) => [id, makeExample({ example_id: id, input: { question: `Question ${id}?` } })]));
    const { calls } = mockFetch(
      noTemplates,
      route("GET", "/examples", () => [200, { examples: [...store.values()], total: store.size, page: 1, page_size: 18 }]),
      (c) => {
        const m = c.path.match(/^\/api\/v1\/examples\/(\w)(\/restore)?$/);
        if (!m) return undefined;
        if (c.method === "DELETE" && m[1] === "b") return [500, { detail: "disk full", code: "internal", request_id: "req-b" }];
        if (c.method === "DELETE") return store.delete(m[1]) ? [204, null] : [404, { detail: "gone" }];
        if (c.method === "POST" && m[2]) {
          const ex = makeExample({ example_id: m[1], input: { question: `Question ${m[1]}?` } });
          store.set(m[1], ex);
          return [200, ex];
        }
        return undefined;
      },
    );
    renderPage(<ExamplesPage />, { route: "/examples", path: "/examples" });
    await screen.findAllByTestId("example-card");
    for (const box of screen.getAllByRole("checkbox", { name: /Select example/ })) await userEvent.click(box);
    const bar = screen.getByRole("region", { name: "Bulk actions" });
    await userEvent.click(within(bar).getByRole("button", { name: "Delete" }));
    const dialog = await screen.findByRole("dialog");
    expect(within(dialog).queryByText(/restored from its page/)).not.toBeInTheDocument();
    await userEvent.click(within(dialog).getByRole("button", { name: "Delete" }));

    // Why it failed, and the id that finds the request's log lines (review s23: "1 failed" alone).
    expect(await screen.findByText("Deleted 1; 1 failed: disk full (request id req-b)")).toBeInTheDocument();
    const toast = (await screen.findByText("Deleted 1 example")).closest("[role=status]") as HTMLElement;
    await userEvent.click(within(toast).getByRole("button", { name: "Undo" }));
    expect(await screen.findByText("Restored 1 example")).toBeInTheDocument();
    expect(calls.filter((c) => c.method === "POST").map((c) => c.path)).toEqual(["/api/v1/examples/a/restore"]);
    await waitFor(() => expect(screen.getAllByTestId("example-card")).toHaveLength(2));
  });
});

describe("examples page past the last page", () => {
  // 72 examples make 4 pages of 18: a page beyond that answers an empty list with the real total.
  const paged = route("GET", "/examples", (c) => {
    const page = Number(c.query.get("page") ?? 1);
    const examples = page <= 4 ? [makeExample({ example_id: `p${page}`, input: { question: `On page ${page}` } })] : [];
    return [200, { examples, total: 72, page, page_size: 18 }];
  });

  it("goes to the last page there is instead of saying there are no examples", async () => {
    mockFetch(noTemplates, paged);
    const { history } = renderPage(<ExamplesPage />, { route: "/examples?page=99", path: "/examples" });
    expect(await screen.findByRole("heading", { name: "On page 4" })).toBeInTheDocument();
    expect(history.location.search).toBe("?page=4");
    expect(screen.queryByText("No examples yet")).not.toBeInTheDocument();
  });
});

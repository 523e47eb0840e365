import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { makeExample } from "@/testing/fixtures";
import { mockFetch, noTemplates, route } from "@/testing/mock-fetch";
import { renderPage } from "@/testing/render";
import DeletedExamplesPage from "./deleted-examples-page";
import { ExamplesPage } from "./examples-page";

const RECENT = "3f1c2d4e-0000-4000-8000-0000000000d1";
const PURGED = "3f1c2d4e-0000-4000-8000-0000000000d2";
const OLDER = "3f1c2d4e-0000-4000-8000-0000000000d3";
const tombstone = (id: string, question: string, deleted_at: string, purged = false) => ({
  ...makeExample({ example_id: id, input: purged ? {} : { question }, expected_output: purged ? {} : { answer: "x" } }),
  deleted: true,
  deleted_at,
  purged,
  content_hash: "ab12",
});

/** The server's trash as the contract describes it: newest deletion first; a restore takes one out. */
function trash(total = 3) {
  const rows = [
    tombstone(RECENT, "Why does the pump stall?", "2026-12-06T10:00:00Z"),
    tombstone(PURGED, "", "2026-12-05T10:00:00Z", true),
    tombstone(OLDER, "How is the flange sealed?", "2026-12-04T10:00:00Z"),
  ];
  return {
    rows,
    list: route("GET", "/examples/deleted", (c) => [200, { examples: c.query.get("page") === "1" ? rows : [], total: total - (3 - rows.length), page: Number(c.query.get("page")), page_size: Number(c.query.get("page_size")) }]),
    restore: route("POST", `/examples/${RECENT}/restore`, () => {
      rows.splice(rows.findIndex((r) => r.example_id === RECENT), 1);
      return [200, makeExample({ example_id: RECENT })];
    }),
  };
}

describe("recently deleted", () => {
  it("lists deleted examples newest first, each linking to its page, purged ones without Restore", async () => {
    const { list } = trash();
    const { calls } = mockFetch(list);
    renderPage(<DeletedExamplesPage />, { route: "/examples/deleted", path: "/examples/deleted" });
    const rows = within(await screen.findByRole("list", { name: "Deleted examples" })).getAllByRole("listitem");
    expect(rows.map((r) => within(r).getByRole("link").textContent)).toEqual(["Why does the pump stall?", "Example 3f1c2d4e", "How is the flange sealed?"]);
    expect(within(rows[0]).getByRole("link")).toHaveAttribute("href", `/examples/${RECENT}`);
    expect(within(rows[1]).getByText("content purged")).toBeInTheDocument();
    expect(within(rows[1]).queryByRole("button", { name: /Restore/ })).not.toBeInTheDocument();
    expect(within(rows[2]).getByRole("button", { name: "Restore How is the flange sealed?" })).toBeInTheDocument();
    const get = calls.find((c) => c.path === "/api/v1/examples/deleted")!;
    expect(Object.fromEntries(get.query)).toEqual({ page: "1", page_size: "20" });
    expect(document.title).toBe("Recently deleted · Exemplar");
  });

  it("restores an example: POST …/restore, the row leaves the list, and the message opens its page", async () => {
    const { list, restore } = trash();
    const { calls } = mockFetch(list, restore);
    const { history } = renderPage(<DeletedExamplesPage />, { route: "/examples/deleted", path: "/examples/deleted" });
    await userEvent.click(await screen.findByRole("button", { name: "Restore Why does the pump stall?" }));
    expect(calls.filter((c) => c.method === "POST").map((c) => c.path)).toEqual([`/api/v1/examples/${RECENT}/restore`]);
    await waitFor(() => expect(screen.queryByText("Why does the pump stall?", { selector: "a" })).not.toBeInTheDocument());
    // The pressed button left with its row: focus is on the next Restore, not on the page's <body>.
    await waitFor(() => expect(screen.getByRole("button", { name: "Restore How is the flange sealed?" })).toHaveFocus());
    expect(within(screen.getByRole("list", { name: "Deleted examples" })).getAllByRole("listitem")).toHaveLength(2);
    const toast = screen.getByText("Restored “Why does the pump stall?”").closest("[role=status]") as HTMLElement;
    await userEvent.click(within(toast).getByRole("button", { name: "Open" }));
    expect(history.location.pathname).toBe(`/examples/${RECENT}`);
  });

  it("pages through a long trash", async () => {
    const { list } = trash(45);
    const { calls } = mockFetch(list);
    renderPage(<DeletedExamplesPage />, { route: "/examples/deleted", path: "/examples/deleted" });
    await screen.findByRole("list", { name: "Deleted examples" });
    await userEvent.click(within(screen.getByRole("navigation", { name: "Pagination" })).getByRole("button", { name: "Next" }));
    await waitFor(() => expect(calls.some((c) => c.path === "/api/v1/examples/deleted" && c.query.get("page") === "2")).toBe(true));
  });

  it("says so when nothing is deleted", async () => {
    mockFetch(route("GET", "/examples/deleted", () => [200, { examples: [], total: 0, page: 1, page_size: 20 }]));
    renderPage(<DeletedExamplesPage />, { route: "/examples/deleted", path: "/examples/deleted" });
    expect(await screen.findByText("Nothing deleted")).toBeInTheDocument();
  });

  it("is reached from the Examples page", async () => {
    mockFetch(noTemplates, route("GET", "/examples", () => [200, { examples: [makeExample()], total: 1, page: 1, page_size: 18 }]));
    renderPage(<ExamplesPage />, { route: "/examples", path: "/examples" });
    expect(await screen.findByRole("link", { name: "Recently deleted" })).toHaveAttribute("href", "/examples/deleted");
  });
});

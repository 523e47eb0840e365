import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { makeExample } from "@/testing/fixtures";
import { mockFetch, noTemplates, route } from "@/testing/mock-fetch";
import { renderPage } from "@/testing/render";
import QualityPage from "./quality-page";

const a = makeExample({ example_id: "aaaaaaaa-0000-4000-8000-000000000001", input: { text: "seal leak at flange" }, expected_output: { label: "scrap" } });
const b = makeExample({ example_id: "aaaaaaaa-0000-4000-8000-000000000002", input: { text: "Seal leak at flange" }, expected_output: { label: "repair" } });
const report = { clusters: [{ size: 2, min_similarity: 1, conflict: true, distinct_outputs: 2, examples: [a, b] }], total_clusters: 1, examples_scanned: 9, threshold: 0.95, took_ms: 3 };

describe("quality page", () => {
  it("lists a conflict cluster and keeps one example by deleting the others in one request", async () => {
    let deleted: unknown = null;
    const { calls } = mockFetch(
      noTemplates,
      route("GET", "/quality/conflicts", () => [200, report]),
      route("POST", "/examples/bulk-delete", (c) => {
        deleted = c.body;
        return [200, { matched: 1, deleted: 1, dry_run: false, example_ids: [b.example_id] }];
      }),
    );
    renderPage(<QualityPage />, { route: "/quality?tab=conflicts", path: "/quality" });
    const members = await screen.findByRole("list", { name: "Cluster members" });
    expect(within(members).getAllByRole("listitem")).toHaveLength(2);
    expect(screen.getByText("2 different outputs for the same input")).toBeInTheDocument();
    // Similarity 1.0 is said in words, not as "similarity ≥ 1.000".
    expect(screen.getByRole("heading", { name: "2 examples · identical inputs" })).toBeInTheDocument();
    await userEvent.click(within(members).getAllByRole("button", { name: /^Keep only this: / })[0]);
    const dialog = await screen.findByRole("dialog");
    await userEvent.click(within(dialog).getByRole("button", { name: "Delete" }));
    await waitFor(() => expect(deleted).toEqual({ ids: [b.example_id], dry_run: false }));
    expect(calls.some((c) => c.method === "DELETE")).toBe(false);
  });

  it("shows a refused delete in the confirm dialog with the request id", async () => {
    mockFetch(
      noTemplates,
      route("GET", "/quality/conflicts", () => [200, report]),
      route("POST", "/examples/bulk-delete", () => [403, { detail: "this token may only read", code: "forbidden", request_id: "req-q-7" }]),
    );
    renderPage(<QualityPage />, { route: "/quality?tab=conflicts", path: "/quality" });
    const members = await screen.findByRole("list", { name: "Cluster members" });
    await userEvent.click(within(members).getAllByRole("button", { name: /^Keep only this: / })[0]);
    const dialog = await screen.findByRole("dialog");
    await userEvent.click(within(dialog).getByRole("button", { name: "Delete" }));
    const alert = await within(dialog).findByRole("alert");
    expect(alert).toHaveTextContent("this token may only read");
    expect(alert).toHaveTextContent("Request id: req-q-7");
  });

  it("lists examples flagged with personal data", async () => {
    const flagged = makeExample({ example_id: "bbbbbbbb-0000-4000-8000-000000000001", input: { text: "call (555) 234-5678" }, pii_flags: ["phone"] });
    const { calls } = mockFetch(noTemplates, route("GET", "/examples", () => [200, { examples: [flagged], total: 1, page: 1, page_size: 100 }]));
    renderPage(<QualityPage />, { route: "/quality?tab=pii", path: "/quality" });
    const list = await screen.findByRole("list", { name: "Flagged examples" });
    expect(within(list).getByText("phone")).toBeInTheDocument();
    expect(calls.find((c) => c.path === "/api/v1/examples")?.query.get("pii")).toBe("any");
  });
});

describe("quality page accessibility", () => {
  it("puts each tab's content in the panel its tab controls, and names each row's buttons with its example", async () => {
    mockFetch(noTemplates, route("GET", "/quality/conflicts", () => [200, report]));
    renderPage(<QualityPage />, { route: "/quality?tab=conflicts", path: "/quality" });
    const members = await screen.findByRole("list", { name: "Cluster members" });
    const tab = screen.getByRole("tab", { name: "Conflicts" });
    const panel = document.getElementById(tab.getAttribute("aria-controls") ?? "");
    expect(panel).toHaveAttribute("role", "tabpanel");
    expect(panel).toContainElement(members);
    expect(screen.getByRole("tabpanel", { name: "Conflicts" })).toBe(panel);
    expect(within(members).getByRole("button", { name: "Keep only this: seal leak at flange" })).toBeInTheDocument();
    expect(within(members).getByRole("link", { name: "Edit Seal leak at flange" })).toBeInTheDocument();
    expect(within(members).getByRole("button", { name: "Delete Seal leak at flange" })).toBeInTheDocument();
  });
});

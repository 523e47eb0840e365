import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { makeExample } from "@/testing/fixtures";
import { mockFetch, noTemplates, route } from "@/testing/mock-fetch";
import { renderPage } from "@/testing/render";
import { ExamplesPage } from "@/features/examples/components/examples-page";
import SnapshotsPage from "./snapshots-page";

const SNAP = "22222222-0000-4000-8000-000000000001";
const list = route("GET", "/examples", () => [200, { examples: [makeExample({ example_id: "a" }), makeExample({ example_id: "b" })], total: 2, page: 1, page_size: 18 }]);
const created = { snapshot_id: SNAP, name: "billing v1", template_id: null, selection: { filter: { domain: "support" } }, item_count: 2, created_by: null, created_at: "2026-12-06T10:00:00Z" };

/** Holds POST /snapshots until `release()` is called, so the test can look at the dialog while it is in flight. */
function holdSnapshotPost() {
  let release = () => undefined as void;
  const gate = new Promise<void>((r) => (release = r));
  const inner = globalThis.fetch;
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    if (init?.method === "POST" && String(input).includes("/snapshots")) await gate;
    return inner(input, init);
  }) as typeof fetch;
  return () => release();
}

describe("freeze as snapshot", () => {
  it("asks first, says how many examples it freezes, sends once however often it is clicked, and opens the new snapshot", async () => {
    const { calls } = mockFetch(noTemplates, list, route("POST", "/snapshots", () => [201, created]));
    const release = holdSnapshotPost();
    const { history } = renderPage(<ExamplesPage />, { route: "/examples?domain=support", path: "/examples" });
    await screen.findAllByTestId("example-card");
    await userEvent.click(screen.getByRole("button", { name: "Freeze as snapshot" }));
    const dialog = await screen.findByRole("dialog", { name: "Freeze as snapshot" });
    expect(calls.filter((c) => c.method === "POST")).toHaveLength(0);
    expect(dialog).toHaveTextContent("This freezes 2 examples matching domain=support.");
    const name = within(dialog).getByLabelText("Name");
    expect(name).toHaveFocus();
    expect((name as HTMLInputElement).value).toMatch(/^domain=support · \d{4}-\d\d-\d\d \d\d:\d\d$/);
    await userEvent.clear(name);
    await userEvent.type(name, "billing v1");
    const confirm = within(dialog).getByRole("button", { name: "Freeze 2 examples" });
    // Two clicks in one task (before any re-render), then one more.
    fireEvent.click(confirm);
    fireEvent.click(confirm);
    await userEvent.click(confirm);
    // Busy: it refuses clicks but keeps focus (aria-disabled rather than disabled).
    await waitFor(() => expect(confirm).toHaveAttribute("aria-disabled", "true"));
    expect(within(dialog).getByRole("button", { name: "Cancel" })).toBeDisabled();
    // The page's own button is busy too: nothing can start a second snapshot while this one is out.
    expect(screen.getByRole("button", { name: "Freeze as snapshot", hidden: true })).toHaveAttribute("aria-disabled", "true");
    release();
    await waitFor(() => expect(history.location.pathname).toBe("/snapshots"));
    expect(history.location.search).toBe(`?created=${SNAP}`);
    const posts = calls.filter((c) => c.method === "POST");
    expect(posts).toHaveLength(1);
    expect(posts[0].body).toEqual({ name: "billing v1", filter: { domain: "support" } });
  });

  it("sends nothing when cancelled", async () => {
    const { calls } = mockFetch(noTemplates, list);
    renderPage(<ExamplesPage />, { route: "/examples", path: "/examples" });
    await screen.findAllByTestId("example-card");
    await userEvent.click(screen.getByRole("button", { name: "Freeze as snapshot" }));
    const dialog = await screen.findByRole("dialog");
    expect(dialog).toHaveTextContent("This freezes 2 examples (no filters: every example).");
    await userEvent.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(calls.filter((c) => c.method === "POST")).toHaveLength(0);
  });

  it("freezes by the personal-data and output filters too, the output one naming its field", async () => {
    const { calls } = mockFetch(noTemplates, list, route("POST", "/snapshots", () => [201, created]));
    renderPage(<ExamplesPage />, { route: "/examples?pii=any&output=defect_type%3Dcrack", path: "/examples" });
    await screen.findAllByTestId("example-card");
    await userEvent.click(screen.getByRole("button", { name: "Freeze as snapshot" }));
    const dialog = await screen.findByRole("dialog");
    await userEvent.click(within(dialog).getByRole("button", { name: "Freeze 2 examples" }));
    await waitFor(() => expect(calls.filter((c) => c.method === "POST")).toHaveLength(1));
    const sent = calls.find((c) => c.method === "POST")!.body as { filter: Record<string, unknown> };
    expect(sent.filter).toEqual({ pii: "any", "output.defect_type": "crack" });
  });

  it("highlights the snapshot just frozen on the Snapshots page", async () => {
    const older = { ...created, snapshot_id: "22222222-0000-4000-8000-000000000002", name: "older" };
    mockFetch(route("GET", "/snapshots", () => [200, { snapshots: [created, older], total: 2, page: 1, page_size: 20 }]));
    renderPage(<SnapshotsPage />, { route: `/snapshots?created=${SNAP}`, path: "/snapshots" });
    const rows = within(await screen.findByRole("list", { name: "Snapshots" })).getAllByRole("listitem");
    expect(rows[0]).toHaveAttribute("aria-current", "true");
    expect(rows[0]).toHaveTextContent("Just frozen");
    expect(rows[1]).not.toHaveAttribute("aria-current");
  });
});

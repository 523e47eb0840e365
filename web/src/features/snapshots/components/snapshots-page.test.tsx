import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { signIn } from "@/lib/auth";
import { makeExample } from "@/testing/fixtures";
import { mockFetch, route } from "@/testing/mock-fetch";
import { renderPage } from "@/testing/render";
import SnapshotsPage from "./snapshots-page";

const a = "11111111-0000-4000-8000-000000000001";
const b = "11111111-0000-4000-8000-000000000002";
const snap = (id: string, name: string) => ({
  snapshot_id: id, name, template_id: null, selection: { filter: { domain: "billing" } }, item_count: 3, created_by: "local", created_at: "2026-12-05T10:00:00Z",
});

describe("snapshots page", () => {
  it("lists snapshots with exports and compares two", async () => {
    const { calls } = mockFetch(
      route("GET", "/snapshots", () => [200, { snapshots: [snap(b, "after edit"), snap(a, "before")], total: 2, page: 1, page_size: 20 }]),
      route("GET", `/snapshots/${b}/diff/${a}`, () => [
        200,
        { from: b, to: a, added: [{ example_id: "e-new", version: 1, content_hash: "h" }], removed: [], changed: [{ example_id: "e-chg", from_version: 1, to_version: 2, content_changed: true }], unchanged_count: 1 },
      ]),
    );
    renderPage(<SnapshotsPage />, { route: "/snapshots", path: "/snapshots" });
    const list = await screen.findByRole("list", { name: "Snapshots" });
    expect(within(list).getByText("before")).toBeInTheDocument();
    expect(within(list).getAllByText(/domain=billing/)).toHaveLength(2);
    const hf = within(list).getAllByText("dataset_info.json")[0];
    expect(hf.closest("a")).toHaveAttribute("href", `/api/v1/snapshots/${b}/export?format=hf_info`);

    await userEvent.click(screen.getByLabelText("Compare after edit"));
    await userEvent.click(screen.getByLabelText("Compare before"));
    const diff = await screen.findByLabelText("Snapshot diff");
    expect(within(diff).getByText("1 added")).toBeInTheDocument();
    expect(within(diff).getByText("1 changed")).toBeInTheDocument();
    expect(within(diff).getByText(/v1 → v2/)).toBeInTheDocument();
    expect(calls.some((c) => c.path === `/api/v1/snapshots/${b}/diff/${a}`)).toBe(true);
  });

  it("names a run's snapshot by its run and template, and the diff's examples by their input", async () => {
    const RUN = "279e9ffb-c234-4b1e-a24a-5737a1f637ee";
    const TPL = "33333333-3333-4333-8333-333333333333";
    const EX = "44444444-4444-4444-8444-444444444444";
    const fromRun = { ...snap(b, "run data"), template_id: TPL, selection: { filter: { databit_id: TPL }, run_id: RUN }, created_at: "2026-12-06T10:00:00Z" };
    mockFetch(
      route("GET", "/snapshots", () => [200, { snapshots: [fromRun, snap(a, "before")], total: 2, page: 1, page_size: 20 }]),
      route("GET", `/templates/${TPL}`, () => [200, { id: TPL, name: "Defect triage", version: "1.2.0", status: "published", input_schema: [], output_schema: [] }]),
      route("GET", `/snapshots/${a}/diff/${b}`, () => [200, { from: a, to: b, added: [{ example_id: EX, version: 1, content_hash: "h" }], removed: [], changed: [], unchanged_count: 0 }]),
      route("GET", `/examples/${EX}`, () => [200, makeExample({ example_id: EX, input: { question: "Why does the pump rattle?" } })]),
    );
    renderPage(<SnapshotsPage />, { route: "/snapshots", path: "/snapshots" });
    const row = (await screen.findByText("run data")).closest("li")!;
    await within(row).findByText(/run 279e9ffb · template Defect triage v1\.2\.0 ·/);
    expect(row).not.toHaveTextContent("all examples");

    await userEvent.click(screen.getByLabelText("Compare run data"));
    await userEvent.click(screen.getByLabelText("Compare before"));
    const diff = await screen.findByLabelText("Snapshot diff");
    expect(await within(diff).findByRole("link", { name: "Why does the pump rattle?" })).toHaveAttribute("href", `/examples/${EX}`);
  });

  it("compares from the older snapshot to the newer, whichever is ticked first, and names them", async () => {
    const older = { ...snap(a, "before"), created_at: "2026-12-05T10:00:00Z" };
    const newer = { ...snap(b, "after edit"), created_at: "2026-12-06T10:00:00Z" };
    const { calls } = mockFetch(
      route("GET", "/snapshots", () => [200, { snapshots: [newer, older], total: 2, page: 1, page_size: 20 }]),
      route("GET", `/snapshots/${a}/diff/${b}`, () => [200, { from: a, to: b, added: [{ example_id: "e-new", version: 1, content_hash: "h" }], removed: [], changed: [], unchanged_count: 1 }]),
    );
    renderPage(<SnapshotsPage />, { route: "/snapshots", path: "/snapshots" });
    // Ticked from the top of the newest-first list: the newer one first.
    await userEvent.click(await screen.findByLabelText("Compare after edit"));
    await userEvent.click(screen.getByLabelText("Compare before"));
    const diff = await screen.findByLabelText("Snapshot diff");
    expect(within(diff).getByText("1 added")).toBeInTheDocument();
    expect(calls.filter((c) => c.path.includes("/diff/")).map((c) => c.path)).toEqual([`/api/v1/snapshots/${a}/diff/${b}`]);
    expect(screen.getByText(/From “before” \(11111111\) to the newer “after edit”/)).toBeInTheDocument();
  });

  it("pages through more snapshots than one page holds", async () => {
    const id = (i: number) => `22222222-0000-4000-8000-${String(i).padStart(12, "0")}`;
    const all = Array.from({ length: 23 }, (_, i) => snap(id(i), `run ${i} data`));
    const { calls } = mockFetch(
      route("GET", "/snapshots", (call) => {
        const page = Number(call.query.get("page") ?? 1);
        return [200, { snapshots: all.slice((page - 1) * 20, page * 20), total: all.length, page, page_size: 20 }];
      }),
    );
    renderPage(<SnapshotsPage />, { route: "/snapshots", path: "/snapshots" });
    const list = await screen.findByRole("list", { name: "Snapshots" });
    expect(within(list).getAllByRole("listitem")).toHaveLength(20);
    await userEvent.click(screen.getByRole("button", { name: "Next" }));
    expect(await within(screen.getByRole("list", { name: "Snapshots" })).findByText("run 22 data")).toBeInTheDocument();
    expect(within(screen.getByRole("list", { name: "Snapshots" })).getAllByRole("listitem")).toHaveLength(3);
    expect(calls.some((c) => c.path === "/api/v1/snapshots" && c.query.get("page") === "2")).toBe(true);
  });

  it("says how to make the first snapshot", async () => {
    mockFetch(route("GET", "/snapshots", () => [200, { snapshots: [], total: 0, page: 1, page_size: 20 }]));
    renderPage(<SnapshotsPage />, { route: "/snapshots", path: "/snapshots" });
    expect(await screen.findByText("No snapshots yet")).toBeInTheDocument();
  });

  it("with a token, downloads an export with it (a followed link cannot send it) under the server's file name", async () => {
    signIn("exm_good");
    const seen: { path: string; auth?: string }[] = [];
    vi.stubGlobal("fetch", async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = new URL(String(input), "http://localhost");
      seen.push({ path: `${url.pathname}${url.search}`, auth: (init?.headers as Record<string, string>).Authorization });
      if (url.pathname.endsWith("/export")) {
        return new Response('{"input":{}}\n', { status: 200, headers: { "Content-Type": "application/x-ndjson", "Content-Disposition": 'attachment; filename="snapshot-before.jsonl"' } });
      }
      return new Response(JSON.stringify({ snapshots: [snap(a, "before")], total: 1, page: 1, page_size: 20 }), { status: 200 });
    });
    const saved: string[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
      saved.push(this.download);
    });
    Object.assign(URL, { createObjectURL: () => "blob:export", revokeObjectURL: () => undefined });
    renderPage(<SnapshotsPage />, { route: "/snapshots", path: "/snapshots" });
    const list = await screen.findByRole("list", { name: "Snapshots" });
    await userEvent.click(within(list).getByText("JSONL"));
    await vi.waitFor(() => expect(saved).toEqual(["snapshot-before.jsonl"]));
    expect(seen.at(-1)).toEqual({ path: `/api/v1/snapshots/${a}/export?format=jsonl`, auth: "Bearer exm_good" });
  });
});

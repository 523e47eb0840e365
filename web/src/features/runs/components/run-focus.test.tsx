// Keyboard focus when the pressed control goes away or changes in place on a run's page.
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { mockFetch, route } from "@/testing/mock-fetch";
import { renderPage } from "@/testing/render";
import RunDetailPage from "./run-detail-page";

const RUN = "22222222-2222-4222-8222-222222222222";
const wire = (status: string, extra: Record<string, unknown> = {}) => ({ run_id: RUN, status, optimizer_type: "MIPROv2", trials_completed: 2, trials_total: 10, best_score: 0.5, ...extra });
const results = route("GET", `/dspy-runs/${RUN}/results`, () => [200, { run_id: RUN, status: "completed", best_score: 0.5, best_program: { instructions: "x", demos: [] }, contributions: [], trials: [] }]);

describe("run page focus", () => {
  it("moves focus to the heading when Cancel run goes away with the run's end", async () => {
    let status = "running";
    mockFetch(
      route("GET", `/dspy-runs/${RUN}`, () => [200, wire(status)]),
      route("POST", `/dspy-runs/${RUN}/cancel`, () => {
        status = "cancelled";
        return [200, wire(status)];
      }),
      results,
    );
    renderPage(<RunDetailPage />, { route: `/runs/${RUN}`, path: "/runs/:id" });
    const cancel = await screen.findByRole("button", { name: "Cancel run" });
    cancel.focus();
    await userEvent.keyboard("{Enter}");
    // The dialog's default is the harmless choice; Tab reaches the confirm button.
    const dialog = await screen.findByRole("dialog", { name: "Cancel this run?" });
    expect(within(dialog).getByRole("button", { name: "Keep running" })).toHaveFocus();
    await userEvent.tab();
    expect(within(dialog).getByRole("button", { name: "Cancel run" })).toHaveFocus();
    await userEvent.keyboard("{Enter}");
    await waitFor(() => expect(screen.queryByRole("button", { name: "Cancel run" })).not.toBeInTheDocument());
    await waitFor(() => expect(screen.getByRole("heading", { level: 1 })).toHaveFocus());
  });

  it("asks before cancelling: the first press does not cancel, Keep running returns focus to Cancel run", async () => {
    let status = "running";
    const { calls } = mockFetch(
      route("GET", `/dspy-runs/${RUN}`, () => [200, wire(status)]),
      route("POST", `/dspy-runs/${RUN}/cancel`, () => {
        status = "cancelled";
        return [200, wire(status)];
      }),
      results,
    );
    renderPage(<RunDetailPage />, { route: `/runs/${RUN}`, path: "/runs/:id" });
    const cancel = await screen.findByRole("button", { name: "Cancel run" });
    await userEvent.click(cancel);
    const dialog = await screen.findByRole("dialog", { name: "Cancel this run?" });
    expect(dialog).toHaveTextContent(/not run yet are lost/);
    expect(calls.filter((c) => c.method === "POST")).toHaveLength(0);
    await userEvent.click(within(dialog).getByRole("button", { name: "Keep running" }));
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(cancel).toHaveFocus();
    expect(calls.filter((c) => c.method === "POST")).toHaveLength(0);
    // Escape closes it as well, still without cancelling.
    await userEvent.keyboard("{Enter}");
    await screen.findByRole("dialog", { name: "Cancel this run?" });
    await userEvent.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(calls.filter((c) => c.method === "POST")).toHaveLength(0);
    // Confirming cancels.
    await userEvent.click(cancel);
    await userEvent.click(within(await screen.findByRole("dialog", { name: "Cancel this run?" })).getByRole("button", { name: "Cancel run" }));
    await waitFor(() => expect(calls.filter((c) => c.method === "POST").map((c) => c.path)).toEqual([`/api/v1/dspy-runs/${RUN}/cancel`]));
    await waitFor(() => expect(screen.queryByRole("button", { name: "Cancel run" })).not.toBeInTheDocument());
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
  });

  it("closes the cancel dialog when the run ends on its own, and puts focus on the heading", async () => {
    let status = "running";
    mockFetch(route("GET", `/dspy-runs/${RUN}`, () => [200, wire(status)]), results);
    renderPage(<RunDetailPage />, { route: `/runs/${RUN}`, path: "/runs/:id" });
    await userEvent.click(await screen.findByRole("button", { name: "Cancel run" }));
    await screen.findByRole("dialog", { name: "Cancel this run?" });
    status = "completed";
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument(), { timeout: 5000 });
    await waitFor(() => expect(screen.getByRole("heading", { level: 1 })).toHaveFocus());
  });

  it("keeps focus on Sync to store once it says Synced", async () => {
    let synced = false;
    mockFetch(
      route("GET", `/dspy-runs/${RUN}`, () => [200, wire("completed", { synced })]),
      route("POST", `/dspy-runs/${RUN}/sync`, () => {
        synced = true;
        return [200, { examples_updated: 3 }];
      }),
      results,
    );
    renderPage(<RunDetailPage />, { route: `/runs/${RUN}`, path: "/runs/:id" });
    const sync = await screen.findByRole("button", { name: "Sync to store" });
    sync.focus();
    await userEvent.keyboard("{Enter}");
    const done = await screen.findByRole("button", { name: "Synced" });
    expect(done).toHaveFocus();
    expect(done).toHaveAttribute("aria-disabled", "true");
  });
});

import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { mockFetch, noTemplates, route } from "@/testing/mock-fetch";
import { renderPage } from "@/testing/render";
import RunsPage from "./runs-page";

const runs = route("GET", "/dspy-runs", () => [
  200,
  {
    runs: [
      { run_id: "aaaaaaaa-0000-4000-8000-000000000001", status: "completed", decision: "accepted", accepted_template_id: "tpl-new" },
      { run_id: "bbbbbbbb-0000-4000-8000-000000000002", status: "completed", decision: "rejected" },
      { run_id: "cccccccc-0000-4000-8000-000000000003", status: "completed", decision: null },
    ],
  },
]);

describe("runs page", () => {
  it("shows each run's decision; accepted links to the version it made", async () => {
    mockFetch(noTemplates, runs);
    renderPage(<RunsPage />, { route: "/runs", path: "/runs" });
    const rows = (await screen.findAllByRole("row")).slice(1);
    expect(within(rows[0]).getByRole("link", { name: /accepted/ })).toHaveAttribute("href", "/templates/tpl-new");
    expect(within(rows[1]).getByText("rejected")).toBeInTheDocument();
    expect(within(rows[2]).queryByText(/accepted|rejected/)).not.toBeInTheDocument();
  });

  it("moves focus into the launch form when New run opens it, and back to New run on Cancel", async () => {
    mockFetch(noTemplates, runs);
    renderPage(<RunsPage />, { route: "/runs", path: "/runs" });
    await userEvent.click(await screen.findByRole("button", { name: "New run" }));
    await waitFor(() => expect(screen.getByLabelText("Template")).toHaveFocus());
    await userEvent.click(screen.getByRole("button", { name: "Cancel" }));
    await waitFor(() => expect(screen.getByRole("button", { name: "New run" })).toHaveFocus());
  });
});

import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { mockFetch, route } from "@/testing/mock-fetch";
import { renderPage } from "@/testing/render";
import { normalizeRun } from "../api/types";
import { RunResultsPanel, stoppedRunText } from "./run-results-panel";

const RUN = "44444444-4444-4444-8444-444444444444";
const A = "55555555-5555-4555-8555-555555555555";
const B = "66666666-6666-4666-8666-666666666666";

describe("run contributions", () => {
  it("says 'not enough variation' where the trials cannot tell an example's effect apart", async () => {
    mockFetch(
      route("GET", `/dspy-runs/${RUN}/results`, () => [
        200,
        {
          run_id: RUN,
          status: "completed",
          best_score: 0.5,
          best_program: { instructions: "x", demos: [] },
          contributions: [
            { example_id: A, contribution: 0.25, trials_with: 3, trials_without: 2 },
            { example_id: B, contribution: null, trials_with: 5, trials_without: 0, variation: "not_enough_variation" },
          ],
          trials: [],
        },
      ]),
      route("GET", `/examples/${A}`, () => [404, { code: "not_found", detail: "gone" }]),
      route("GET", `/examples/${B}`, () => [404, { code: "not_found", detail: "gone" }]),
    );
    const run = normalizeRun({ run_id: RUN, status: "completed", optimizer_type: "BootstrapFewShot", metric: "exact_match", config: {}, best_score: 0.5 });
    renderPage(<RunResultsPanel run={run} />, { route: "/x", path: "/x" });
    const cell = await screen.findByText("not enough variation");
    expect(cell.closest("tr")).toHaveTextContent("5 / 0");
    expect(screen.getByText("+0.250")).toBeInTheDocument();
  });
});

describe("run results actions", () => {
  const results = () =>
    route("GET", `/dspy-runs/${RUN}/results`, () => [200, { run_id: RUN, status: "failed", best_score: null, contributions: [], trials: [] }]);

  // The server refuses to sync a run that did not complete (409): the UI does not offer it.
  it.each(["failed", "cancelled"])("offers no Sync to store on a %s run", async (status) => {
    mockFetch(results());
    const run = normalizeRun({ run_id: RUN, status, optimizer_type: "BootstrapFewShot", metric: "exact_match", config: {} });
    renderPage(<RunResultsPanel run={run} />, { route: "/x", path: "/x" });
    expect(await screen.findByText("No contributions measured")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: /sync/i })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Accept" })).not.toBeInTheDocument();
  });

  it("says how a run that did not complete ended, in plain words", async () => {
    mockFetch(results());
    const run = normalizeRun({ run_id: RUN, status: "failed", optimizer_type: "BootstrapFewShot", metric: "exact_match", config: {} });
    renderPage(<RunResultsPanel run={run} />, { route: "/x", path: "/x" });
    expect(await screen.findByText(/^This run failed; the trials it finished/)).toBeInTheDocument();
    expect(stoppedRunText("cancelled")).toBe("This run was cancelled");
  });

  it("offers Sync to store on a completed run", async () => {
    mockFetch(results());
    const run = normalizeRun({ run_id: RUN, status: "completed", optimizer_type: "BootstrapFewShot", metric: "exact_match", config: {} });
    renderPage(<RunResultsPanel run={run} />, { route: "/x", path: "/x" });
    const sync = await screen.findByRole("button", { name: "Sync to store" });
    // What it does, in one line beside it (and as the button's description).
    expect(sync).toHaveAccessibleDescription(/adds each example's evidence from this run .* to its effectiveness score/);
  });
});

describe("what a run's result says beside its score", () => {
  const KNN_WHY =
    "nothing to accept: a KNNFewShot run keeps no demos. Its score (0.800) comes from choosing the k=3 most similar training examples as demos for each query";

  // The server refuses to accept a KNNFewShot run (409): the page offers Reject only, and says why.
  it("offers no Accept for a KNNFewShot run and shows the server's reason", async () => {
    mockFetch(
      route("GET", `/dspy-runs/${RUN}/results`, () => [
        200,
        {
          run_id: RUN,
          status: "completed",
          best_score: 0.8,
          best_program: { instructions: "x", demos: [] },
          contributions: [],
          trials: [],
          warnings: [{ code: "nothing_to_accept", message: KNN_WHY }],
        },
      ]),
    );
    const run = normalizeRun({ run_id: RUN, status: "completed", optimizer_type: "KNNFewShot", metric: "exact_match", config: {}, best_score: 0.8 });
    renderPage(<RunResultsPanel run={run} />, { route: "/x", path: "/x" });
    const warnings = await screen.findByRole("list", { name: "Result warnings" });
    expect(warnings).toHaveTextContent("Nothing to accept:");
    expect(warnings).toHaveTextContent("k=3 most similar training examples");
    expect(screen.queryByRole("button", { name: "Accept" })).not.toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Reject" })).toBeInTheDocument();
  });

  // A run whose budget ran out before any program was evaluated in full has none (review s24 loops2
  // P2-4): accept is a 409, so the page offers Reject only and shows the server's reason (the budget).
  it("offers no Accept for a run without a best program and names the budget that stopped it", async () => {
    const WHY =
      "no program to accept: the run completed before any candidate program was evaluated in full: its time budget (budget.max_minutes = 0.01, stopped_reason budget_time) ran out; launch it again with a larger budget.max_minutes";
    mockFetch(
      route("GET", `/dspy-runs/${RUN}/results`, () => [
        200,
        { run_id: RUN, status: "completed", best_score: null, best_program: null, contributions: [], trials: [], warnings: [{ code: "no_program", message: WHY }] },
      ]),
    );
    const run = normalizeRun({ run_id: RUN, status: "completed", optimizer_type: "MIPROv2", metric: "exact_match", config: {} });
    renderPage(<RunResultsPanel run={run} />, { route: "/x", path: "/x" });
    const warnings = await screen.findByRole("list", { name: "Result warnings" });
    expect(warnings).toHaveTextContent("No program to accept:");
    expect(warnings).toHaveTextContent("larger budget.max_minutes");
    expect(screen.queryByRole("button", { name: "Accept" })).not.toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Reject" })).toBeInTheDocument();
  });

  it("keeps Accept for a run whose best program scored 0, and says so", async () => {
    mockFetch(
      route("GET", `/dspy-runs/${RUN}/results`, () => [
        200,
        {
          run_id: RUN,
          status: "completed",
          best_score: 0,
          best_program: { instructions: "x", demos: [] },
          contributions: [],
          trials: [],
          warnings: [{ code: "zero_score", message: "the best program scored 0: the metric succeeded on no validation example" }],
        },
      ]),
    );
    const run = normalizeRun({ run_id: RUN, status: "completed", optimizer_type: "BootstrapFewShot", metric: "exact_match", config: {}, best_score: 0 });
    renderPage(<RunResultsPanel run={run} />, { route: "/x", path: "/x" });
    const warnings = await screen.findByRole("list", { name: "Result warnings" });
    expect(warnings).toHaveTextContent("Score 0: the best program scored 0");
    expect(screen.getByRole("button", { name: "Accept" })).toBeInTheDocument();
  });

  // Review s24 loops2 (minor): the version an accepted run produced was deleted; its id answers 404.
  it("links no deleted version the run was accepted as, and says it was deleted", async () => {
    mockFetch(
      route("GET", `/dspy-runs/${RUN}/results`, () => [
        200,
        { run_id: RUN, status: "completed", best_score: 0.5, best_program: { instructions: "x", demos: [] }, contributions: [], trials: [], warnings: [] },
      ]),
    );
    const gone = "99999999-9999-4999-8999-999999999999";
    const run = normalizeRun({
      run_id: RUN, status: "completed", optimizer_type: "BootstrapFewShot", metric: "exact_match", config: {},
      decision: "accepted", accepted_template_id: gone, accepted_template_deleted: true,
    });
    renderPage(<RunResultsPanel run={run} />, { route: "/x", path: "/x" });
    expect(await screen.findByText("Accepted as a template version that was deleted since.")).toBeInTheDocument();
    expect(screen.queryByRole("link", { name: /new template version/ })).not.toBeInTheDocument();
    expect(document.querySelector(`a[href="/templates/${gone}"]`)).toBeNull();
  });

  it("shows the server's reason when it refuses an accept", async () => {
    mockFetch(
      route("GET", `/dspy-runs/${RUN}/results`, () => [
        200,
        { run_id: RUN, status: "completed", best_score: 0.5, best_program: { instructions: "x", demos: [] }, contributions: [], trials: [], warnings: [] },
      ]),
      route("POST", `/dspy-runs/${RUN}/accept`, () => [409, { code: "conflict", detail: "run was already rejected" }]),
    );
    const run = normalizeRun({ run_id: RUN, status: "completed", optimizer_type: "BootstrapFewShot", metric: "exact_match", config: {} });
    renderPage(<RunResultsPanel run={run} />, { route: "/x", path: "/x" });
    await userEvent.click(await screen.findByRole("button", { name: "Accept" }));
    expect(await screen.findByText(/accept failed: run was already rejected/)).toBeInTheDocument();
  });

  it("names demos that hold personal data", async () => {
    mockFetch(
      route("GET", `/dspy-runs/${RUN}/results`, () => [
        200,
        {
          run_id: RUN,
          status: "completed",
          best_score: 0.5,
          best_program: { instructions: "x", demos: [] },
          contributions: [],
          trials: [],
          warnings: [{ code: "pii", message: `1 demo(s) of the best program carry personal data or secrets (phone): ${A}`, example_ids: [A], kinds: ["phone"] }],
        },
      ]),
    );
    const run = normalizeRun({ run_id: RUN, status: "completed", optimizer_type: "BootstrapFewShot", metric: "exact_match", config: {} });
    renderPage(<RunResultsPanel run={run} />, { route: "/x", path: "/x" });
    const warnings = await screen.findByRole("list", { name: "Result warnings" });
    expect(warnings).toHaveTextContent(`Personal data in demos: 1 demo(s) of the best program carry personal data or secrets (phone): ${A}`);
    expect(screen.getByRole("button", { name: "Accept" })).toBeInTheDocument();
  });
});

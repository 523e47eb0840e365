import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { makeExample } from "@/testing/fixtures";
import { mockFetch, route } from "@/testing/mock-fetch";
import { renderPage } from "@/testing/render";
import { normalizeRun } from "../api/types";
import TemplateDetailPage from "@/features/templates/components/template-detail-page";
import RunDetailPage from "./run-detail-page";
import { RunProgress } from "./run-progress";

const RUN = "22222222-2222-4222-8222-222222222222";
const TPL = "11111111-1111-4111-8111-111111111111";
const EX = "33333333-3333-4333-8333-333333333333";

const trials = Array.from({ length: 5 }, (_, i) => ({ trial_index: i, score: 0.2 + i * 0.1, demo_ids: [EX], instruction: `instr ${i}`, lm_calls: 3 }));

function runWire(status: string, done: number) {
  return {
    run_id: RUN,
    template_id: TPL,
    status,
    optimizer_type: "BootstrapFewShotWithRandomSearch",
    metric: "exact_match",
    config: { budget: { max_trials: 200 } },
    progress: { trials_done: done, trials_completed: done, trials_total: 200 },
    trials_completed: done,
    trials_total: 200,
    best_score: 0.6,
    error: null,
  };
}

describe("run detail", () => {
  it("asks before rejecting, then shows the decision in the header and moves focus to it", async () => {
    let decision: string | null = null;
    const { calls } = mockFetch(
      route("GET", `/dspy-runs/${RUN}`, () => [200, { ...runWire("completed", 5), decision }]),
      route("GET", `/dspy-runs/${RUN}/results`, () => [200, { run_id: RUN, status: "completed", best_score: 0.6, best_program: { instructions: "Answer briefly.", demos: [] }, contributions: [], trials }]),
      route("GET", `/templates/${TPL}`, () => [200, { id: TPL, name: "QA", version: "1.0.0", status: "published", input_schema: [], output_schema: [] }]),
      route("POST", `/dspy-runs/${RUN}/reject`, () => {
        decision = "rejected";
        return [200, { ...runWire("completed", 5), decision }];
      }),
    );
    renderPage(<RunDetailPage />, { route: `/runs/${RUN}`, path: "/runs/:id" });
    await userEvent.click(await screen.findByRole("button", { name: "Reject" }));
    const dialog = await screen.findByRole("dialog", { name: "Reject this run?" });
    expect(calls.filter((c) => c.method === "POST")).toHaveLength(0);
    await userEvent.click(within(dialog).getByRole("button", { name: "Reject" }));
    const status = await screen.findByText("Decision: rejected");
    expect(calls.filter((c) => c.method === "POST").map((c) => c.path)).toEqual([`/api/v1/dspy-runs/${RUN}/reject`]);
    expect(status).toHaveFocus();
    // The header carries the decision beside the status.
    expect(within(screen.getByRole("banner")).getByText("rejected")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Accept" })).toBeDisabled();
  });

  it("closes the Reject dialog when the run turns out decided meanwhile (409), showing the decision", async () => {
    let decision: string | null = null;
    mockFetch(
      route("GET", `/dspy-runs/${RUN}`, () => [200, { ...runWire("completed", 5), decision }]),
      route("GET", `/dspy-runs/${RUN}/results`, () => [200, { run_id: RUN, status: "completed", best_score: 0.6, best_program: { instructions: "Answer briefly.", demos: [] }, contributions: [], trials }]),
      route("GET", `/templates/${TPL}`, () => [200, { id: TPL, name: "QA", version: "1.0.0", status: "published", input_schema: [], output_schema: [] }]),
      route("POST", `/dspy-runs/${RUN}/reject`, () => [409, { detail: "run was already accepted", code: "conflict" }]),
    );
    renderPage(<RunDetailPage />, { route: `/runs/${RUN}`, path: "/runs/:id" });
    await userEvent.click(await screen.findByRole("button", { name: "Reject" }));
    const dialog = await screen.findByRole("dialog", { name: "Reject this run?" });
    decision = "accepted"; // another tab accepts it while this dialog is open
    await userEvent.click(within(dialog).getByRole("button", { name: "Reject" }));
    const status = await screen.findByText("Decision: accepted");
    await waitFor(() => expect(screen.queryByRole("dialog", { name: "Reject this run?" })).not.toBeInTheDocument());
    await waitFor(() => expect(status).toHaveFocus());
    expect(screen.getByText(/reject failed: run was already accepted/)).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Reject" })).toBeDisabled();
  });

  it("names the run's template in the header link (the run carries only its id)", async () => {
    mockFetch(
      route("GET", `/dspy-runs/${RUN}`, () => [200, runWire("running", 2)]),
      route("GET", `/templates/${TPL}`, () => [200, { id: TPL, name: "Telemetry Failure Predictor", version: "1.0.0", status: "published", input_schema: [], output_schema: [] }]),
    );
    renderPage(<RunDetailPage />, { route: `/runs/${RUN}`, path: "/runs/:id" });
    const link = await within(await screen.findByRole("banner")).findByRole("link", { name: "Telemetry Failure Predictor v1.0.0 →" });
    expect(link).toHaveAttribute("href", `/templates/${TPL}`);
  });

  it("says which replica executes the run, how many attempts it took and until when it holds it", async () => {
    const lease = "2026-12-07T23:10:05Z";
    mockFetch(route("GET", `/dspy-runs/${RUN}`, () => [200, { ...runWire("running", 2), started_at: "2026-12-07T23:00:00Z", claimed_by: "proc-b", attempts: 2, lease_expires_at: lease }]));
    renderPage(<RunDetailPage />, { route: `/runs/${RUN}`, path: "/runs/:id" });
    const line = await screen.findByLabelText("Executor");
    expect(line).toHaveTextContent(`Executing on replica proc-b · 2 attempts (taken over 1×) · lease until ${new Date(lease).toLocaleTimeString()}`);
  });

  it("says a run on a server without replicas was executed by this server", async () => {
    mockFetch(
      route("GET", `/dspy-runs/${RUN}`, () => [200, { ...runWire("completed", 5), started_at: "2026-12-07T23:00:00Z", claimed_by: null, attempts: 1, lease_expires_at: null }]),
      route("GET", `/dspy-runs/${RUN}/results`, () => [200, { run_id: RUN, status: "completed", best_score: 0.6, best_program: { instructions: "x", demos: [] }, contributions: [], trials }]),
    );
    renderPage(<RunDetailPage />, { route: `/runs/${RUN}`, path: "/runs/:id" });
    expect(await screen.findByLabelText("Executor")).toHaveTextContent("Executed by this server · 1 attempt");
  });

  it("shows an accepted run's decision as a link to the version it made", async () => {
    mockFetch(
      route("GET", `/dspy-runs/${RUN}`, () => [200, { ...runWire("completed", 5), decision: "accepted", accepted_template_id: "99999999-9999-4999-8999-999999999999" }]),
      route("GET", `/dspy-runs/${RUN}/results`, () => [200, { run_id: RUN, status: "completed", best_score: 0.6, best_program: { instructions: "x", demos: [] }, contributions: [], trials }]),
    );
    renderPage(<RunDetailPage />, { route: `/runs/${RUN}`, path: "/runs/:id" });
    const link = await within(await screen.findByRole("banner")).findByRole("link", { name: /accepted/ });
    expect(link).toHaveAttribute("href", "/templates/99999999-9999-4999-8999-999999999999");
  });

  it("keeps a cancelled run's trials, chart and best result, readable", async () => {
    mockFetch(
      route("GET", `/dspy-runs/${RUN}`, () => [200, runWire("cancelled", 5)]),
      route("GET", `/dspy-runs/${RUN}/results`, () => [
        200,
        {
          run_id: RUN,
          status: "cancelled",
          best_score: 0.6,
          best_program: { instructions: "Answer briefly.", demos: [{ example_id: EX, augmented: false, fields: { question: "How to reset?", answer: "Use the link." } }] },
          contributions: [{ example_id: EX, contribution: 0.12, trials_with: 5, trials_without: 0 }],
          trials,
        },
      ]),
      route("GET", `/templates/${TPL}`, () => [200, { id: TPL, name: "QA", version: "1.0.0", status: "published", input_schema: [{ name: "question", type: "string" }], output_schema: [{ name: "answer", type: "string" }] }]),
      route("GET", `/examples/${EX}`, () => [200, makeExample({ example_id: EX, input: { question: "How do I reset my password?" } })]),
    );
    renderPage(<RunDetailPage />, { route: `/runs/${RUN}`, path: "/runs/:id" });

    expect(await screen.findByRole("heading", { name: "Results" })).toBeInTheDocument();
    expect(await screen.findByText("instr 4")).toBeInTheDocument();
    expect(screen.queryByText("No trials yet")).not.toBeInTheDocument();
    expect(screen.getByText(/This run was cancelled/)).toBeInTheDocument();
    // Accepting needs a completed run; the button is not offered.
    expect(screen.queryByRole("button", { name: "Accept" })).not.toBeInTheDocument();
    // Demonstrations are a table of named fields, not a JSON dump.
    const demo = screen.getByRole("group", { name: "Demonstration 1" });
    expect(within(demo).getByText("question")).toBeInTheDocument();
    expect(within(demo).getByText("How to reset?")).toBeInTheDocument();
    expect(within(demo).getByText("answer")).toBeInTheDocument();
    // Contributions name the example by its input, linked.
    expect(await screen.findByRole("link", { name: "How do I reset my password?" })).toHaveAttribute("href", `/examples/${EX}`);
    // The budget's 200 is not shown as the trial plan, and the bar is not full.
    expect(screen.queryByText(/5 \/ 200/)).not.toBeInTheDocument();
    expect(screen.getByRole("progressbar", { name: "Run progress" })).not.toHaveAttribute("aria-valuenow", "100");
  });
});

describe("bootstrapped demos", () => {
  it("show the example's stored label where the LM's output differs", async () => {
    mockFetch(
      route("GET", `/dspy-runs/${RUN}`, () => [200, runWire("completed", 5)]),
      route("GET", `/dspy-runs/${RUN}/results`, () => [
        200,
        {
          run_id: RUN,
          status: "completed",
          best_score: 0.6,
          best_program: { instructions: "x", demos: [{ example_id: EX, augmented: true, fields: { question: "How to reset?", answer: "Call support." } }] },
          contributions: [],
          trials,
        },
      ]),
      route("GET", `/templates/${TPL}`, () => [200, { id: TPL, name: "QA", version: "1.0.0", status: "published", input_schema: [{ name: "question", type: "string" }], output_schema: [{ name: "answer", type: "string" }] }]),
      route("GET", `/examples/${EX}`, () => [200, makeExample({ example_id: EX, input: { question: "How to reset?" }, expected_output: { answer: "Use the link." } })]),
    );
    renderPage(<RunDetailPage />, { route: `/runs/${RUN}`, path: "/runs/:id" });
    const note = await screen.findByRole("note", { name: "Stored label of demo 1" });
    expect(within(note).getByText(/Call support\./)).toBeInTheDocument();
    expect(within(note).getByText(/Use the link\./)).toBeInTheDocument();
  });
});

describe("run accept", () => {
  it("opens the new template version the server created", async () => {
    mockFetch(
      route("GET", `/dspy-runs/${RUN}`, () => [200, runWire("completed", 5)]),
      route("GET", `/dspy-runs/${RUN}/results`, () => [200, { run_id: RUN, status: "completed", best_score: 0.6, best_program: { instructions: "x", demos: [] }, contributions: [], trials }]),
      route("POST", `/dspy-runs/${RUN}/accept`, () => [201, { run_id: RUN, template: { id: "new-version", version: "1.1.0" } }]),
    );
    renderPage(<RunDetailPage />, { route: `/runs/${RUN}`, path: "/runs/:id" });
    await userEvent.click(await screen.findByRole("button", { name: "Accept" }));
    expect(await screen.findByText("navigated to template")).toBeInTheDocument();
  });

  it("moves focus to the new version's heading once that page has loaded (the Accept button is gone)", async () => {
    mockFetch(
      route("GET", `/dspy-runs/${RUN}`, () => [200, runWire("completed", 5)]),
      route("GET", `/dspy-runs/${RUN}/results`, () => [200, { run_id: RUN, status: "completed", best_score: 0.6, best_program: { instructions: "x", demos: [] }, contributions: [], trials }]),
      route("POST", `/dspy-runs/${RUN}/accept`, () => [201, { run_id: RUN, template: { id: "new-version", version: "1.1.0" } }]),
      route("GET", "/templates/new-version", () => [200, { id: "new-version", name: "QA optimized", version: "1.1.0", status: "draft", input_schema: [], output_schema: [] }]),
    );
    renderPage(<RunDetailPage />, { route: `/runs/${RUN}`, path: "/runs/:id", routes: [{ path: "/templates/:id", element: <TemplateDetailPage /> }] });
    await userEvent.click(await screen.findByRole("button", { name: "Accept" }));
    const heading = await screen.findByRole("heading", { level: 1, name: "QA optimized" });
    await waitFor(() => expect(heading).toHaveFocus());
  });

  it("leaves focus alone when the template page is opened any other way", async () => {
    mockFetch(route("GET", "/templates/new-version", () => [200, { id: "new-version", name: "QA optimized", version: "1.1.0", status: "draft", input_schema: [], output_schema: [] }]));
    renderPage(<TemplateDetailPage />, { route: "/templates/new-version", path: "/templates/:id" });
    const heading = await screen.findByRole("heading", { level: 1, name: "QA optimized" });
    expect(heading).not.toHaveFocus();
  });
});

describe("run progress", () => {
  it("shows trials done without the budget as a denominator while running", () => {
    renderPage(<RunProgress run={normalizeRun(runWire("running", 11))} />);
    expect(screen.getByText("11 trials")).toBeInTheDocument();
    expect(screen.queryByText(/\/ 200/)).not.toBeInTheDocument();
    expect(screen.getByRole("progressbar")).not.toHaveAttribute("aria-valuenow");
  });

  it("uses the reported plan when the server gives one", () => {
    const wire = { ...runWire("running", 3), progress: { trials_done: 3, trials_total: 200, trials_planned: 12 } };
    renderPage(<RunProgress run={normalizeRun(wire)} />);
    expect(screen.getByText("3 / 12 trials")).toBeInTheDocument();
    expect(screen.getByRole("progressbar")).toHaveAttribute("aria-valuenow", "25");
  });

  it("is full only for a completed run", () => {
    const { unmount } = renderPage(<RunProgress run={normalizeRun(runWire("completed", 1))} />);
    expect(screen.getByRole("progressbar")).toHaveAttribute("aria-valuenow", "100");
    expect(screen.getByText("1 trial")).toBeInTheDocument();
    unmount();
    renderPage(<RunProgress run={normalizeRun({ ...runWire("failed", 12), progress: { trials_done: 12, trials_planned: 12 } })} />);
    expect(screen.getByRole("progressbar")).not.toHaveAttribute("aria-valuenow", "100");
  });
});

// A live run's page through a server outage: the server stops and comes back on the same port
// while the page stays open. This flow starts a server of its own (the shared one keeps running
// for the other flows). Flow shape: see flows.mjs.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { apiCall, serve, startServer, stopServer } from "./harness.mjs";
import { TIMEOUT, assertFits } from "./flows_util.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** Waits for `promise`, naming `what` when it fails (the flow has several waits of the same kind). */
const step = (what, promise) => promise.catch((e) => Promise.reject(new Error(`${what}: ${e.message.split("\n")[0]}`)));

export const outageFlows = [
  {
    name: "outage: a live run's page keeps its data while the server is down and catches up by itself when it is back",
    core: false,
    async run({ page, ctx, shot }) {
      const tmp = mkdtempSync(join(tmpdir(), "exemplar-e2e-outage-"));
      let server = null;
      try {
        server = await startServer({ bin: ctx.bin, webDir: ctx.webDist, tmp, log: ctx.log });
        const templates = await apiCall(server.base, "GET", "/templates?page=1&page_size=50");
        const template = (templates.body?.templates ?? []).find((t) => t.status === "published");
        if (!template) throw new Error(`no published template (GET /templates → ${templates.status})`);
        // A slow offline LM: the run is still going when the server stops.
        const created = await apiCall(server.base, "POST", "/dspy-runs", {
          template_id: template.id,
          optimizer_type: "BootstrapFewShotWithRandomSearch",
          metric: "exact_match",
          lm: { provider: "offline", latency_ms: 300 },
          budget: { max_trials: 500, max_lm_calls: 10_000_000, max_minutes: 10 },
          optimizer_params: { num_candidate_programs: 200 },
        });
        const runId = created.body?.run_id ?? created.body?.id;
        if (!runId) throw new Error(`launch → ${created.status} ${JSON.stringify(created.body).slice(0, 300)}`);
        await page.goto(`${server.base}/runs/${runId}`);
        const heading = page.getByRole("heading", { name: /^Run /, level: 1 });
        await step("the run's page", heading.waitFor({ timeout: TIMEOUT }));
        await step("the stream live", page.getByText("● live").waitFor({ timeout: TIMEOUT }));

        await stopServer(server.child);
        const note = page.getByRole("status", { name: "Connection" });
        // Down for a while: polls keep failing, and the run stays on the page. (A server shutting
        // down sends the run's last status first; whether the page's next fetch still got an answer
        // is a race, so the "Connection lost" note may or may not show. What fails is said.)
        await sleep(5000);
        if (!(await heading.isVisible())) throw new Error("the run's page was replaced while the server was down");
        if (!(await page.getByText("Best score").isVisible())) throw new Error("the run's figures went away while the server was down");
        await assertFits(page, "run page, server down");
        await shot("run-server-down", { fullPage: false });

        server = { ...server, ...(await serve({ bin: ctx.bin, webDir: ctx.webDist, dataDir: server.dataDir, port: server.port, logPath: server.logPath, log: ctx.log })) };
        // Back: no click needed. The note goes, and the page shows the run as the server has it now.
        await step("the note gone once back", note.waitFor({ state: "detached", timeout: 20_000 }));
        await step("every part of the page loaded once back", page.getByText("Cannot reach the server").first().waitFor({ state: "detached", timeout: 20_000 }));
        const now = await apiCall(server.base, "GET", `/dspy-runs/${runId}`);
        await step(`the status ${now.body.status} once back`, page.locator("main header").getByText(now.body.status, { exact: true }).first().waitFor({ timeout: TIMEOUT }));
        if (now.body.status === "running" || now.body.status === "pending") await step("the stream live again", page.getByText("● live").waitFor({ timeout: 40_000 }));
        await shot("run-server-back", { fullPage: false });
      } finally {
        if (server) await stopServer(server.child);
        rmSync(tmp, { recursive: true, force: true });
      }
    },
  },
];

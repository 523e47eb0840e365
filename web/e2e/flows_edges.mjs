// Edge cases and breadth: unsaved edits, JSONL import, a query with no relevant example, a
// cancelled run, lineage, every page at three sizes (the rest: flows_later.mjs). Flow shape: see flows.mjs.
import { apiCall } from "./harness.mjs";
import { TIMEOUT, anyExampleId, assertFits, firstTemplate, missing, settle, templateProbe } from "./flows_util.mjs";

export const edgeFlows = [
  {
    name: "examples: unsaved edits prompt",
    core: true,
    async run({ page, ctx, shot }) {
      await page.goto(`${ctx.base}/examples`);
      await page.getByRole("link", { name: "New example" }).click();
      await page.waitForURL(/\/examples\/new$/, { timeout: TIMEOUT });
      await page.getByLabel("Explanation").fill("half-written explanation");
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Dashboard" }).click();
      const dialog = page.getByRole("dialog", { name: "Leave without saving?" });
      await dialog.waitFor({ timeout: TIMEOUT });
      await shot("unsaved-prompt");
      await dialog.getByRole("button", { name: "Stay on this page" }).click();
      if (!/\/examples\/new$/.test(page.url())) throw new Error(`left the form: ${page.url()}`);
      if ((await page.getByLabel("Explanation").inputValue()) !== "half-written explanation") throw new Error("the edit was lost");
      // The browser's back button (to /examples, inside the app) is held too.
      await page.goBack({ timeout: 3000 }).catch(() => undefined);
      await dialog.waitFor({ timeout: TIMEOUT });
      await dialog.getByRole("button", { name: "Stay on this page" }).click();
      await page.waitForTimeout(300);
      if (!/\/examples\/new$/.test(page.url())) throw new Error(`back button left the form: ${page.url()}`);
      // Reloading asks through the browser's own prompt.
      let asked = null;
      page.once("dialog", (d) => {
        asked = d.type();
        d.dismiss().catch(() => undefined);
      });
      await page.reload({ timeout: 3000 }).catch(() => undefined);
      if (asked !== "beforeunload") throw new Error(`reload did not ask first (dialog: ${asked})`);
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Dashboard" }).click();
      await dialog.getByRole("button", { name: "Leave" }).click();
      await page.waitForURL(/\/dashboard/, { timeout: TIMEOUT });
    },
  },
  {
    name: "examples: import a JSONL file",
    core: false,
    probe: (ctx) => missing(ctx, "POST", "/examples/batch", { examples: [] }),
    async run({ page, ctx, shot }) {
      const fn = `e2e_import_${ctx.token}`;
      // Records fit the template they are imported into: its schema is checked on import (issue #20).
      const tpl = await firstTemplate(ctx);
      const t = (await apiCall(ctx.base, "GET", `/templates/${tpl}`)).body;
      const value = (f, i) => ({ integer: i, number: i + 0.5, boolean: true, array: [`item ${i}`], object: { n: i } })[f.type] ?? `Imported ${f.name} ${i} ${ctx.token}`;
      const fields = (schema, i) => Object.fromEntries((schema ?? []).map((f) => [f.name, value(f, i)]));
      const rec = (i) => JSON.stringify({ input: fields(t.input_schema, i), expected_output: fields(t.output_schema, i), function_name: fn, domain: "calibration" });
      const file = [rec(1), "{broken json", JSON.stringify({ input: {}, expected_output: { answer: "x" } }), rec(2), rec(3)].join("\n");
      await page.goto(`${ctx.base}/examples`);
      await page.getByRole("link", { name: "Import" }).first().click();
      await page.waitForURL(/\/examples\/import$/, { timeout: TIMEOUT });
      await page.getByLabel("Import file").setInputFiles({ name: "examples.jsonl", mimeType: "application/x-ndjson", buffer: Buffer.from(file) });
      const errors = page.getByRole("list", { name: "Validation errors" });
      await errors.waitFor({ timeout: TIMEOUT });
      const errorText = await errors.innerText();
      if (!/line 2: invalid JSON/.test(errorText) || !/line 3: input: must have at least one field/.test(errorText)) throw new Error(`per-line errors missing: ${errorText}`);
      await page.getByLabel("Template").selectOption(tpl);
      await shot("import-preview");
      await page.getByRole("button", { name: "Import 3 valid records" }).click();
      const summary = page.getByRole("status", { name: "Import summary" });
      await summary.waitFor({ timeout: 30_000 });
      const text = await summary.innerText();
      if (!text.includes("3 created") || !text.includes("2 skipped as invalid")) throw new Error(`summary: ${text}`);
      const bar = await page.getByRole("progressbar", { name: "Import progress" }).getAttribute("aria-valuenow");
      if (bar !== "100") throw new Error(`progress bar at ${bar}`);
      await shot("import-summary");
      const r = await apiCall(ctx.base, "GET", `/examples?function_name=${fn}&page_size=10`);
      if (r.body?.total !== 3) throw new Error(`expected 3 imported examples, the list has ${r.body?.total}`);
      if (!r.body.examples.every((e) => e.databit_id === tpl)) throw new Error("imported examples are not in the chosen template");
    },
  },
  {
    name: "search: no relevant examples, long query",
    core: true,
    async run({ page, ctx, shot }) {
      await page.goto(`${ctx.base}/examples`);
      await page.getByLabel("Search mode").selectOption("keyword");
      await page.getByLabel("Search examples").fill("?!?! ... ???");
      await page.getByLabel("Search examples").press("Enter");
      const results = page.getByRole("region", { name: "Search results" });
      await results.getByText("No relevant examples").waitFor({ timeout: TIMEOUT });
      await shot("search-no-match");
      // Vector, hybrid and auto too: the server's relevance floor leaves nothing for punctuation.
      for (const mode of ["vector", "hybrid", "auto"]) {
        const answered = page.waitForResponse(
          (r) => r.url().includes("/examples/search") && (r.request().postData() ?? "").includes(`"mode":"${mode}"`),
          { timeout: TIMEOUT },
        );
        await page.getByLabel("Search mode").selectOption(mode);
        await page.getByLabel("Search examples").fill('?!.,;:--"()');
        await page.getByLabel("Search examples").press("Enter");
        const body = await (await answered).json();
        if (body.results.length !== 0 || body.metadata?.no_match !== true) throw new Error(`${mode}: punctuation matched ${body.results.length}`);
        await results.getByText("No relevant examples").waitFor({ timeout: TIMEOUT });
        const summary = await results.getByTestId("search-summary").innerText();
        if (!/^0 matches/.test(summary)) throw new Error(`${mode}: punctuation shows "${summary}"`);
      }
      const long = `pressure ${"y".repeat(20_000)}`;
      await page.getByLabel("Search examples").fill(long);
      await page.getByLabel("Search examples").press("Enter");
      const header = results.getByTestId("search-summary");
      await header.waitFor({ timeout: TIMEOUT });
      const echoed = await header.innerText();
      if (echoed.length > 200) throw new Error(`the header echoes ${echoed.length} characters`);
      await assertFits(page, "long query");
    },
  },
  {
    name: "optimization: cancelled run keeps its results",
    core: false,
    probe: (ctx) => missing(ctx, "GET", "/dspy-runs"),
    async run({ page, ctx, shot }) {
      const id = await firstTemplate(ctx);
      const body = {
        template_id: id,
        optimizer_type: "BootstrapFewShotWithRandomSearch",
        metric: "exact_match",
        lm: { provider: "offline", latency_ms: 20 },
        // The plan (200 candidates + 3 fixed ones = 203 trials) is below the budget's 500.
        budget: { max_trials: 500, max_lm_calls: 10_000_000, max_minutes: 10 },
        optimizer_params: { num_candidate_programs: 200 },
      };
      const created = await apiCall(ctx.base, "POST", "/dspy-runs", body);
      if (created.status !== 201 && created.status !== 202 && created.status !== 200) throw new Error(`launch → ${created.status} ${JSON.stringify(created.body).slice(0, 300)}`);
      const runId = created.body.run_id ?? created.body.id;
      ctx.cancelledRunId = runId;
      const deadline = Date.now() + 90_000;
      for (;;) {
        const r = await apiCall(ctx.base, "GET", `/dspy-runs/${runId}`);
        if ((r.body?.trials_completed ?? 0) >= 3) break;
        if (["completed", "failed", "cancelled"].includes(r.body?.status)) throw new Error(`run ended before it could be cancelled: ${r.body.status} ${r.body.error ?? ""}`);
        if (Date.now() > deadline) throw new Error("run made no progress in 90 s");
        await new Promise((res) => setTimeout(res, 300));
      }
      await page.goto(`${ctx.base}/runs/${runId}`);
      await page.getByRole("button", { name: "Cancel run" }).click();
      // The first press only asks: the run keeps going until the dialog's Cancel run is pressed.
      const dialog = page.getByRole("dialog", { name: "Cancel this run?" });
      await dialog.waitFor({ timeout: TIMEOUT });
      await shot("run-cancel-dialog", { fullPage: false });
      const still = await apiCall(ctx.base, "GET", `/dspy-runs/${runId}`);
      if (still.body?.status !== "running" && still.body?.status !== "pending") throw new Error(`the first press cancelled the run (${still.body?.status})`);
      await dialog.getByRole("button", { name: "Cancel run" }).click();
      await page.getByText("cancelled", { exact: true }).first().waitFor({ timeout: 60_000 });
      await page.getByRole("heading", { name: "Results" }).waitFor({ timeout: TIMEOUT });
      await page.reload();
      await page.getByRole("heading", { name: "Results" }).waitFor({ timeout: TIMEOUT });
      const rows = page.locator("table").filter({ hasText: "Instruction" }).locator("tbody tr");
      await rows.first().waitFor({ timeout: TIMEOUT });
      if ((await rows.count()) < 3) throw new Error(`only ${await rows.count()} trial rows`);
      if (await page.getByText("No trials yet").count()) throw new Error('"No trials yet" on a cancelled run with trials');
      await page.getByRole("img", { name: /Scores of \d+ trials/ }).waitFor({ timeout: TIMEOUT });
      if (await page.getByRole("button", { name: "Accept" }).count()) throw new Error("Accept offered for a cancelled run");
      if (await page.getByText(/\d+ \/ 500/).count()) throw new Error("the budget's 500 is shown as the trial total");
      if (!(await page.getByText(/\d+ \/ 203/).count())) throw new Error("the run's planned 203 trials are not shown as the total");
      const bar = await page.getByRole("progressbar", { name: "Run progress" }).first().getAttribute("aria-valuenow");
      if (bar === "100") throw new Error("a cancelled run shows a full progress bar");
      await shot("run-cancelled");
    },
  },
  {
    name: "lineage: graph opens",
    core: false,
    probe: templateProbe("/lineage?direction=both&max_depth=3"),
    async run({ page, ctx, shot }) {
      const id = await firstTemplate(ctx);
      await page.goto(`${ctx.base}/templates/${id}?tab=lineage`);
      await page.locator(".react-flow__node").first().waitFor({ timeout: TIMEOUT });
      const count = await page.locator(".react-flow__node").count();
      await page.waitForTimeout(300); // let fitView settle before the screenshot
      await shot("lineage");
      // It opens readable (node names at 11 px or more on screen) and on the current version, at
      // 1440 and on a phone (where a fit used to shrink it to 0.55 away from "this").
      const opening = () =>
        page.evaluate(() => {
          const pane = document.querySelector(".react-flow").getBoundingClientRect();
          const root = document.querySelector('[data-root="true"]');
          const r = root.getBoundingClientRect();
          const zoom = new DOMMatrix(getComputedStyle(document.querySelector(".react-flow__viewport")).transform).a;
          const px = parseFloat(getComputedStyle(root.querySelector("p[title]")).fontSize) * zoom;
          return { inPane: r.left >= pane.left - 1 && r.right <= pane.right + 1 && r.top >= pane.top - 1 && r.bottom <= pane.bottom + 1, px: Math.round(px * 10) / 10 };
        });
      const wide = await opening();
      if (!wide.inPane || wide.px < 11) throw new Error(`at 1440 the graph opens with the current version ${wide.inPane ? "shown" : "off-screen"}, names at ${wide.px} px`);
      await page.setViewportSize({ width: 390, height: 844 });
      try {
        await page.reload();
        await page.locator('[data-root="true"]').waitFor({ timeout: TIMEOUT });
        await page.waitForTimeout(300);
        const phone = await opening();
        await shot("lineage-390", { fullPage: false });
        if (!phone.inPane || phone.px < 11) throw new Error(`at 390 the graph opens with the current version ${phone.inPane ? "shown" : "off-screen"}, names at ${phone.px} px`);
      } finally {
        await page.setViewportSize({ width: 1440, height: 900 });
      }
      await page.reload();
      await page.locator(".react-flow__node").first().waitFor({ timeout: TIMEOUT });
      // Runs carry their status: the cancelled run must not look like a completed one.
      if (ctx.cancelledRunId && (await page.locator(`[data-node-type="run"]`).count()) > 0) {
        const cancelled = page.locator('[data-node-type="run"][data-status="cancelled"]');
        await cancelled.first().waitFor({ timeout: TIMEOUT });
      }
      // A template node shows its whole version, however long the name.
      const versions = await page.locator('[data-node-type="template"] p[title]').evaluateAll((ps) =>
        ps.map((p) => ({ title: p.title, shown: p.lastElementChild.textContent, cut: p.lastElementChild.scrollWidth > p.lastElementChild.clientWidth + 1 })),
      );
      for (const v of versions) {
        const version = /(v\d[\w.+-]*)$/.exec(v.title)?.[1];
        if (version && (v.shown !== version || v.cut)) throw new Error(`node "${v.title}" shows "${v.shown}"`);
      }
      // Edges are not tab stops (their names would be internal ids); nodes are, named for what they are,
      // with a visible focus ring.
      const edgeStops = await page.locator(".react-flow__edge[tabindex]").count();
      if (edgeStops) throw new Error(`${edgeStops} edges are focusable`);
      const names = await page.locator(".react-flow__node").evaluateAll((ns) => ns.map((n) => n.getAttribute("aria-label") ?? ""));
      const unnamed = names.filter((n) => !/^(Template|Example|Run|Snapshot|Cluster|DSPy program) \S/.test(n));
      if (unnamed.length) throw new Error(`nodes without a proper name: ${JSON.stringify(unnamed.slice(0, 3))}`);
      await page.getByRole("combobox", { name: "Depth" }).focus();
      for (let i = 0; i < 10 && !(await page.evaluate(() => document.activeElement?.classList.contains("react-flow__node"))); i++) await page.keyboard.press("Tab");
      const ring = await page.evaluate(() => {
        const el = document.activeElement;
        const st = el && getComputedStyle(el);
        return el?.classList.contains("react-flow__node") ? `${st.outlineStyle} ${st.outlineWidth}` : `focus on ${el?.tagName}`;
      });
      if (!/^solid [1-9]/.test(ring)) throw new Error(`a node focused with Tab shows no focus ring (${ring})`);
      await shot("lineage-node-focused", { fullPage: false });
      // Enter on a cluster expands it; Enter on an example or a run opens it, as a click does.
      const cluster = page.locator('.react-flow__node[aria-label^="Cluster "]');
      if (await cluster.count()) {
        await cluster.first().focus();
        await page.keyboard.press("Enter");
      }
      const openable = page.locator('.react-flow__node[aria-label^="Example "], .react-flow__node[aria-label^="Run "]');
      if (count > 1 || (await cluster.count())) {
        await openable.first().waitFor({ timeout: TIMEOUT });
        await openable.first().focus();
        await page.keyboard.press("Enter");
        await page.waitForURL(/\/(examples|runs)\/[^/?]+/, { timeout: TIMEOUT });
        // The graph is gone with the page: focus is on the opened page's heading, not on <body>.
        await page.waitForFunction(() => document.activeElement?.matches("main h1"), null, { timeout: TIMEOUT });
      }
    },
  },


  {
    name: "lineage: many examples collapse into clusters",
    core: false,
    probe: (ctx) => (ctx.runId ? missing(ctx, "GET", `/dspy-runs/${ctx.runId}/results`) : "no completed run from the optimization flow"),
    async run({ page, ctx, shot }) {
      // Accepting the completed run makes a version whose lineage holds the run's examples.
      const accepted = await apiCall(ctx.base, "POST", `/dspy-runs/${ctx.runId}/accept`);
      if (accepted.status >= 300) throw new Error(`accept → ${accepted.status} ${JSON.stringify(accepted.body).slice(0, 200)}`);
      const version = accepted.body?.template?.id;
      if (!version) throw new Error(`accept answered no template: ${JSON.stringify(accepted.body).slice(0, 200)}`);
      // The version's overview lists the demos it was accepted with, as input → output tables.
      const demos = (accepted.body?.template?.examples ?? []).length;
      if (demos === 0) throw new Error("the accepted version carries no demos");
      await page.goto(`${ctx.base}/templates/${version}`);
      await page.getByRole("list", { name: "Demonstrations" }).waitFor({ timeout: TIMEOUT });
      const more = page.getByRole("button", { name: `Show all ${demos} demos` });
      if (await more.count()) await more.click();
      const tables = await page.getByRole("group", { name: /^Demonstration \d+$/ }).count();
      if (tables !== demos) throw new Error(`${tables} demo tables for ${demos} accepted demos`);
      await shot("template-demos");
      const lineage = await apiCall(ctx.base, "GET", `/templates/${version}/lineage?direction=both&max_depth=3`);
      const exampleNodes = (lineage.body?.nodes ?? []).filter((n) => n.type === "example").length;
      await page.goto(`${ctx.base}/templates/${version}?tab=lineage`);
      await page.locator(".react-flow__node").first().waitFor({ timeout: TIMEOUT });
      await page.waitForTimeout(300);
      await shot("lineage-clusters");
      if (exampleNodes <= 12) throw new Error(`only ${exampleNodes} example nodes; nothing to cluster`);
      const clusters = page.locator('[data-node-type="cluster"]');
      if ((await clusters.count()) === 0) throw new Error(`${exampleNodes} example nodes drawn one by one`);
      const shown = await page.locator(".react-flow__node").count();
      if (shown > 20) throw new Error(`${shown} nodes drawn for ${exampleNodes} examples`);
      const toggle = page.getByRole("group", { name: "Example clusters" }).getByRole("button").first();
      await toggle.click();
      await page.waitForFunction((n) => document.querySelectorAll(".react-flow__node").length > n, shown, { timeout: TIMEOUT });
      if ((await toggle.getAttribute("aria-pressed")) !== "true") throw new Error("the cluster toggle does not show it is open");
    },
  },
  {
    name: "every page and dialog at 1280×800 and 390×844 (some at 768×1024)",
    core: true,
    async run({ page, ctx, shot }) {
      const exampleId = await anyExampleId(ctx);
      const r = await apiCall(ctx.base, "GET", "/templates?page=1&page_size=50");
      const tpl = r.body?.templates?.find((t) => t.status === "published")?.id ?? r.body?.templates?.[0]?.id;
      const runs = await apiCall(ctx.base, "GET", "/dspy-runs");
      const runList = Array.isArray(runs.body) ? runs.body : (runs.body?.runs ?? []);
      const runId = ctx.runId ?? ctx.cancelledRunId ?? runList[0]?.run_id;
      // Outcomes fill the dashboard's tables and give a retrieval to explain (issue #18).
      let retrievalId = null;
      for (const [i, query] of ["pressure sensor calibration", "detector failure", "calibration drift"].entries()) {
        const got = await apiCall(ctx.base, "POST", "/examples/retrieve", { query, k: 3 });
        if (got.status !== 200) continue;
        retrievalId ??= got.body.retrieval_id;
        await apiCall(ctx.base, "POST", "/examples/outcome", { retrieval_id: got.body.retrieval_id, outcome: i % 2 ? "failure" : "success" });
      }
      // A deleted example whose content holds long JSON lines: its tombstone page must still fit.
      const longLine = `${"calibration-step-".repeat(12)}end`;
      const doomed = await apiCall(ctx.base, "POST", "/examples", {
        input: { question: `Deleted ${ctx.token}: ${longLine}`, context: { steps: [longLine, longLine] } },
        expected_output: { answer: longLine },
        domain: "e2e_deleted",
      });
      const deletedId = doomed.body?.example_id;
      if (deletedId) await apiCall(ctx.base, "DELETE", `/examples/${deletedId}`);
      const pages = [
        ["examples", "/examples"],
        ...(deletedId ? [["example-deleted", `/examples/${deletedId}`]] : []),
        ["examples-deleted", "/examples/deleted"],
        ["search", "/examples?q=pressure%20sensor&mode=keyword"],
        ["example-new", "/examples/new"],
        ["example-detail", `/examples/${exampleId}`],
        ["import", "/examples/import"],
        ["dashboard", "/dashboard"],
        ["templates", "/templates"],
        ...(tpl
          ? ["overview", "export", "lineage", "attribution", "versions"].map((tab) => [`template-${tab}`, `/templates/${tpl}?tab=${tab}`])
          : []),
        ["runs", "/runs"],
        ["runs-new", `/runs?new=1${tpl ? `&template=${tpl}` : ""}`],
        ...(runId ? [["run-detail", `/runs/${runId}`]] : []),
        ...(retrievalId ? [["retrieval", `/retrievals/${retrievalId}`]] : []),
        ["quality", "/quality"],
        ["snapshots", "/snapshots"],
        ["not-found", "/no-such-page"],
      ];
      const problems = [];
      // At tablet width only the pages a walk-through found too wide or too cramped there.
      const tabletPages = new Set(["example-deleted", "examples-deleted", "templates", "runs", "quality"]);
      for (const [width, height, prefix] of [[1280, 800, "wide"], [768, 1024, "tablet"], [390, 844, "narrow"]]) {
        await page.setViewportSize({ width, height });
        for (const [name, path] of pages) {
          if (prefix === "tablet" && !tabletPages.has(name)) continue;
          await page.goto(`${ctx.base}${path}`);
          await page.locator("main h1").first().waitFor({ timeout: TIMEOUT });
          await settle(page);
          const title = await page.title();
          if (!title || title === "Exemplar") problems.push(`${prefix} ${name}: page title is ${JSON.stringify(title)}`);
          try {
            // At tablet width, too, no table may hide columns behind a sideways scroll.
            await assertFits(page, `${prefix} ${name}`, { narrow: prefix !== "wide" });
          } catch (e) {
            problems.push(e.message);
          }
          await shot(`${prefix}-${name}`);
        }
        if (prefix === "tablet") continue;
        // Dialogs: each opened, checked and screenshot, then closed with Escape.
        const dialogs = [
          ["dialog-delete-example", `/examples/${exampleId}`, (p) => p.getByRole("button", { name: "Delete" }).first().click()],
          ["dialog-new-template", "/templates", (p) => p.getByRole("button", { name: "New template" }).click()],
          ["dialog-freeze-snapshot", "/examples?domain=calibration", (p) => p.getByRole("button", { name: "Freeze as snapshot" }).click()],
          ["dialog-bulk-edit", "/examples", async (p) => {
            await p.getByRole("checkbox", { name: /Select example/ }).first().check();
            await p.getByRole("region", { name: "Bulk actions" }).getByRole("button", { name: "Edit…" }).click();
          }],
        ];
        for (const [name, path, open] of dialogs) {
          await page.goto(`${ctx.base}${path}`);
          await page.locator("main h1").first().waitFor({ timeout: TIMEOUT });
          await settle(page);
          try {
            await open(page);
            await page.getByRole("dialog").waitFor({ timeout: TIMEOUT });
            await page.waitForTimeout(200);
            await assertFits(page, `${prefix} ${name}`, { narrow: prefix === "narrow" });
            await shot(`${prefix}-${name}`, { fullPage: false }); // the dialog as it is seen, over the page
            await page.keyboard.press("Escape");
          } catch (e) {
            problems.push(`${prefix} ${name}: ${e.message.split("\n")[0]}`);
          }
        }
      }
      // Issue #18: the effectiveness panel shows the posterior; a retrieval says why each example was chosen.
      await page.goto(`${ctx.base}/examples/${exampleId}`);
      for (const text of ["Posterior mean", "90% interval", "Posterior"]) await page.getByText(text, { exact: true }).first().waitFor({ timeout: TIMEOUT });
      if (retrievalId) {
        await page.getByLabel("Retrieval ID").fill(retrievalId);
        await page.getByRole("button", { name: "Open", exact: true }).click();
        await page.waitForURL(/\/retrievals\//, { timeout: TIMEOUT });
        const why = page.getByRole("table", { name: "Ranking reasons" });
        await why.waitFor({ timeout: TIMEOUT });
        // On a phone each cell shows its column's name (CSS generated content) next to its value.
        const row = await why.locator("tbody tr").first().evaluate((tr) =>
          [...tr.cells].filter((td) => td.offsetParent !== null).map((td) => `${getComputedStyle(td, "::before").content.replace(/^"|"$/g, "")}=${td.textContent.trim()}`).join(" | "),
        );
        for (const label of ["Relevance=", "Effectiveness draw=0.", "Rank score=0."]) {
          if (!row.includes(label)) problems.push(`narrow retrieval: a row does not show "${label}": ${JSON.stringify(row.slice(0, 300))}`);
        }
        await shot("narrow-retrieval-why");
      }
      // On a phone the sidebar is a drawer behind the menu button.
      await page.goto(`${ctx.base}/examples`);
      if (await page.locator("aside").isVisible()) problems.push("narrow: the sidebar is still shown");
      await page.getByRole("button", { name: "Open menu" }).click();
      const drawer = page.getByRole("dialog", { name: "Menu" });
      await drawer.waitFor({ timeout: TIMEOUT });
      await shot("narrow-menu");
      await drawer.getByRole("link", { name: "Templates" }).click();
      await page.waitForURL(/\/templates$/, { timeout: TIMEOUT });
      await drawer.waitFor({ state: "detached", timeout: TIMEOUT });
      await page.setViewportSize({ width: 1440, height: 900 });
      if (problems.length) throw new Error(problems.join("; "));
    },
  },
];

// The main journeys: examples (create, search, edit, delete, restore), snapshots, the dashboard,
// template export and an offline optimization run. Flow shape: see flows.mjs.
import { apiCall } from "./harness.mjs";
import { TIMEOUT, firstTemplate, missing, templateProbe } from "./flows_util.mjs";

export const coreFlows = [

  {
    name: "examples: create",
    core: true,
    async run({ page, ctx, shot }) {
      await page.goto(`${ctx.base}/`);
      await page.waitForURL(/\/examples$/, { timeout: TIMEOUT });
      await page.getByRole("heading", { name: "Examples", exact: true }).waitFor({ timeout: TIMEOUT });
      await page.getByTestId("example-card").or(page.getByText("No examples yet")).first().waitFor({ timeout: TIMEOUT });
      await shot("examples");
      await page.getByRole("link", { name: "New example" }).click();
      await page.waitForURL(/\/examples\/new$/, { timeout: TIMEOUT });
      // The untouched form holds {} → {}: refused at the fields, nothing typed is lost.
      await page.getByLabel("Explanation").fill("typed before the empty submit");
      await page.getByRole("button", { name: "Create example" }).click();
      await page.getByText("Add at least one input field").waitFor({ timeout: TIMEOUT });
      await page.getByText("Add at least one output field").waitFor({ timeout: TIMEOUT });
      if (!/\/examples\/new$/.test(page.url())) throw new Error(`empty example was submitted: ${page.url()}`);
      if ((await page.getByLabel("Explanation").inputValue()) !== "typed before the empty submit") throw new Error("typed text was lost");
      await shot("example-new-empty-refused");
      await page.getByLabel("Input (JSON object)").fill(JSON.stringify({ question: `How do I recalibrate the ${ctx.token} pressure sensor?` }, null, 2));
      await page.getByLabel("Expected output (JSON object)").fill(JSON.stringify({ answer: "Zero it at ambient pressure, then apply the reference load." }, null, 2));
      await page.getByLabel("Explanation").fill("Two-point calibration procedure.");
      await page.getByLabel("Domain").fill("calibration");
      await page.getByLabel("Function name").fill("e2e_recalibrate");
      await page.getByLabel("Capability tags").fill("calibration, e2e");
      await shot("example-new");
      await page.getByRole("button", { name: "Create example" }).click();
      await page.waitForURL(/\/examples\/(?!new)[^/]+$/, { timeout: TIMEOUT });
      ctx.exampleId = decodeURIComponent(new URL(page.url()).pathname.split("/").pop());
      // Titled by the input, with the function as a badge.
      await page.getByRole("heading", { name: `How do I recalibrate the ${ctx.token} pressure sensor?` }).waitFor({ timeout: TIMEOUT });
      await page.getByText("e2e_recalibrate", { exact: true }).first().waitFor({ timeout: TIMEOUT });
      if (!(await page.title()).includes("recalibrate")) throw new Error(`page title is ${JSON.stringify(await page.title())}`);
      await page.getByText("Effectiveness", { exact: true }).first().waitFor({ timeout: TIMEOUT });
      await shot("example-detail");
      const r = await apiCall(ctx.base, "GET", `/examples/${ctx.exampleId}`);
      if (r.status !== 200) throw new Error(`created example not readable: GET → ${r.status}`);
    },
  },
  {
    name: "examples: search",
    core: true,
    async run({ page, ctx, shot }) {
      if (!ctx.exampleId) throw new Error("no example was created");
      await page.goto(`${ctx.base}/examples`);
      await page.getByLabel("Search examples").fill(`${ctx.token} pressure sensor`);
      await page.getByLabel("Search mode").selectOption("hybrid");
      await page.getByLabel("Search examples").press("Enter");
      const results = page.getByRole("region", { name: "Search results" });
      await results.waitFor({ timeout: TIMEOUT });
      const card = results.getByTestId("example-card").filter({ hasText: "e2e_recalibrate" });
      await card.first().waitFor({ timeout: TIMEOUT });
      await card.first().getByLabel("Ranking scores").waitFor({ timeout: TIMEOUT });
      if (!page.url().includes("q=")) throw new Error("search query is not in the URL");
      await shot("search");
    },
  },
  {
    name: "examples: edit",
    core: true,
    async run({ page, ctx, shot }) {
      if (!ctx.exampleId) throw new Error("no example was created");
      await page.goto(`${ctx.base}/examples/${ctx.exampleId}`); // deep link: needs the SPA fallback
      await page.getByLabel("Explanation").fill("Two-point calibration: zero first, then span.");
      await page.getByLabel("Difficulty").selectOption("hard");
      await page.getByRole("button", { name: "Save changes" }).click();
      await page.getByRole("status").filter({ hasText: "Saved as version" }).waitFor({ timeout: TIMEOUT });
      const r = await apiCall(ctx.base, "GET", `/examples/${ctx.exampleId}`);
      if (r.body?.explanation !== "Two-point calibration: zero first, then span.") throw new Error(`explanation not saved: ${JSON.stringify(r.body?.explanation)}`);
      if (!(r.body?.version >= 2)) throw new Error(`version not bumped: ${r.body?.version}`);
      await shot("example-edited");
    },
  },
  {
    name: "examples: delete",
    core: true,
    async run({ page, ctx, shot }) {
      if (!ctx.exampleId) throw new Error("no example was created");
      await page.goto(`${ctx.base}/examples/${ctx.exampleId}`);
      await page.getByRole("button", { name: "Delete" }).click();
      const dialog = page.getByRole("dialog");
      await dialog.waitFor({ timeout: TIMEOUT });
      await shot("example-delete-dialog");
      await page.keyboard.press("Escape");
      await dialog.waitFor({ state: "detached", timeout: TIMEOUT });
      await page.getByRole("button", { name: "Delete" }).click();
      const notFound = [];
      const onResponse = (res) => res.status() === 404 && res.url().includes(ctx.exampleId) && notFound.push(`${res.request().method()} ${res.url()}`);
      page.on("response", onResponse);
      await dialog.getByRole("button", { name: "Delete" }).click();
      await page.waitForURL(/\/examples$/, { timeout: TIMEOUT });
      await page.getByRole("heading", { name: "Examples", exact: true }).waitFor({ timeout: TIMEOUT });
      await page.waitForTimeout(500);
      page.off("response", onResponse);
      if (notFound.length) throw new Error(`requests answered 404 after the delete: ${notFound.join(", ")}`);
      const r = await apiCall(ctx.base, "GET", `/examples/${ctx.exampleId}`);
      if (r.status !== 404) throw new Error(`deleted example still answers ${r.status}`);
    },
  },
  {
    name: "examples: a deleted example keeps its history and is restored",
    core: false,
    probe: (ctx) => missing(ctx, "GET", "/snapshots"),
    async run({ page, ctx, shot }) {
      if (!ctx.exampleId) throw new Error("no example was created");
      await page.goto(`${ctx.base}/examples/${ctx.exampleId}`);
      await page.getByRole("heading", { name: "Deleted example" }).waitFor({ timeout: TIMEOUT });
      await page.getByRole("list", { name: "Audit trail" }).waitFor({ timeout: TIMEOUT });
      await shot("example-deleted");
      await page.getByRole("button", { name: "Restore" }).click();
      await page.getByRole("button", { name: "Save changes" }).waitFor({ timeout: TIMEOUT });
      const r = await apiCall(ctx.base, "GET", `/examples/${ctx.exampleId}`);
      if (r.status !== 200) throw new Error(`restored example answers ${r.status}`);
    },
  },
  {
    name: "snapshots: freeze the current filter, list and export",
    core: false,
    probe: (ctx) => missing(ctx, "GET", "/snapshots"),
    async run({ page, ctx, shot }) {
      await page.goto(`${ctx.base}/examples?domain=calibration`);
      await page.getByTestId("example-card").first().waitFor({ timeout: TIMEOUT });
      const before = (await apiCall(ctx.base, "GET", "/snapshots?page=1&page_size=100")).body?.total ?? 0;
      const matching = (await apiCall(ctx.base, "GET", "/examples?domain=calibration&page=1&page_size=1")).body?.total;
      await page.getByRole("button", { name: "Freeze as snapshot" }).click();
      // A confirm dialog first: it names the snapshot and says how many examples it freezes.
      const dialog = page.getByRole("dialog", { name: "Freeze as snapshot" });
      await dialog.getByText(`This freezes ${matching} example${matching === 1 ? "" : "s"} matching domain=calibration.`).waitFor({ timeout: TIMEOUT });
      await dialog.getByLabel("Name").fill(`calibration ${ctx.token}`);
      await shot("snapshot-freeze-dialog", { fullPage: false });
      // Clicked three times: one snapshot.
      await dialog.getByRole("button", { name: /^Freeze \d+ example/ }).click({ clickCount: 3 });
      await page.waitForURL(/\/snapshots\?created=/, { timeout: TIMEOUT });
      const list = page.getByRole("list", { name: "Snapshots" });
      const fresh = list.locator('li[aria-current="true"]');
      await fresh.filter({ hasText: `calibration ${ctx.token}` }).filter({ hasText: "Just frozen" }).waitFor({ timeout: TIMEOUT });
      const after = (await apiCall(ctx.base, "GET", "/snapshots?page=1&page_size=100")).body?.total ?? 0;
      if (after !== before + 1) throw new Error(`freezing made ${after - before} snapshots`);
      const href = await fresh.getByRole("link", { name: "JSONL", exact: true }).getAttribute("href");
      const first = await fetch(`${ctx.base}${href}`).then((x) => x.text());
      const second = await fetch(`${ctx.base}${href}`).then((x) => x.text());
      if (!first || first !== second) throw new Error("snapshot export is empty or differs between downloads");
      await shot("snapshots");
    },
  },
  {
    name: "dashboard",
    core: false,
    probe: (ctx) => missing(ctx, "GET", "/examples/dashboard?period=30d"),
    async run({ page, ctx, shot }) {
      await page.goto(`${ctx.base}/dashboard`);
      await page.getByRole("heading", { name: "Daily usage" }).waitFor({ timeout: TIMEOUT });
      await page.getByRole("radio", { name: "7d" }).click();
      await page.waitForURL(/period=7d/, { timeout: TIMEOUT });
      await page.getByRole("heading", { name: "Daily usage" }).waitFor({ timeout: TIMEOUT });
      await shot("dashboard");
    },
  },
  {
    name: "templates: export to DSPy",
    core: false,
    probe: templateProbe("/export-dspy", "POST", { format: "python_module" }),
    async run({ page, ctx, shot }) {
      const id = await firstTemplate(ctx);
      await page.goto(`${ctx.base}/templates`);
      await page.locator("table a").first().waitFor({ timeout: TIMEOUT });
      await shot("templates");
      await page.goto(`${ctx.base}/templates/${id}`);
      await page.getByRole("tab", { name: "Overview" }).waitFor({ timeout: TIMEOUT });
      await page.getByRole("form", { name: "Template definition" }).waitFor({ timeout: TIMEOUT });
      await shot("template-detail");
      await page.getByRole("tab", { name: "Export to DSPy" }).click();
      await page.getByLabel("Format").selectOption("python_module");
      await page.getByRole("button", { name: "Generate" }).click();
      const code = page.getByLabel("Generated code");
      await code.waitFor({ timeout: 30_000 });
      const text = await code.innerText();
      if (!text.includes("class ")) throw new Error(`preview has no "class ": ${text.slice(0, 200)}`);
      // With the options untouched the UI exports what the API exports by default (the module the
      // version was made from, else Predict), not a ChainOfThought it chose itself, and says which.
      const byDefault = await apiCall(ctx.base, "POST", `/templates/${id}/export-dspy`, { format: "python_module" });
      const apiModule = /dspy\.(ChainOfThought|Predict)\(/.exec(byDefault.body?.content ?? "")?.[1];
      const uiModule = /dspy\.(ChainOfThought|Predict)\(/.exec(text)?.[1];
      if (!apiModule || uiModule !== apiModule) throw new Error(`UI exported module ${uiModule}, the API's default is ${apiModule}`);
      await page.getByText(`module ${apiModule}`).first().waitFor({ timeout: TIMEOUT });
      // Each finding's severity reads in full beside its message (the message's width squeezed it to "wa…").
      const findings = page.getByRole("list", { name: "Validation findings" });
      if (await findings.count()) {
        const cut = await findings.locator("li").evaluateAll((items) =>
          items.map((li) => li.querySelector(".truncate")).filter((b) => b && b.scrollWidth > b.clientWidth + 1).map((b) => b.textContent),
        );
        if (cut.length) throw new Error(`finding severity cut off: ${cut.join(", ")}`);
      }
      await page.getByRole("button", { name: "Copy" }).click();
      await page.getByRole("button", { name: "Copied" }).waitFor({ timeout: TIMEOUT });
      const copied = await page.evaluate(() => navigator.clipboard.readText()).catch(() => null);
      if (copied !== null && !copied.includes("class ")) throw new Error(`clipboard holds ${JSON.stringify(copied.slice(0, 80))}`);
      await shot("template-export");
    },
  },
  {
    name: "optimization: offline run completes",
    core: false,
    probe: (ctx) => missing(ctx, "GET", "/dspy-runs"),
    async run({ page, ctx, shot }) {
      const id = await firstTemplate(ctx);
      await page.goto(`${ctx.base}/runs?new=1&template=${id}`);
      const form = page.getByRole("form", { name: "Launch optimization" });
      await form.waitFor({ timeout: TIMEOUT });
      await form.getByLabel("Optimizer").selectOption("BootstrapFewShot");
      await form.getByLabel("Metric").selectOption("exact_match");
      await form.getByLabel("Provider").selectOption("offline");
      await form.getByLabel("Max trials").fill("6");
      await shot("runs-launch");
      await form.getByRole("button", { name: "Start optimization" }).click();
      await page.waitForURL(/\/runs\/[^/?]+$/, { timeout: TIMEOUT });
      ctx.runId = new URL(page.url()).pathname.split("/").pop();
      await page.getByText("completed", { exact: true }).first().waitFor({ timeout: 180_000 });
      await page.getByRole("heading", { name: "Results" }).waitFor({ timeout: TIMEOUT });
      const full = await page.getByRole("progressbar", { name: "Run progress" }).first().getAttribute("aria-valuenow");
      if (full !== "100") throw new Error(`a completed run shows progress ${full}`);
      await shot("run-detail");
      await page.goto(`${ctx.base}/runs`);
      await page.locator(`a[href="/runs/${ctx.runId}"]`).waitFor({ timeout: TIMEOUT });
      await shot("runs");
    },
  },
];

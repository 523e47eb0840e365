// The browser flows. Each flow: { name, core, probe?, run }. `probe` returns a reason string to
// skip (an endpoint the server does not serve yet answers 404), or null to run. Core flows are
// never skipped. `ctx` carries state between flows (the created example, a template id).
import { apiCall } from "./harness.mjs";

const TIMEOUT = 15_000;

async function missing(ctx, method, path, body) {
  const r = await apiCall(ctx.base, method, path, body);
  return r.status === 404 ? `endpoint missing: ${method} ${path.split("?")[0]} → 404` : null;
}

async function firstTemplate(ctx) {
  if (ctx.templateId) return ctx.templateId;
  const r = await apiCall(ctx.base, "GET", "/templates?page=1&page_size=50");
  const list = r.body?.templates ?? [];
  if (r.status !== 200 || list.length === 0) throw new Error(`no templates to work with (GET /templates → ${r.status}, ${list.length} templates)`);
  const published = list.find((t) => t.status === "published");
  ctx.templateId = (published ?? list[0]).id;
  return ctx.templateId;
}

const templateProbe = (suffix, method = "GET", body) => async (ctx) => {
  const r = await apiCall(ctx.base, "GET", "/templates?page=1&page_size=50");
  if (r.status === 404) return "endpoint missing: GET /templates → 404";
  const id = await firstTemplate(ctx);
  return missing(ctx, method, `/templates/${id}${suffix}`, body);
};

export const flows = [
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
      await page.getByRole("heading", { name: "e2e_recalibrate" }).waitFor({ timeout: TIMEOUT });
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
      await dialog.getByRole("button", { name: "Delete" }).click();
      await page.waitForURL(/\/examples$/, { timeout: TIMEOUT });
      const r = await apiCall(ctx.base, "GET", `/examples/${ctx.exampleId}`);
      if (r.status !== 404) throw new Error(`deleted example still answers ${r.status}`);
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
      await shot("run-detail");
      await page.goto(`${ctx.base}/runs`);
      await page.locator(`a[href="/runs/${ctx.runId}"]`).waitFor({ timeout: TIMEOUT });
      await shot("runs");
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
      const other = page.locator('.react-flow__node:not(:has([data-node-type="template"]))');
      if (count > 1 && (await other.count()) > 0) {
        await other.first().click();
        await page.waitForURL(/\/(examples|runs|templates)\/[^/?]+/, { timeout: TIMEOUT });
      }
    },
  },
];

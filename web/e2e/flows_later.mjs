// Later edge cases: a draft's unsaved edits through publishing, a phone's paging and menu drawer,
// quality warnings and merges, and the API docs. Flow shape: see flows.mjs.
import { apiCall } from "./harness.mjs";
import { TIMEOUT, missing } from "./flows_util.mjs";

export const laterFlows = [
  {
    name: "templates: unsaved edits survive a tab switch and are saved before publishing",
    core: true,
    async run({ page, ctx, shot }) {
      const created = await apiCall(ctx.base, "POST", "/templates", {
        name: `E2E draft ${ctx.token}`,
        input_schema: [{ name: "customer_support_question_text", type: "string" }],
        output_schema: [{ name: "answer", type: "string" }],
        prompt_template: "Answer the question.",
      });
      if (created.status !== 201 && created.status !== 200) throw new Error(`POST /templates → ${created.status}`);
      const id = created.body.id;
      await page.goto(`${ctx.base}/templates/${id}`);
      const instructions = page.getByLabel(/^Instructions/);
      // At 1440 px a field's name is shown whole in its input.
      const name = page.getByLabel("Input fields field 1 name");
      const cut = await name.evaluate((el) => el.scrollWidth > el.clientWidth);
      if (cut) throw new Error(`the field name input cuts "${await name.inputValue()}"`);
      await page.getByRole("checkbox", { name: "Input fields: customer_support_question_text required" }).waitFor({ timeout: TIMEOUT });
      await instructions.fill("Answer the question in one sentence.");
      await page.getByRole("tab", { name: "Export to DSPy" }).click();
      await page.getByRole("tab", { name: "Overview" }).click();
      if ((await instructions.inputValue()) !== "Answer the question in one sentence.") throw new Error("the edit was lost on a tab switch");
      await page.getByRole("button", { name: "Publish" }).click();
      const dialog = page.getByRole("dialog", { name: "Publish this version?" });
      await dialog.getByText(/saved first/).waitFor({ timeout: TIMEOUT });
      await shot("template-publish-unsaved");
      await dialog.getByRole("button", { name: "Publish" }).click();
      await page.getByRole("status").filter({ hasText: "Saved and published" }).waitFor({ timeout: TIMEOUT });
      const r = await apiCall(ctx.base, "GET", `/templates/${id}`);
      if (r.body?.status !== "published" || r.body?.prompt_template !== "Answer the question in one sentence.") {
        throw new Error(`published ${JSON.stringify({ status: r.body?.status, prompt_template: r.body?.prompt_template })}`);
      }
    },
  },
  {
    name: "phone: paging starts at the list's top; the menu drawer holds focus",
    core: true,
    async run({ page, ctx, shot }) {
      await page.setViewportSize({ width: 375, height: 812 });
      try {
        await page.goto(`${ctx.base}/examples`);
        await page.getByTestId("example-card").first().waitFor({ timeout: TIMEOUT });
        await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
        await page.getByRole("navigation", { name: "Pagination" }).getByRole("button", { name: "Next" }).click();
        await page.waitForURL(/[?&]page=2/, { timeout: TIMEOUT });
        // The range shows in the pager and, once announced, in the live region too.
        await page.getByText(/^19–/).first().waitFor({ timeout: TIMEOUT });
        const top = await page.getByRole("checkbox", { name: "Select page" }).evaluate((el) => el.getBoundingClientRect().top);
        if (top < 0 || top > 812 / 2) throw new Error(`after Next the list's top is at ${Math.round(top)} px, not near the top of the screen`);
        await shot("narrow-examples-page-2", { fullPage: false });
        // The bulk bar's buttons stay inside the bar.
        await page.getByRole("checkbox", { name: /Select example/ }).first().check();
        const bar = page.getByRole("region", { name: "Bulk actions" });
        const outside = await bar.evaluate((el) => {
          const box = el.getBoundingClientRect();
          return [...el.querySelectorAll("button")].filter((b) => b.getBoundingClientRect().right > box.right + 0.5).map((b) => b.textContent);
        });
        if (outside.length) throw new Error(`bulk bar buttons overflow the bar: ${outside.join(", ")}`);
        await shot("narrow-bulk-bar", { fullPage: false });
        await bar.getByRole("button", { name: "Clear" }).click();

        const menu = page.getByRole("button", { name: "Open menu" });
        await menu.click();
        const drawer = page.getByRole("dialog", { name: "Menu" });
        await drawer.waitFor({ timeout: TIMEOUT });
        const state = async () =>
          page.evaluate(() => ({ inside: Boolean(document.activeElement?.closest("#mobile-nav")), overflow: getComputedStyle(document.body).overflow }));
        if (!(await state()).inside) throw new Error("focus did not move into the drawer");
        if ((await state()).overflow !== "hidden") throw new Error("the page behind the drawer still scrolls");
        for (let i = 0; i < 12; i++) await page.keyboard.press("Tab");
        if (!(await state()).inside) throw new Error("Tab left the open drawer");
        await page.keyboard.press("Escape");
        await drawer.waitFor({ state: "detached", timeout: TIMEOUT });
        if (!(await menu.evaluate((el) => el === document.activeElement))) throw new Error("focus did not return to the menu button");
      } finally {
        await page.setViewportSize({ width: 1440, height: 900 });
      }
    },
  },
  {
    name: "quality: duplicate warning, Quality page merge, bulk edit",
    core: false,
    probe: (ctx) => missing(ctx, "GET", "/quality/duplicates"),
    async run({ page, ctx, shot }) {
      const text = `Seal leak at the ${ctx.token} flange after thermal cycling`;
      const body = { input: { text }, expected_output: { action: "scrap" }, domain: "e2e_quality" };
      const first = await apiCall(ctx.base, "POST", "/examples", body);
      if (first.status !== 201) throw new Error(`seed example: POST → ${first.status}`);
      // Saving the same input with another label through the form: stored, with a conflict warning.
      await page.goto(`${ctx.base}/examples/new`);
      await page.getByLabel("Input (JSON object)").fill(JSON.stringify({ text: text.toUpperCase() }, null, 2));
      await page.getByLabel("Expected output (JSON object)").fill(JSON.stringify({ action: "repair" }, null, 2));
      await page.getByLabel("Domain").fill("e2e_quality");
      await page.getByRole("button", { name: "Create example" }).click();
      await page.waitForURL(/\/examples\/(?!new)[^/]+$/, { timeout: TIMEOUT });
      const warnings = page.getByRole("status", { name: "Quality warnings" });
      await warnings.getByText("Conflict:").waitFor({ timeout: TIMEOUT });
      await shot("quality-save-warning");
      // The Quality page lists the pair as a conflict; keeping one deletes the other.
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Quality" }).click();
      await page.getByRole("tab", { name: "Conflicts" }).click();
      const cluster = page.getByRole("list", { name: "Cluster members" }).filter({ hasText: ctx.token });
      await cluster.waitFor({ timeout: TIMEOUT });
      await shot("quality-conflicts");
      // On a phone each member's text gets the row and its output is shown whole, not cut.
      await page.setViewportSize({ width: 375, height: 812 });
      await page.waitForTimeout(200);
      const squeezed = await cluster.locator("li").evaluateAll((rows) =>
        rows.flatMap((li) => {
          const text = li.firstElementChild.getBoundingClientRect().width;
          const out = li.querySelector("[data-testid=example-output]");
          const problems = [];
          if (text < 280) problems.push(`member text is ${Math.round(text)} px wide`);
          if (out.scrollHeight > out.clientHeight + 1 || out.scrollWidth > out.clientWidth + 1) problems.push(`output cut: ${out.textContent.slice(0, 60)}`);
          return problems;
        }),
      );
      await shot("narrow-quality-conflicts");
      await page.setViewportSize({ width: 1440, height: 900 });
      if (squeezed.length) throw new Error(`conflicts at 375 px: ${squeezed.join("; ")}`);
      await cluster.getByRole("button", { name: /^Keep only this: / }).first().click();
      const dialog = page.getByRole("dialog");
      await dialog.getByRole("button", { name: "Delete" }).click();
      await page.getByText(/Deleted 1 example/).waitFor({ timeout: TIMEOUT });
      const left = await apiCall(ctx.base, "GET", "/examples?domain=e2e_quality");
      if (left.body?.total !== 1) throw new Error(`after keeping one, ${left.body?.total} examples remain`);
      // Bulk edit from the selection bar: tag the remaining example.
      await page.goto(`${ctx.base}/examples?domain=e2e_quality`);
      await page.getByRole("checkbox", { name: /Select example/ }).first().check();
      await page.getByRole("region", { name: "Bulk actions" }).getByRole("button", { name: "Edit…" }).click();
      const edit = page.getByRole("dialog");
      await edit.getByLabel("Add tags").fill("e2e-reviewed");
      await edit.getByRole("button", { name: "Apply to 1" }).click();
      await page.getByText("Updated 1 example").waitFor({ timeout: TIMEOUT });
      const tagged = await apiCall(ctx.base, "GET", "/examples?domain=e2e_quality&capability_tag=e2e-reviewed");
      if (tagged.body?.total !== 1) throw new Error(`bulk edit did not tag the example (${tagged.status})`);
      // The output-value filter narrows the list.
      await page.goto(`${ctx.base}/examples?domain=e2e_quality&output=action%3Dnothing`);
      await page.getByText(/No examples/).first().waitFor({ timeout: TIMEOUT });
      await shot("quality-output-filter");
    },
  },
  {
    name: "api docs: /docs renders every tag of the OpenAPI document, offline",
    core: true,
    async run({ page, ctx, shot }) {
      const doc = await apiCall(ctx.base, "GET", "/openapi.json");
      const tags = (doc.body?.tags ?? []).map((t) => t.name);
      if (doc.status !== 200 || tags.length === 0) throw new Error(`GET /openapi.json → ${doc.status}, ${tags.length} tags`);
      // Everything the page loads comes from this server: the renderer is bundled, no CDN.
      const foreign = [];
      const onRequest = (req) => {
        const url = req.url();
        if (!url.startsWith(ctx.base) && !url.startsWith("data:")) foreign.push(url);
      };
      page.on("request", onRequest);
      try {
        await page.goto(`${ctx.base}/examples`);
        await page.getByRole("link", { name: "API docs" }).first().click();
        await page.waitForURL(/\/docs$/, { timeout: TIMEOUT });
        for (const tag of tags) {
          await page.locator(`.opblock-tag[data-tag="${tag}"]`).waitFor({ timeout: TIMEOUT });
        }
        // The plan's DSPy paths are listed as deprecated aliases.
        await page.locator(".opblock-deprecated").first().waitFor({ timeout: TIMEOUT });
        await shot("api-docs");
      } finally {
        page.off("request", onRequest);
      }
      if (foreign.length) throw new Error(`the docs page fetched from other hosts: ${foreign.slice(0, 3).join(", ")}`);
    },
  },
];

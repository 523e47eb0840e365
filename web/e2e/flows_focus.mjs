// Phone layout and keyboard focus after actions that remove or busy the pressed control; the DSPy
// round trip (export a program, import it back). Flow shape: see flows.mjs.
import { apiCall } from "./harness.mjs";
import { TIMEOUT, assertFits, firstTemplate, settle, templateProbe } from "./flows_util.mjs";

const focused = (page) =>
  page.evaluate(() => {
    const el = document.activeElement;
    return el && el !== document.body ? `${el.tagName.toLowerCase()} "${(el.getAttribute("aria-label") ?? el.textContent ?? "").trim().slice(0, 60)}"` : "body";
  });

/** Fails unless `locator` lies wholly inside the viewport and is what a tap at its centre hits. */
async function assertTappable(page, locator, what) {
  const r = await locator.evaluate((el) => {
    const b = el.getBoundingClientRect();
    const hit = document.elementFromPoint(b.left + b.width / 2, b.top + b.height / 2);
    return { left: b.left, right: b.right, top: b.top, bottom: b.bottom, w: innerWidth, h: innerHeight, hit: Boolean(hit && (hit === el || el.contains(hit))) };
  });
  if (r.left < 0 || r.top < 0 || r.right > r.w || r.bottom > r.h) throw new Error(`${what} is outside the ${r.w}×${r.h} viewport: ${JSON.stringify(r)}`);
  if (!r.hit) throw new Error(`${what} is covered: a tap at its centre hits something else`);
}

export const focusFlows = [
  {
    name: "focus: a refused template save goes to the invalid field; Restore goes to the heading",
    core: true,
    async run({ page, ctx }) {
      const draft = await apiCall(ctx.base, "POST", "/templates", { name: `Refused ${ctx.token}`, input_schema: [{ name: "q", type: "string" }, { name: "ctx", type: "string" }], output_schema: [{ name: "a", type: "string" }] });
      if (draft.status !== 201) throw new Error(`seed template: POST → ${draft.status}`);
      await page.goto(`${ctx.base}/templates/${draft.body.id}`);
      const first = page.getByLabel("Input fields field 1 name");
      await first.fill("self");
      // Save with the keyboard from the bottom of the form: the refused field is above, off-screen.
      const save = page.getByRole("button", { name: "Save changes" });
      await save.focus();
      await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
      await page.keyboard.press("Enter");
      await page.waitForFunction(() => document.activeElement?.getAttribute("aria-label") === "Input fields field 1 name", null, { timeout: TIMEOUT }).catch(() => undefined);
      if ((await focused(page)) !== 'input "Input fields field 1 name"') throw new Error(`after a refused save, focus is on ${await focused(page)}`);
      const seen = await first.evaluate((el) => {
        const b = el.getBoundingClientRect();
        const message = document.getElementById(el.getAttribute("aria-describedby") ?? "")?.textContent ?? "";
        return { inView: b.top >= 0 && b.bottom <= innerHeight, invalid: el.getAttribute("aria-invalid"), message };
      });
      if (!seen.inView || seen.invalid !== "true" || !seen.message) throw new Error(`the refused field is not shown with its message: ${JSON.stringify(seen)}`);

      // A duplicate name is refused for the list as a whole: its message takes focus.
      await first.fill("ctx");
      await save.focus();
      await page.keyboard.press("Enter");
      const inputs = page.getByRole("group", { name: "Input fields" });
      await inputs.locator("[data-invalid-message]").waitFor({ timeout: TIMEOUT });
      await page.waitForFunction(() => document.activeElement?.hasAttribute("data-invalid-message"), null, { timeout: TIMEOUT }).catch(() => undefined);
      if (!(await inputs.evaluate((g) => g.contains(document.activeElement) && document.activeElement.hasAttribute("data-invalid-message")))) {
        throw new Error(`after a duplicate name, focus is on ${await focused(page)}`);
      }

      // Restore on a deleted example's page: the button goes away with the view, focus goes to the heading.
      const made = await apiCall(ctx.base, "POST", "/examples", { input: { question: `Restore me ${ctx.token}` }, expected_output: { answer: "ok" }, domain: "e2e_focus" });
      const gone = await apiCall(ctx.base, "DELETE", `/examples/${made.body.example_id}`);
      if (gone.status !== 204) throw new Error(`seed delete: DELETE → ${gone.status}`);
      await page.goto(`${ctx.base}/examples/${made.body.example_id}`);
      const restore = page.getByRole("button", { name: "Restore" });
      await restore.focus();
      await page.keyboard.press("Enter");
      await page.getByRole("heading", { level: 1, name: `Restore me ${ctx.token}` }).waitFor({ timeout: TIMEOUT });
      await page.getByRole("status").filter({ hasText: "Example restored" }).waitFor({ timeout: TIMEOUT });
      await page.waitForFunction(() => document.activeElement?.tagName === "H1", null, { timeout: TIMEOUT }).catch(() => undefined);
      const now = await focused(page);
      if (!now.startsWith("h1 ")) throw new Error(`after Restore, focus is on ${now}`);
    },
  },
  {
    name: "examples: leaving a deleted example while its Restore is pending stays where the user went",
    core: true,
    async run({ page, ctx, shot }) {
      const made = await apiCall(ctx.base, "POST", "/examples", { input: { question: `Left behind ${ctx.token}` }, expected_output: { answer: "ok" }, domain: "e2e_focus" });
      const id = made.body.example_id;
      const gone = await apiCall(ctx.base, "DELETE", `/examples/${id}`);
      if (gone.status !== 204) throw new Error(`seed delete: DELETE → ${gone.status}`);
      await page.goto(`${ctx.base}/examples/${id}`);
      // The restore is held until the user has gone to Templates.
      let answer;
      const held = new Promise((resolve) => (answer = resolve));
      const restoreUrl = `**/api/v1/examples/${id}/restore`;
      await page.route(restoreUrl, async (route) => {
        await held;
        await route.continue();
      });
      try {
        await page.getByRole("button", { name: "Restore" }).click();
        await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Templates" }).click();
        await page.waitForURL((u) => u.pathname === "/templates", { timeout: TIMEOUT });
        answer();
        await page.getByRole("status").filter({ hasText: "Example restored" }).waitFor({ timeout: TIMEOUT });
        await settle(page);
        const path = new URL(page.url()).pathname;
        if (path !== "/templates") throw new Error(`the answered restore took the user from /templates to ${path}`);
        await shot("wide-restore-answered-after-leaving");
        // Templates' history entry is still there: Back goes to the example, Forward to Templates.
        await page.goBack();
        await page.waitForURL((u) => u.pathname === `/examples/${id}`, { timeout: TIMEOUT });
        await page.goForward();
        await page.waitForURL((u) => u.pathname === "/templates", { timeout: TIMEOUT });
      } finally {
        answer();
        await page.unroute(restoreUrl);
      }
      const back = await apiCall(ctx.base, "GET", `/examples/${id}`);
      if (back.status !== 200) throw new Error(`the example was not restored (${back.status})`);
    },
  },
  {
    name: "phone: a long function name is cut in the header, and the delete dialog's button stays on screen",
    core: true,
    async run({ page, ctx, shot }) {
      const fn = `calibrate_${"x".repeat(60)}_${ctx.token}`.slice(0, 80).padEnd(80, "y");
      const made = await apiCall(ctx.base, "POST", "/examples", { input: { question: `Long name ${ctx.token}` }, expected_output: { answer: "ok" }, function_name: fn, domain: "e2e_phone" });
      if (made.status !== 201) throw new Error(`seed example: POST → ${made.status}`);
      await page.setViewportSize({ width: 390, height: 844 });
      try {
        await page.goto(`${ctx.base}/examples/${made.body.example_id}`);
        await page.getByRole("heading", { name: `Long name ${ctx.token}` }).waitFor({ timeout: TIMEOUT });
        await settle(page);
        await assertFits(page, "example with an 80-character function name");
        const badge = page.locator(`main header [title="${fn}"]`);
        if ((await badge.count()) !== 1) throw new Error("the function badge does not carry the full name as its title");
        if (!(await badge.evaluate((el) => el.scrollWidth <= el.clientWidth + 1 && el.getBoundingClientRect().right <= innerWidth))) throw new Error("the function badge overflows");
        await shot("narrow-example-long-function");
        await page.getByRole("button", { name: "Delete" }).click();
        const dialog = page.getByRole("dialog", { name: "Delete this example?" });
        await dialog.waitFor({ timeout: TIMEOUT });
        await assertFits(page, "delete dialog");
        const confirm = dialog.getByRole("button", { name: "Delete" });
        await assertTappable(page, confirm, "the dialog's Delete button");
        await shot("narrow-example-delete-dialog", { fullPage: false });
        await confirm.click();
        await page.waitForURL(/\/examples$/, { timeout: TIMEOUT });
        // The pressed button is gone with its page: focus is on the toast's Undo, not the page.
        const undo = page.getByRole("status").filter({ hasText: "Example deleted" }).getByRole("button", { name: "Undo" });
        await undo.waitFor({ timeout: TIMEOUT });
        await page.waitForFunction(() => document.activeElement?.textContent === "Undo", null, { timeout: TIMEOUT }).catch(() => undefined);
        if ((await focused(page)) !== 'button "Undo"') throw new Error(`after the delete, focus is on ${await focused(page)}`);
        await page.keyboard.press("Enter");
        await page.getByRole("status").filter({ hasText: "Restored 1 example" }).waitFor({ timeout: TIMEOUT });
        const back = await apiCall(ctx.base, "GET", `/examples/${made.body.example_id}`);
        if (back.status !== 200) throw new Error(`Undo did not restore the example (${back.status})`);
      } finally {
        await page.setViewportSize({ width: 1440, height: 900 });
      }
    },
  },
  {
    name: "focus: saving an example or a template keeps focus on Save",
    core: true,
    async run({ page, ctx }) {
      const made = await apiCall(ctx.base, "POST", "/examples", { input: { question: `Focus ${ctx.token}` }, expected_output: { answer: "ok" }, domain: "e2e_focus" });
      await page.goto(`${ctx.base}/examples/${made.body.example_id}`);
      await page.getByLabel("Explanation").fill("first save");
      const save = page.getByRole("button", { name: "Save changes" });
      await save.focus();
      await page.keyboard.press("Enter");
      await page.getByRole("status").filter({ hasText: "Saved as version 2" }).waitFor({ timeout: TIMEOUT });
      await page.getByText("v2", { exact: true }).waitFor({ timeout: TIMEOUT });
      if ((await focused(page)) !== 'button "Save changes"') throw new Error(`after Save, focus is on ${await focused(page)}`);
      // Ctrl+Enter in a field saves and leaves focus in it.
      await page.getByLabel("Explanation").fill("second save");
      await page.keyboard.press("Control+Enter");
      await page.getByText("v3", { exact: true }).waitFor({ timeout: TIMEOUT });
      if ((await focused(page)) !== 'textarea "second save"') throw new Error(`after Ctrl+Enter, focus is on ${await focused(page)}`);

      const draft = await apiCall(ctx.base, "POST", "/templates", { name: `Focus ${ctx.token}`, input_schema: [{ name: "q", type: "string" }, { name: "ctx", type: "string" }], output_schema: [{ name: "a", type: "string" }] });
      if (draft.status !== 201) throw new Error(`seed template: POST → ${draft.status}`);
      await page.goto(`${ctx.base}/templates/${draft.body.id}`);
      await page.getByLabel(/^Instructions/).fill("Answer briefly.");
      await page.getByRole("button", { name: "Save changes" }).click();
      await page.getByRole("status").filter({ hasText: "Template saved" }).waitFor({ timeout: TIMEOUT });
      await settle(page);
      if ((await focused(page)) !== 'button "Save changes"') throw new Error(`after the template's Save, focus is on ${await focused(page)}`);
      await page.getByRole("button", { name: "Remove Input fields field 1" }).click();
      if ((await focused(page)) !== 'button "Remove Input fields field 1"') throw new Error(`after removing a field, focus is on ${await focused(page)}`);
    },
  },
  {
    name: "phone: an empty new example takes the user to the first invalid field",
    core: true,
    async run({ page, ctx, shot }) {
      await page.setViewportSize({ width: 390, height: 844 });
      try {
        await page.goto(`${ctx.base}/examples/new`);
        const create = page.getByRole("button", { name: "Create example" });
        await create.scrollIntoViewIfNeeded();
        await create.click();
        const input = page.getByLabel("Input (JSON object)");
        await page.waitForFunction(() => document.activeElement?.getAttribute("name") === "input", null, { timeout: TIMEOUT });
        await page.waitForTimeout(300);
        const top = await input.evaluate((el) => el.getBoundingClientRect().top);
        if (top < 0 || top > 844) throw new Error(`the invalid input field is off screen (top ${Math.round(top)} px)`);
        await shot("narrow-example-new-invalid", { fullPage: false });
      } finally {
        await page.setViewportSize({ width: 1440, height: 900 });
      }
    },
  },
  {
    name: "templates: a program exported for DSPy is imported back as a new version",
    core: false,
    probe: templateProbe("/import-dspy", "POST", {}),
    async run({ page, ctx, shot }) {
      const id = await firstTemplate(ctx);
      const exported = await apiCall(ctx.base, "POST", `/templates/${id}/export-dspy`, { format: "program_state" });
      if (exported.status !== 200) throw new Error(`export → ${exported.status}`);
      await page.goto(`${ctx.base}/templates/${id}?tab=export`);
      const form = page.getByRole("form", { name: "Import from DSPy" });
      await form.getByLabel("Program file (.json)").setInputFiles({ name: exported.body.filename, mimeType: "application/json", buffer: Buffer.from(exported.body.content) });
      await form.getByLabel("Create examples for unmatched demos").check();
      await form.getByRole("button", { name: "Import as a new version" }).click();
      const result = page.getByRole("status", { name: "Import result" });
      await result.waitFor({ timeout: TIMEOUT });
      const text = await result.innerText();
      if (!/\d+ matched/.test(text)) throw new Error(`result: ${text.slice(0, 200)}`);
      await shot("template-dspy-import");
      await assertFits(page, "DSPy import result");
      await result.getByRole("link", { name: /^version / }).click();
      await page.waitForURL((u) => /\/templates\/[^/?]+$/.test(u.pathname) && !u.pathname.endsWith(id), { timeout: TIMEOUT });
      const newId = new URL(page.url()).pathname.split("/").pop();
      const t = await apiCall(ctx.base, "GET", `/templates/${newId}`);
      if (t.body?.parent_template_id !== id) throw new Error(`the opened version's parent is ${t.body?.parent_template_id}, not ${id}`);
      await page.getByRole("heading", { name: t.body.name }).waitFor({ timeout: TIMEOUT });
      await page.getByText(`v${t.body.version}`, { exact: true }).first().waitFor({ timeout: TIMEOUT });
      // The new version's lineage starts at the imported program: a kind of its own, named by its
      // module and hash (the server's label is "dspy_program Predict:"), in the legend.
      await page.goto(`${ctx.base}/templates/${newId}?tab=lineage`);
      const program = page.locator('.react-flow__node:has([data-node-type="dspy_program"])');
      await program.first().waitFor({ timeout: TIMEOUT });
      const name = await program.first().getAttribute("aria-label");
      if (!/^DSPy program [A-Za-z]+ [0-9a-f]{8}$/.test(name ?? "")) throw new Error(`the imported program's node is named ${JSON.stringify(name)}`);
      await page.getByRole("list", { name: "Legend" }).getByText("Imported DSPy program").waitFor({ timeout: TIMEOUT });
      await page.waitForTimeout(300); // let fitView settle before the screenshot
      await shot("wide-template-dspy-import-lineage", { fullPage: false });
    },
  },
  {
    name: "templates: an import shows each unmatched demo's reason, and offers to create examples only when it would",
    core: false,
    probe: templateProbe("/import-dspy", "POST", {}),
    async run({ page, ctx, shot }) {
      const id = await firstTemplate(ctx);
      const exported = await apiCall(ctx.base, "POST", `/templates/${id}/export-dspy`, { format: "program_state" });
      if (exported.status !== 200) throw new Error(`export → ${exported.status}`);
      // One demo of the program, made new (every text value changed), stored, then purged.
      const state = JSON.parse(exported.body.content);
      const predictor = Object.values(state).find((v) => Array.isArray(v?.demos) && v.demos.length > 0);
      if (!predictor) throw new Error("the exported program has no demos");
      const demo = Object.fromEntries(Object.entries(predictor.demos[0]).filter(([k]) => k !== "example_id" && k !== "explanation").map(([k, v]) => [k, typeof v === "string" ? `${v} (forget ${ctx.token})` : v]));
      predictor.demos = [demo];
      const first = await apiCall(ctx.base, "POST", `/templates/${id}/import-dspy?create_examples=true`, state);
      const created = first.body?.created_example_ids ?? [];
      if (first.status !== 201 || created.length !== 1) throw new Error(`seed import → ${first.status}, created ${JSON.stringify(created)}`);
      const purged = await apiCall(ctx.base, "DELETE", `/examples/${created[0]}?purge=true`);
      if (purged.status !== 204) throw new Error(`purge → ${purged.status}`);

      const importInUi = async (createExamples) => {
        await page.goto(`${ctx.base}/templates/${id}?tab=export`);
        const form = page.getByRole("form", { name: "Import from DSPy" });
        await form.getByLabel("Program file (.json)").setInputFiles({ name: "purged.json", mimeType: "application/json", buffer: Buffer.from(JSON.stringify(state)) });
        if (createExamples) await form.getByLabel("Create examples for unmatched demos").check();
        await form.getByRole("button", { name: "Import as a new version" }).click();
        const result = page.getByRole("status", { name: "Import result" });
        await result.waitFor({ timeout: TIMEOUT });
        return result;
      };
      for (const createExamples of [true, false]) {
        const result = await importInUi(createExamples);
        const demos = result.getByRole("list", { name: "Imported demos" });
        await demos.getByText("matches a purged example").waitFor({ timeout: TIMEOUT });
        const text = await result.innerText();
        if (text.includes("no stored example of this template")) throw new Error(`the server's reason is replaced: ${text.slice(0, 300)}`);
        // The purged content is never stored: importing again with the box ticked would not help.
        if (/import again/i.test(text)) throw new Error(`create_examples=${createExamples}: the result suggests importing again: ${text.slice(0, 300)}`);
        await shot(`wide-template-dspy-import-purged${createExamples ? "-create" : ""}`);
        await assertFits(page, "DSPy import result with a purged demo");
      }
    },
  },
  {
    name: "dashboard: a long function name leaves the numbers of its breakdown in view",
    core: false,
    probe: (ctx) => apiCall(ctx.base, "GET", "/examples/dashboard?period=30d").then((r) => (r.status === 404 ? "endpoint missing: GET /examples/dashboard" : null)),
    async run({ page, ctx, shot }) {
      const fn = `summarize_${"z".repeat(70)}`;
      const made = await apiCall(ctx.base, "POST", "/examples", { input: { question: `Dashboard ${ctx.token}` }, expected_output: { answer: "ok" }, function_name: fn, domain: "e2e_dash" });
      if (made.status !== 201) throw new Error(`seed example: POST → ${made.status}`);
      for (const [width, height] of [[1280, 800], [1440, 900], [390, 844]]) {
        await page.setViewportSize({ width, height });
        await page.goto(`${ctx.base}/dashboard`);
        const table = page.getByRole("table", { name: "Usage by function" });
        const row = table.locator("tr").filter({ hasText: fn.slice(0, 20) });
        await row.waitFor({ timeout: TIMEOUT });
        const m = await row.evaluate((tr) => {
          const card = tr.closest("section").getBoundingClientRect();
          const cells = [...tr.querySelectorAll("td")];
          return { card: card.right, cells: cells.map((td) => Math.round(td.getBoundingClientRect().right)), title: cells[0].title };
        });
        if (m.title !== fn) throw new Error(`the name cell's tooltip is ${JSON.stringify(m.title)}`);
        if (m.cells.some((r) => r > m.card + 1)) throw new Error(`at ${width} px cells end at ${m.cells.join(", ")} past the card's ${Math.round(m.card)}`);
        if (width >= 1280) {
          // Names use the room there is: short ones (the seed's domains) are not cut.
          const cut = await page.getByRole("table", { name: "Usage by domain" }).locator("td button").evaluateAll((bs) => bs.filter((b) => b.scrollWidth > b.clientWidth + 1).map((b) => b.textContent));
          if (cut.length) throw new Error(`at ${width} px domain names are cut: ${cut.join(", ")}`);
          // A name cut for want of room shows whole when focused from the keyboard.
          const long = table.getByRole("button", { name: fn });
          await long.focus();
          await page.keyboard.press("Shift+Tab");
          await page.keyboard.press("Tab");
          const whole = await long.evaluate((b) => document.activeElement === b && b.scrollWidth <= b.clientWidth + 1);
          if (!whole) throw new Error(`at ${width} px the focused long function name is still cut`);
        }
        await assertFits(page, `dashboard at ${width} px`, { narrow: width < 640 });
        await shot(`${width < 640 ? "narrow-" : ""}dashboard-long-function`);
      }
      await page.setViewportSize({ width: 1440, height: 900 });
    },
  },
  {
    name: "phone: tap targets of checkboxes and back links are at least 24 px",
    core: true,
    async run({ page, ctx }) {
      const draft = await apiCall(ctx.base, "POST", "/templates", { name: `Taps ${ctx.token}`, input_schema: [{ name: "q", type: "string" }], output_schema: [{ name: "a", type: "string" }] });
      if (draft.status !== 201) throw new Error(`seed template: POST → ${draft.status}`);
      const small = [];
      const measure = async (locator, what) => {
        await locator.first().waitFor({ timeout: TIMEOUT });
        const b = await locator.first().evaluate((el) => {
          const target = el.closest("label") ?? el;
          const r = target.getBoundingClientRect();
          return { w: r.width, h: r.height };
        });
        if (b.w < 24 || b.h < 24) small.push(`${what} ${Math.round(b.w)}×${Math.round(b.h)}`);
      };
      await page.setViewportSize({ width: 390, height: 844 });
      try {
        await page.goto(`${ctx.base}/examples`);
        await measure(page.getByRole("checkbox", { name: /^Select example/ }), "an example's select box");
        await measure(page.getByRole("checkbox", { name: "Select page" }), "Select page");
        await page.goto(`${ctx.base}/templates/${draft.body.id}`);
        await measure(page.getByRole("checkbox", { name: "Input fields: q required" }), "a schema field's required box");
        await measure(page.getByRole("link", { name: "← Templates" }), "the ← Templates link");
        const snaps = await apiCall(ctx.base, "GET", "/snapshots?page=1&page_size=1");
        if (snaps.status === 200 && snaps.body?.total > 0) {
          await page.goto(`${ctx.base}/snapshots`);
          await measure(page.getByRole("checkbox", { name: /^Compare / }), "a snapshot's Compare box");
        }
      } finally {
        await page.setViewportSize({ width: 1440, height: 900 });
      }
      if (small.length) throw new Error(`tap targets under 24 px: ${small.join("; ")}`);
    },
  },
];

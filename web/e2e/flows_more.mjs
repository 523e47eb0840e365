// More edge cases: toasts on a phone, the phone's folded list filters, and the trash view of
// deleted examples. Flow shape: see flows.mjs.
import { apiCall } from "./harness.mjs";
import { TIMEOUT, anyExampleId, assertFits, missing, settle } from "./flows_util.mjs";

/** The boxes that overlap, as "a ∩ b" strings: `rects` maps a name to a DOMRect-like box. */
function overlaps(toast, rects) {
  const hit = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  return Object.entries(rects)
    .filter(([, r]) => r && hit(toast, r))
    .map(([name]) => name);
}

const box = (locator) => locator.evaluate((el) => el.getBoundingClientRect().toJSON());

export const moreFlows = [
  {
    name: "phone: a toast leaves the field being typed in and the form's buttons visible, and can be dismissed",
    core: true,
    async run({ page, ctx, shot }) {
      const id = await anyExampleId(ctx);
      await page.setViewportSize({ width: 390, height: 844 });
      try {
        await page.goto(`${ctx.base}/examples/${id}`);
        const save = page.getByRole("button", { name: "Save changes" });
        await save.waitFor({ timeout: TIMEOUT });
        await settle(page);
        // The form's end at the bottom of the screen, the last field focused: where a phone user types and saves.
        await save.evaluate((el) => el.scrollIntoView({ block: "end" }));
        const field = page.getByLabel("Attribution notes");
        await field.evaluate((el) => el.focus({ preventScroll: true }));
        await page.keyboard.type(` toast ${ctx.token}`);
        await page.keyboard.press("Control+Enter");
        const toast = page.getByRole("status").filter({ hasText: "Saved as version" });
        await toast.waitFor({ timeout: TIMEOUT });
        await page.waitForTimeout(100);
        const t = await box(toast);
        // Saving re-renders the form, so the field is measured by its label, not as document.activeElement.
        const covered = overlaps(t, {
          "the field typed in": await box(field),
          "the Save changes button": await box(save),
          "the top bar": await box(page.locator("header").first()),
        });
        if (t.top < 0 || t.bottom > 844 || t.left < 0 || t.right > 390) covered.push(`the screen's edge (${JSON.stringify(t)})`);
        await shot("narrow-toast", { fullPage: false });
        if (covered.length) throw new Error(`the toast covers ${covered.join(", ")}`);
        await toast.getByRole("button", { name: "Dismiss" }).click();
        await toast.waitFor({ state: "detached", timeout: 2000 });
      } finally {
        await page.setViewportSize({ width: 1440, height: 900 });
      }
    },
  },
  {
    name: "phone: the list's filters fold behind a Filters button, so the first example is on the first screen",
    core: true,
    async run({ page, ctx, shot }) {
      await page.setViewportSize({ width: 390, height: 844 });
      try {
        await page.goto(`${ctx.base}/examples`);
        const card = page.getByTestId("example-card").first();
        await card.waitFor({ timeout: TIMEOUT });
        await settle(page);
        const toggle = page.getByRole("button", { name: /^Filters/ });
        if ((await toggle.getAttribute("aria-expanded")) !== "false") throw new Error("the Filters button does not start collapsed");
        if (await page.getByLabel("Difficulty").isVisible()) throw new Error("the filter fields show while folded");
        const top = (await box(card)).top;
        if (top >= 844) throw new Error(`the first example starts at ${Math.round(top)} px, below the first screen (844 px)`);
        await assertFits(page, "narrow examples, filters folded", { narrow: true });
        await shot("narrow-examples-filters-folded", { fullPage: false });
        await toggle.click();
        if ((await toggle.getAttribute("aria-expanded")) !== "true") throw new Error("the Filters button does not report the panel open");
        const controls = await toggle.getAttribute("aria-controls");
        const difficulty = page.getByLabel("Difficulty");
        if (!(await difficulty.isVisible())) throw new Error("opening Filters does not show the filter fields");
        if (!(await page.locator(`[id="${controls}"]`).getByLabel("Sort by").isVisible())) throw new Error("aria-controls does not name the panel with the fields");
        // Editing a filter keeps the panel open and counts it on the button.
        await difficulty.selectOption("hard");
        await page.waitForURL(/difficulty=hard/, { timeout: TIMEOUT });
        await page.getByRole("button", { name: "Filters (1)", expanded: true }).waitFor({ timeout: TIMEOUT });
        if (!(await difficulty.isVisible())) throw new Error("the panel closed while a filter was being edited");
        await assertFits(page, "narrow examples, filters open", { narrow: true });
        await shot("narrow-examples-filters-open", { fullPage: false });
        // On a desktop the fields show as before, with no button.
        await page.setViewportSize({ width: 1440, height: 900 });
        await page.goto(`${ctx.base}/examples`);
        await page.getByTestId("example-card").first().waitFor({ timeout: TIMEOUT });
        if (await page.getByRole("button", { name: /^Filters/ }).isVisible()) throw new Error("the Filters button shows on a desktop");
        if (!(await page.getByLabel("Difficulty").isVisible())) throw new Error("the filter fields are hidden on a desktop");
      } finally {
        await page.setViewportSize({ width: 1440, height: 900 });
      }
    },
  },
  {
    name: "trash: a deleted example is found under Recently deleted and restored",
    core: false,
    probe: (ctx) => missing(ctx, "GET", "/examples/deleted?page=1&page_size=20"),
    async run({ page, ctx, shot }) {
      const question = `Trash check ${ctx.token}: does the coolant loop need bleeding after a refill?`;
      const made = await apiCall(ctx.base, "POST", "/examples", { input: { question }, expected_output: { answer: "yes" }, domain: "e2e_trash" });
      if (made.status !== 201) throw new Error(`seed example: POST → ${made.status}`);
      const id = made.body.example_id;
      await page.goto(`${ctx.base}/examples/${id}`);
      await page.getByRole("button", { name: "Delete" }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Delete" }).click();
      await page.waitForURL(/\/examples$/, { timeout: TIMEOUT });
      await page.getByRole("link", { name: "Recently deleted" }).click();
      await page.waitForURL(/\/examples\/deleted$/, { timeout: TIMEOUT });
      const list = page.getByRole("list", { name: "Deleted examples" });
      // Newest deletion first: the one just deleted leads.
      const first = list.getByRole("listitem").first();
      await first.getByRole("link", { name: question }).waitFor({ timeout: TIMEOUT });
      await shot("examples-deleted-trash");
      for (const [width, height, prefix] of [[390, 844, "narrow"], [768, 1024, "tablet"]]) {
        await page.setViewportSize({ width, height });
        await page.waitForTimeout(200);
        await assertFits(page, `${prefix} recently deleted`, { narrow: true });
        await shot(`${prefix}-examples-deleted-trash`);
      }
      await page.setViewportSize({ width: 1440, height: 900 });
      // Its link opens the deleted example's own page.
      await first.getByRole("link", { name: question }).click();
      await page.getByRole("heading", { name: "Deleted example" }).waitFor({ timeout: TIMEOUT });
      await page.goBack();
      await list.getByRole("button", { name: `Restore ${question}` }).click();
      await page.getByRole("status").filter({ hasText: "Restored" }).waitFor({ timeout: TIMEOUT });
      await list.getByRole("link", { name: question }).waitFor({ state: "detached", timeout: TIMEOUT });
      const r = await apiCall(ctx.base, "GET", `/examples/${id}`);
      if (r.status !== 200) throw new Error(`restored example answers ${r.status}`);
    },
  },
];

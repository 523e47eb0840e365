// More edge cases: where toasts sit (phone and desktop), the phone's folded list filters, and the
// trash view of deleted examples. Flow shape: see flows.mjs.
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

/** The names in `controls` (name → locator) that a click at their centre would not reach: something covers them. */
async function covered(controls) {
  const out = [];
  for (const [name, locator] of Object.entries(controls)) {
    const hit = await locator.evaluate((el) => {
      const r = el.getBoundingClientRect();
      const [x, y] = [r.left + r.width / 2, r.top + r.height / 2];
      if (x < 0 || y < 0 || x > innerWidth || y > innerHeight) return "the screen's edge: it is off screen";
      const at = document.elementFromPoint(x, y);
      return at === el || el.contains(at) ? null : `${at?.tagName.toLowerCase()} "${(at?.textContent ?? "").trim().slice(0, 40)}"`;
    });
    if (hit) out.push(`${name} (under ${hit})`);
  }
  return out;
}

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
    name: "phone: a toast leaves a dialog's title and buttons, and the page heading, uncovered",
    core: true,
    async run({ page, ctx, shot }) {
      await page.setViewportSize({ width: 390, height: 844 });
      try {
        await page.goto(`${ctx.base}/examples`);
        await page.getByTestId("example-card").first().waitFor({ timeout: TIMEOUT });
        await settle(page);
        // A toast from the page header's Export, with the heading on screen.
        await page.getByRole("main").getByRole("button", { name: "Export JSONL" }).first().click();
        const exported = page.getByRole("status").filter({ hasText: "Exported" });
        await exported.waitFor({ timeout: TIMEOUT });
        await page.waitForTimeout(100);
        const onPage = await covered({ "the page heading": page.locator("main h1") });
        await shot("narrow-toast-page-heading", { fullPage: false });
        if (onPage.length) throw new Error(`the toast covers ${onPage.join(", ")}`);
        await exported.getByRole("button", { name: "Dismiss" }).click();
        // A toast shown (the bulk export), then a dialog opened while it is still up.
        await page.getByRole("checkbox", { name: /Select example/ }).first().check();
        const bar = page.getByRole("region", { name: "Bulk actions" });
        await bar.getByRole("button", { name: "Export JSONL" }).click();
        const toast = page.getByRole("status").filter({ hasText: "Exported 1 example" });
        await toast.waitFor({ timeout: TIMEOUT });
        await bar.getByRole("button", { name: "Edit…" }).click();
        const dialog = page.getByRole("dialog", { name: "Edit 1 example" });
        await dialog.waitFor({ timeout: TIMEOUT });
        await page.waitForTimeout(150);
        if (!(await toast.isVisible())) throw new Error("the toast went away before the dialog could be checked");
        const hidden = await covered({
          "the dialog's title": dialog.getByRole("heading", { name: "Edit 1 example" }),
          "the dialog's first field": dialog.getByLabel("Add tags"),
          "Cancel": dialog.getByRole("button", { name: "Cancel" }),
          "Apply": dialog.getByRole("button", { name: "Apply to 1" }),
        });
        const t = await box(toast);
        if (t.top < 0 || t.bottom > 844 || t.left < 0 || t.right > 390) hidden.push(`the screen's edge (${JSON.stringify(t)})`);
        await shot("narrow-toast-dialog", { fullPage: false });
        if (hidden.length) throw new Error(`with the toast shown, these are covered: ${hidden.join(", ")}`);
        await page.keyboard.press("Escape");
      } finally {
        await page.setViewportSize({ width: 1440, height: 900 });
      }
    },
  },
  {
    name: "desktop: a toast sits beside the page, clear of the Effectiveness panel's Open and the field typed in",
    core: true,
    async run({ page, ctx, shot }) {
      const id = await anyExampleId(ctx);
      await page.goto(`${ctx.base}/examples/${id}`);
      await page.getByRole("button", { name: "Save changes" }).waitFor({ timeout: TIMEOUT });
      const open = page.getByRole("form", { name: "Open a retrieval" }).getByRole("button", { name: "Open" });
      await open.waitFor({ timeout: TIMEOUT });
      await settle(page);
      // The retrieval Open button near the bottom right of the screen, where toasts used to stack:
      // the window is made shorter than where the button ends, and the page scrolled to leave it
      // 24 px above the screen's bottom edge.
      const end = await open.evaluate((el) => el.getBoundingClientRect().bottom + scrollY);
      const height = Math.min(900, Math.round(end) - 40);
      await page.setViewportSize({ width: 1440, height });
      try {
        await open.evaluate((el) => {
          el.scrollIntoView({ block: "end" });
          window.scrollBy(0, 24);
        });
        const gap = height - (await box(open)).bottom;
        if (gap < 16 || gap > 32) throw new Error(`setup: the Open button ends ${Math.round(gap)} px above the screen's bottom, not 24 px`);
        const field = page.getByLabel("Attribution notes");
        await field.evaluate((el) => el.focus({ preventScroll: true }));
        await page.keyboard.type(` desk ${ctx.token}`);
        await page.keyboard.press("Control+Enter");
        const toast = page.getByRole("status").filter({ hasText: "Saved as version" });
        await toast.waitFor({ timeout: TIMEOUT });
        await page.waitForTimeout(100);
        const hidden = await covered({ "the retrieval Open button": open, "the field typed in": field });
        const over = overlaps(await box(toast), { "the page's content": await box(page.locator("main")) });
        await shot("wide-toast-effectiveness", { fullPage: false });
        if (hidden.length || over.length) throw new Error(`the toast covers ${[...hidden, ...over].join(", ")}`);
        await toast.getByRole("button", { name: "Dismiss" }).click();
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
      const toast = page.getByRole("status").filter({ hasText: "Restored" });
      await toast.waitFor({ timeout: TIMEOUT });
      // The toast (sidebar-wide at 1440 px) leaves its message room for every whole word beside its Open and Dismiss.
      const room = await toast.locator("span").first().evaluate((msg) => {
        const probe = msg.cloneNode(true);
        Object.assign(probe.style, { position: "absolute", width: "min-content", overflowWrap: "normal", visibility: "hidden" });
        msg.parentElement.append(probe);
        const need = probe.getBoundingClientRect().width;
        probe.remove();
        return { need, have: msg.getBoundingClientRect().width };
      });
      if (room.need > room.have + 1) throw new Error(`restored toast breaks a word: its longest needs ${Math.round(room.need)} px in ${Math.round(room.have)} px`);
      await shot("examples-restored-toast", { fullPage: false });
      await list.getByRole("link", { name: question }).waitFor({ state: "detached", timeout: TIMEOUT });
      const r = await apiCall(ctx.base, "GET", `/examples/${id}`);
      if (r.status !== 200) throw new Error(`restored example answers ${r.status}`);
    },
  },
];

// More edge cases: toasts on a phone, and the trash view of deleted examples. Flow shape: see flows.mjs.
import { TIMEOUT, anyExampleId, settle } from "./flows_util.mjs";

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
];

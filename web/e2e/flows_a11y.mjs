// Accessibility checks a browser is needed for: colour contrast of small text as drawn. Flow shape:
// see flows.mjs.
import { TIMEOUT, assertContrast, firstTemplate, settle } from "./flows_util.mjs";

export const a11yFlows = [
  {
    name: "contrast: small text on the main pages (card labels, versions, hints, sidebar links) meets AA",
    core: true,
    async run({ page, ctx }) {
      const id = await firstTemplate(ctx);
      const problems = [];
      for (const path of ["/examples", "/examples/new", `/templates/${id}`, "/dashboard", "/quality", "/runs"]) {
        await page.goto(`${ctx.base}${path}`);
        await page.locator("main h1").first().waitFor({ timeout: TIMEOUT });
        await settle(page);
        await assertContrast(page, path).catch((e) => problems.push(e.message));
      }
      if (problems.length) throw new Error(problems.join(" | "));
    },
  },
];

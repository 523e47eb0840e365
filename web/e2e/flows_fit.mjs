// Text that must be readable where it is shown, at 1440 and 390 px: a deleted example's long
// values, and the DSPy export's select labels. Flow shape: see flows.mjs.
import { apiCall } from "./harness.mjs";
import { TIMEOUT, assertFits, firstTemplate, templateProbe } from "./flows_util.mjs";

const WIDTHS = [
  [1440, 900],
  [390, 844],
];

export const fitFlows = [
  {
    name: "fit: a deleted example's long values wrap inside its content box",
    core: true,
    async run({ page, ctx, shot }) {
      const long = `Supercalifragilisticexpialidocious-detector-model-${"x".repeat(160)}`;
      const made = await apiCall(ctx.base, "POST", "/examples", { input: { detector_model: long, question: "Long text ".repeat(40) }, expected_output: { answer: "ok" } });
      if (made.status !== 201) throw new Error(`POST /examples → ${made.status}`);
      const id = made.body.example_id;
      const gone = await apiCall(ctx.base, "DELETE", `/examples/${id}`);
      if (gone.status !== 200 && gone.status !== 204) throw new Error(`DELETE → ${gone.status}`);
      const wide = page.viewportSize();
      try {
        for (const [width, height] of WIDTHS) {
          await page.setViewportSize({ width, height });
          await page.goto(`${ctx.base}/examples/${id}`);
          await page.getByRole("heading", { name: "Deleted example" }).waitFor({ timeout: TIMEOUT });
          const pre = page.locator("pre").filter({ hasText: "detector_model" });
          const m = await pre.evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
          if (m.scroll > m.client + 1) throw new Error(`at ${width} px the content scrolls sideways (${m.scroll} px in ${m.client} px): long values are hidden`);
          await assertFits(page, `deleted example at ${width} px`, { narrow: width < 640 });
          await shot(`deleted-example-long-${width}`, { fullPage: false });
        }
      } finally {
        await page.setViewportSize(wide);
      }
    },
  },
  {
    name: "fit: the DSPy export's selects show their whole chosen label",
    core: false,
    probe: templateProbe("/export-dspy", "POST", { format: "python_module" }),
    async run({ page, ctx, shot }) {
      const id = await firstTemplate(ctx);
      const wide = page.viewportSize();
      try {
        for (const [width, height] of WIDTHS) {
          await page.setViewportSize({ width, height });
          await page.goto(`${ctx.base}/templates/${id}?tab=export`);
          const form = page.getByRole("form", { name: "DSPy export options" });
          await form.waitFor({ timeout: TIMEOUT });
          // The chosen option's text against the room the select gives it (less padding and the arrow).
          const cut = await form.locator("select").evaluateAll((selects) => {
            const ctx2d = document.createElement("canvas").getContext("2d");
            return selects
              .map((s) => {
                const st = getComputedStyle(s);
                ctx2d.font = `${st.fontWeight} ${st.fontSize} ${st.fontFamily}`;
                const text = s.options[s.selectedIndex]?.text ?? "";
                const room = s.clientWidth - parseFloat(st.paddingLeft) - parseFloat(st.paddingRight);
                return { text, need: Math.ceil(ctx2d.measureText(text).width), room: Math.floor(room) };
              })
              .filter((m) => m.need > m.room);
          });
          if (cut.length) throw new Error(`at ${width} px cut off: ${cut.map((c) => `"${c.text}" needs ${c.need} px, has ${c.room}`).join("; ")}`);
          await assertFits(page, `export panel at ${width} px`, { narrow: width < 640 });
          await shot(`export-panel-${width}`, { fullPage: false });
        }
      } finally {
        await page.setViewportSize(wide);
      }
    },
  },
];

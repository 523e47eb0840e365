// Helpers of the browser flows (flows_core.mjs, flows_edges.mjs).
import { apiCall } from "./harness.mjs";

export const TIMEOUT = 15_000;

export async function missing(ctx, method, path, body) {
  const r = await apiCall(ctx.base, method, path, body);
  return r.status === 404 ? `endpoint missing: ${method} ${path.split("?")[0]} → 404` : null;
}

export async function firstTemplate(ctx) {
  if (ctx.templateId) return ctx.templateId;
  const r = await apiCall(ctx.base, "GET", "/templates?page=1&page_size=50");
  const list = r.body?.templates ?? [];
  if (r.status !== 200 || list.length === 0) throw new Error(`no templates to work with (GET /templates → ${r.status}, ${list.length} templates)`);
  const published = list.find((t) => t.status === "published");
  ctx.templateId = (published ?? list[0]).id;
  return ctx.templateId;
}

export const templateProbe = (suffix, method = "GET", body) => async (ctx) => {
  const r = await apiCall(ctx.base, "GET", "/templates?page=1&page_size=50");
  if (r.status === 404) return "endpoint missing: GET /templates → 404";
  const id = await firstTemplate(ctx);
  return missing(ctx, method, `/templates/${id}${suffix}`, body);
};


/**
 * Fails when the page scrolls sideways, its main heading is cut off, or anything in the page or an
 * open dialog is cut off: an element that ends past the viewport's right edge, or past the edge of
 * an ancestor that clips (overflow hidden), unless it sits inside a box that scrolls sideways on its
 * own. With `narrow`, a table may not need such a scroll either: on a phone tables reflow.
 */
export async function assertFits(page, label, { narrow = false } = {}) {
  const m = await page.evaluate((narrow) => {
    const h1 = document.querySelector("main h1");
    const scrollerOf = (el) => {
      for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
        const ox = getComputedStyle(a).overflowX;
        if (ox === "auto" || ox === "scroll") return a;
      }
      return null;
    };
    const describe = (el) => `<${el.tagName.toLowerCase()}> "${(el.textContent ?? "").trim().slice(0, 40)}"`;
    const cut = [];
    const roots = [...document.querySelectorAll("main, [role=dialog]")];
    for (const root of roots) {
      for (const el of root.querySelectorAll("td, th, a, button, input, select, textarea, h1, h2, h3, p, code, li, dt, dd, label, span")) {
        if (el.closest(".react-flow")) continue; // the lineage canvas pans by design
        const r = el.getBoundingClientRect();
        if (!r.width || !r.height || scrollerOf(el)) continue;
        let edge = window.innerWidth;
        for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
          const ox = getComputedStyle(a).overflowX;
          if (ox === "hidden" || ox === "clip") edge = Math.min(edge, a.getBoundingClientRect().right);
        }
        if (r.right > edge + 1) cut.push(`${describe(el)} ends at ${Math.round(r.right)} px, past ${Math.round(edge)} px`);
      }
      if (narrow) {
        for (const t of root.querySelectorAll("table")) {
          const box = scrollerOf(t);
          const width = t.getBoundingClientRect().width;
          const pad = box ? getComputedStyle(box) : null;
          const room = box ? box.clientWidth - parseFloat(pad.paddingLeft) - parseFloat(pad.paddingRight) : window.innerWidth;
          if (width > room + 1) cut.push(`table "${t.getAttribute("aria-label") ?? t.querySelector("th")?.textContent ?? ""}" is ${Math.round(width)} px wide in ${room} px (scrolls sideways)`);
        }
      }
    }
    return {
      scroll: document.documentElement.scrollWidth,
      inner: window.innerWidth,
      h1: h1 ? { scroll: h1.scrollWidth, client: h1.clientWidth, text: h1.textContent } : null,
      cut,
    };
  }, narrow);
  if (m.scroll > m.inner) throw new Error(`${label}: page scrolls sideways (scrollWidth ${m.scroll} > innerWidth ${m.inner})`);
  if (m.h1 && m.h1.scroll > m.h1.client + 1) throw new Error(`${label}: title cut off (${JSON.stringify(m.h1)})`);
  if (m.cut.length) throw new Error(`${label}: cut off: ${m.cut.slice(0, 3).join("; ")}${m.cut.length > 3 ? ` (+${m.cut.length - 3} more)` : ""}`);
}

export async function settle(page) {
  await page.waitForLoadState("networkidle", { timeout: 5000 }).catch(() => undefined);
  await page.waitForTimeout(250);
}

export async function anyExampleId(ctx) {
  const r = await apiCall(ctx.base, "GET", "/examples?page=1&page_size=1");
  const id = r.body?.examples?.[0]?.example_id;
  if (!id) throw new Error(`no example to open (GET /examples → ${r.status})`);
  return id;
}


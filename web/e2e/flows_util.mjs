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


/**
 * Fails when text under 18.66 px (bold) / 24 px is drawn below WCAG AA contrast (4.5:1) against the
 * background it sits on (the nearest ancestor with an opaque-ish background colour). Colours are
 * read through a canvas, so oklch() and the like come back as sRGB. Skips hidden, disabled and
 * transparent (opacity < 1) text, where the rule does not apply or cannot be read this way.
 */
export async function assertContrast(page, label, scope = "body") {
  const bad = await page.evaluate((scope) => {
    const ctx = document.createElement("canvas").getContext("2d", { willReadFrequently: true });
    const rgba = (css) => {
      ctx.clearRect(0, 0, 1, 1);
      ctx.fillStyle = "#000";
      ctx.fillStyle = css;
      ctx.fillRect(0, 0, 1, 1);
      const [r, g, b, a] = ctx.getImageData(0, 0, 1, 1).data;
      return { r, g, b, a: a / 255 };
    };
    const lum = ({ r, g, b }) => {
      const f = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const background = (el) => {
      for (let a = el; a; a = a.parentElement) {
        const c = rgba(getComputedStyle(a).backgroundColor);
        if (c.a > 0.5) return c;
      }
      return { r: 255, g: 255, b: 255 };
    };
    const out = [];
    for (const el of document.querySelectorAll(`${scope} *`)) {
      const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
      if (!own || el.closest("[aria-hidden=true], .sr-only, :disabled, [aria-disabled=true], .react-flow")) continue;
      const st = getComputedStyle(el);
      const r = el.getBoundingClientRect();
      if (!r.width || !r.height || st.visibility === "hidden") continue;
      let faded = false;
      for (let a = el; a; a = a.parentElement) if (parseFloat(getComputedStyle(a).opacity) < 1) faded = true;
      if (faded) continue;
      const size = parseFloat(st.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(st.fontWeight) >= 700);
      const fg = rgba(st.color);
      const bg = background(el);
      const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
      const ratio = (hi + 0.05) / (lo + 0.05);
      if (ratio < (large ? 3 : 4.5)) out.push(`"${el.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)}:1`);
    }
    return out;
  }, scope);
  if (bad.length) throw new Error(`${label}: text below AA contrast: ${bad.slice(0, 5).join("; ")}${bad.length > 5 ? ` (+${bad.length - 5} more)` : ""}`);
}

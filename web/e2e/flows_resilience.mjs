// What the UI does when the network fails under it: a page script that cannot be fetched (server
// down, or a redeploy renamed the files). Flow shape: see flows.mjs.
import { TIMEOUT, assertFits } from "./flows_util.mjs";

export const resilienceFlows = [
  {
    name: "resilience: a page whose script answers 404 says so, keeps the navigation, and loads once it can",
    core: true,
    async run({ page, ctx, shot }) {
      // A fresh document: the dashboard's script must not be in the module map yet.
      await page.goto(`${ctx.base}/examples`);
      await page.getByRole("heading", { name: "Examples", level: 1 }).waitFor({ timeout: TIMEOUT });
      const chunk = /\/assets\/dashboard-page-[^/]*\.js$/;
      const gone = (route) => route.fulfill({ status: 404, contentType: "text/plain", body: "not found" });
      await page.route(chunk, gone);
      try {
        const nav = page.getByRole("navigation", { name: "Main" });
        await nav.getByRole("link", { name: "Dashboard" }).click();
        await page.getByRole("heading", { name: "This page could not be loaded" }).waitFor({ timeout: TIMEOUT });
        await page.getByRole("alert").filter({ hasText: "new version was installed" }).waitFor({ timeout: TIMEOUT });
        await page.getByRole("button", { name: "Reload" }).waitFor({ timeout: TIMEOUT });
        await assertFits(page, "page load error");
        await shot("page-load-error");
        // The navigation still works, and leaves the error behind.
        await nav.getByRole("link", { name: "Templates" }).click();
        await page.getByRole("heading", { name: "Templates", level: 1 }).waitFor({ timeout: TIMEOUT });
        if (await page.getByText("This page could not be loaded").count()) throw new Error("the error stayed after navigating away");
      } finally {
        await page.unroute(chunk, gone);
      }
      // The server is back: the next visit fetches the script again (no reload needed).
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Dashboard" }).click();
      await page.getByRole("heading", { name: "Dashboard", level: 1 }).waitFor({ timeout: TIMEOUT });

      // Opened directly while the script is missing (a redeploy): Reload recovers once it is there.
      await page.route(chunk, gone);
      try {
        await page.goto(`${ctx.base}/dashboard`);
        await page.getByRole("heading", { name: "This page could not be loaded" }).waitFor({ timeout: TIMEOUT });
      } finally {
        await page.unroute(chunk, gone);
      }
      await page.getByRole("button", { name: "Reload" }).click();
      await page.getByRole("heading", { name: "Dashboard", level: 1 }).waitFor({ timeout: TIMEOUT });
    },
  },
];

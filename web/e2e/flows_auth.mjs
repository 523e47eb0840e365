// The UI against a server that requires a token (`auth = "required"`, as beyond loopback): it
// asks to sign in, shows a wrong token's error, and loads once given a right one. This flow starts
// a server of its own (the shared one runs without auth). Flow shape: see flows.mjs.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, stopServer } from "./harness.mjs";
import { TIMEOUT, assertContrast, assertFits } from "./flows_util.mjs";

export const authFlows = [
  {
    name: "auth: with tokens required the UI asks to sign in, refuses a wrong token, and loads with the right one",
    core: true,
    async run({ page, ctx, shot }) {
      const tmp = mkdtempSync(join(tmpdir(), "exemplar-e2e-auth-"));
      let server = null;
      try {
        server = await startServer({ bin: ctx.bin, webDir: ctx.webDist, tmp, log: ctx.log, env: { EXEMPLAR_AUTH: "required" }, tokenRole: "write" });
        if (!server.token?.startsWith("exm_")) throw new Error(`no token from token create: ${server.token}`);
        await page.goto(`${server.base}/examples`);
        const dialog = page.getByRole("dialog", { name: "Sign in" });
        await dialog.waitFor({ timeout: TIMEOUT });
        const field = dialog.getByLabel("API token");
        if (!(await field.evaluate((el) => el === document.activeElement && el.type === "password"))) throw new Error("the token field is not a focused password field");

        await field.fill("exm_not_a_real_token");
        await dialog.getByRole("button", { name: "Sign in" }).click();
        await dialog.getByRole("alert").filter({ hasText: "invalid or revoked token" }).waitFor({ timeout: TIMEOUT });
        if ((await field.inputValue()) !== "exm_not_a_real_token") throw new Error("the wrong token's text was lost");
        await assertFits(page, "sign-in dialog at 1440 px");
        await assertContrast(page, "sign-in dialog", "[role=dialog]");

        // The phone layout: the dialog fits, and the screenshot shows it.
        const wide = page.viewportSize();
        await page.setViewportSize({ width: 390, height: 844 });
        try {
          await assertFits(page, "sign-in dialog at 390 px", { narrow: true });
          await shot("sign-in-390", { fullPage: false });
        } finally {
          await page.setViewportSize(wide);
        }

        await field.fill(server.token);
        await field.press("Enter");
        await dialog.waitFor({ state: "detached", timeout: TIMEOUT });
        await page.getByTestId("example-card").first().waitFor({ timeout: TIMEOUT });

        await assertContrast(page, "sidebar with Sign out", "aside");

        // A change and a download carry the token too: freeze a snapshot, save its JSONL export.
        await page.getByRole("button", { name: "Freeze as snapshot" }).click();
        const freeze = page.getByRole("dialog", { name: "Freeze as snapshot" });
        await freeze.getByLabel("Name").fill("signed-in snapshot");
        await freeze.getByRole("button", { name: /^Freeze \d+ example/ }).click();
        await page.waitForURL(/\/snapshots\?created=/, { timeout: TIMEOUT });
        const fresh = page.getByRole("list", { name: "Snapshots" }).locator('li[aria-current="true"]');
        const [download] = await Promise.all([page.waitForEvent("download", { timeout: TIMEOUT }), fresh.getByRole("link", { name: "JSONL", exact: true }).click()]);
        const saved = await download.path();
        const lines = readFileSync(saved, "utf8").trim().split("\n");
        if (!download.suggestedFilename().endsWith(".jsonl") || !JSON.parse(lines[0]).input) throw new Error(`export download: ${download.suggestedFilename()}, ${lines[0]?.slice(0, 80)}`);

        // The API docs page (same origin, same tab) is authorized with the app's token: Try it out works.
        await page.goto(`${server.base}/docs`);
        await page.getByRole("note").filter({ hasText: "Signed in" }).waitFor({ timeout: TIMEOUT });
        await page.locator(".btn.authorize.locked").waitFor({ timeout: TIMEOUT });
        const op = page.locator(".opblock.opblock-get").filter({ has: page.locator(".opblock-summary-path", { hasText: /^\/api\/v1\/templates$/ }) }).first();
        await op.locator(".opblock-summary").first().click();
        await op.getByRole("button", { name: "Try it out" }).click();
        const [tried] = await Promise.all([
          page.waitForResponse((r) => new URL(r.url()).pathname === "/api/v1/templates" && r.request().method() === "GET", { timeout: TIMEOUT }),
          op.getByRole("button", { name: "Execute" }).click(),
        ]);
        const sentAuth = tried.request().headers().authorization;
        if (tried.status() !== 200 || sentAuth !== `Bearer ${server.token}`) throw new Error(`Try it out on /docs: ${tried.status()}, Authorization ${sentAuth ? "not the signed-in token" : "missing"}`);
        await shot("docs-signed-in", { fullPage: false });

        await page.goto(`${server.base}/examples`);

        // The token lasts for the tab's session: a reload stays signed in.
        await page.reload();
        await page.getByTestId("example-card").first().waitFor({ timeout: TIMEOUT });
        if (await dialog.count()) throw new Error("asked to sign in again after a reload");

        // Sign out forgets it: the server asks again.
        await page.getByRole("complementary").getByRole("button", { name: /Sign out/ }).click();
        await dialog.waitFor({ timeout: TIMEOUT });
        if (await page.evaluate(() => sessionStorage.getItem("exemplar.api_token"))) throw new Error("the token stayed after Sign out");
        await page.keyboard.press("Escape");
        await dialog.waitFor({ state: "detached", timeout: TIMEOUT });
      } finally {
        if (server) await stopServer(server.child);
        rmSync(tmp, { recursive: true, force: true });
      }
    },
  },
  {
    name: "auth: a read token sees no New example, Import or Freeze, and the editor's Save is disabled with its reason",
    core: true,
    async run({ page, ctx }) {
      const tmp = mkdtempSync(join(tmpdir(), "exemplar-e2e-auth-read-"));
      let server = null;
      try {
        server = await startServer({ bin: ctx.bin, webDir: ctx.webDist, tmp, log: ctx.log, env: { EXEMPLAR_AUTH: "required" }, tokenRole: "read" });
        await page.goto(`${server.base}/examples`);
        const dialog = page.getByRole("dialog", { name: "Sign in" });
        await dialog.waitFor({ timeout: TIMEOUT });
        await dialog.getByLabel("API token").fill(server.token);
        await dialog.getByLabel("API token").press("Enter");
        await dialog.waitFor({ state: "detached", timeout: TIMEOUT });
        await page.getByTestId("example-card").first().waitFor({ timeout: TIMEOUT });
        // The role arrives with GET /auth/me; the write controls then leave (Export stays: a read).
        const header = page.locator("main");
        await header.getByRole("link", { name: /New example/ }).waitFor({ state: "detached", timeout: TIMEOUT });
        for (const [what, n] of [
          ["Import link", await header.getByRole("link", { name: /^Import$/ }).count()],
          ["Freeze as snapshot", await page.getByRole("button", { name: "Freeze as snapshot" }).count()],
          ["sidebar Import", await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Import" }).count()],
        ]) {
          if (n !== 0) throw new Error(`a read token still sees ${what}`);
        }
        if ((await page.getByRole("button", { name: "Export JSONL" }).count()) === 0) throw new Error("Export JSONL is gone for a read token");

        await page.getByTestId("example-card").first().getByRole("link").first().click();
        const save = page.getByRole("button", { name: "Save changes" });
        await save.waitFor({ timeout: TIMEOUT });
        await page.waitForFunction(() => [...document.querySelectorAll("button")].some((b) => b.textContent?.includes("Save changes") && b.disabled), null, { timeout: TIMEOUT });
        const title = await save.getAttribute("title");
        if (!title?.includes("role (read) cannot edit examples")) throw new Error(`Save's title: ${title}`);
        if (await page.getByRole("button", { name: "Delete", exact: true }).count()) throw new Error("a read token still sees Delete");
      } finally {
        if (server) await stopServer(server.child);
        rmSync(tmp, { recursive: true, force: true });
      }
    },
  },
];

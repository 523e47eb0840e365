#!/usr/bin/env node
// Browser end-to-end tests against the real server: `node e2e/run.mjs` (from web/).
// Env: EXEMPLAR_BIN (default <repo>/build/exemplar), E2E_ONLY (substrings of flow names, "|"-separated).
// Screenshots go to web/e2e-artifacts/. Ends with the line `e2e: N passed, M failed`.
import { mkdirSync, mkdtempSync, rmSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { flows } from "./flows.mjs";
import { startServer, stopServer } from "./harness.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const webDir = resolve(here, "..");
const repo = resolve(webDir, "..");
const bin = process.env.EXEMPLAR_BIN ?? join(repo, "build", "exemplar");
const artifacts = join(webDir, "e2e-artifacts");
const log = (msg) => console.log(`[e2e] ${msg}`);

const CHROME_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-quic", "--disable-sync"];

async function main() {
  mkdirSync(artifacts, { recursive: true });
  const tmp = mkdtempSync(join(tmpdir(), "exemplar-e2e-"));
  const only = (process.env.E2E_ONLY ?? "").split("|").filter(Boolean);
  const selected = flows.filter((f) => only.length === 0 || only.some((o) => f.name.includes(o)));
  const results = { passed: 0, failed: 0, skipped: 0 };
  let server = null;
  let context = null;
  try {
    try {
      server = await startServer({ bin, webDir: join(webDir, "dist"), tmp, log });
    } catch (e) {
      log(`cannot start the server: ${e.message}`);
      // Core flows fail; the others cannot be probed for their endpoints, so they are skipped.
      for (const f of selected) log(f.core ? `FAIL ${f.name}: server unavailable` : `SKIPPED (server unavailable) ${f.name}`);
      results.failed = selected.filter((f) => f.core).length;
      results.skipped = selected.length - results.failed;
      return results;
    }
    context = await chromium.launchPersistentContext(join(tmp, "chrome"), {
      executablePath: "/usr/bin/chromium",
      args: CHROME_ARGS,
      headless: true,
      viewport: { width: 1440, height: 900 },
    });
    // The Copy buttons write to the clipboard; the export flow reads it back.
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.base }).catch(() => undefined);
    const page = context.pages()[0] ?? (await context.newPage());
    const problems = [];
    page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
    page.on("console", (msg) => {
      // Network 4xx/5xx are logged by Chromium as "Failed to load resource"; the UI handles them.
      if (msg.type() === "error" && !msg.text().startsWith("Failed to load resource")) problems.push(`console error: ${msg.text()}`);
    });
    // `bin`, `webDist`, `log`: for a flow that starts a server of its own (flows_auth.mjs).
    const ctx = { base: server.base, token: `qz${Date.now().toString(36)}`, bin, webDist: join(webDir, "dist"), log };
    for (const flow of selected) {
      if (!flow.core && flow.probe) {
        let reason = null;
        try {
          reason = await flow.probe(ctx);
        } catch (e) {
          reason = null;
          log(`probe for ${flow.name} failed (${e.message}); running it anyway`);
        }
        if (reason) {
          log(`SKIPPED (endpoint missing) ${flow.name}: ${reason}`);
          results.skipped++;
          continue;
        }
      }
      problems.length = 0;
      const started = Date.now();
      const shot = (name, { fullPage = true } = {}) => page.screenshot({ path: join(artifacts, `${name}.png`), fullPage });
      try {
        await flow.run({ page, ctx, shot });
        if (problems.length) throw new Error(problems.join("; "));
        results.passed++;
        log(`PASS ${flow.name} (${Date.now() - started} ms)`);
      } catch (e) {
        results.failed++;
        log(`FAIL ${flow.name}: ${e.message.split("\n")[0]}`);
        await shot(`FAILED-${flow.name.replace(/[^a-z0-9]+/gi, "-")}`).catch(() => undefined);
      }
    }
    return results;
  } finally {
    await context?.close().catch(() => undefined);
    if (server) {
      await stopServer(server.child);
      log(`server pid ${server.child.pid} stopped`);
      if (results.failed) copyFileSync(server.logPath, join(artifacts, "server.log"));
    }
    rmSync(tmp, { recursive: true, force: true });
  }
}

const results = await main().catch((e) => {
  log(`harness error: ${e.stack ?? e}`);
  return { passed: 0, failed: 1, skipped: 0 };
});
if (results.skipped) log(`${results.skipped} flow(s) skipped`);
console.log(`e2e: ${results.passed} passed, ${results.failed} failed`);
process.exit(results.failed > 0 ? 1 : 0);

// Starts and stops the real server for the browser tests: seed a temp data dir, serve the built
// UI on a free loopback port, wait for /readyz, and kill the process by its PID afterwards.
import { spawn, spawnSync } from "node:child_process";
import { createWriteStream, existsSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

// The demo data: named explicitly, so a server binary outside the repo (EXEMPLAR_BIN) seeds too.
const seedDir = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "data", "seed");

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * `env`: extra environment for `serve` (e.g. EXEMPLAR_AUTH=required). `tokenRole`: create a token
 * of that role in the data dir before serving; it is returned as `token`.
 */
export async function startServer({ bin, webDir, tmp, log, env = {}, tokenRole = null }) {
  if (!existsSync(bin)) throw new Error(`server binary not found: ${bin} (build it first)`);
  if (!existsSync(join(webDir, "index.html"))) throw new Error(`${webDir}/index.html missing (run scripts/web.sh build first)`);
  const dataDir = join(tmp, "data");
  const seed = spawnSync(bin, ["seed", "--data-dir", dataDir, "--seed-dir", seedDir], { encoding: "utf8", timeout: 120_000 });
  if (seed.status !== 0) throw new Error(`seed failed (rc ${seed.status}): ${(seed.stderr || seed.stdout || "").slice(-2000)}`);
  log(`seeded ${dataDir}`);
  let token = null;
  if (tokenRole) {
    const made = spawnSync(bin, ["token", "create", "--role", tokenRole, "--name", "e2e", "--data-dir", dataDir], { encoding: "utf8", timeout: 60_000 });
    if (made.status !== 0) throw new Error(`token create failed (rc ${made.status}): ${(made.stderr || made.stdout || "").slice(-2000)}`);
    // The token is printed on the last line.
    token = made.stdout.trim().split("\n").at(-1).trim();
  }

  const port = await freePort();
  const logPath = join(tmp, "server.log");
  const served = await serve({ bin, webDir, dataDir, port, logPath, log, env });
  return { ...served, token, dataDir, port };
}

/**
 * Serves `dataDir` on `port` and waits for /readyz. Used by startServer, and to start a stopped
 * server again on its port (a restart: the page keeps its address). Appends to `logPath`.
 */
export async function serve({ bin, webDir, dataDir, port, logPath, log, env = {} }) {
  const out = createWriteStream(logPath, { flags: "a" });
  const child = spawn(bin, ["serve", "--host", "127.0.0.1", "--port", String(port), "--data-dir", dataDir, "--web-dir", webDir], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  child.stdout.pipe(out);
  child.stderr.pipe(out);
  let exited = null;
  child.on("exit", (code, signal) => (exited = { code, signal }));
  const base = `http://127.0.0.1:${port}`;
  log(`server pid ${child.pid} on ${base}`);

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited) throw new Error(`server exited early (${JSON.stringify(exited)}); see ${logPath}`);
    try {
      const res = await fetch(`${base}/readyz`);
      if (res.status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await stopServer(child);
      throw new Error(`server not ready after 30 s; see ${logPath}`);
    }
    await sleep(200);
  }
  return { child, base, logPath };
}

/** SIGTERM by PID, then SIGKILL after 5 s. */
export async function stopServer(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const done = new Promise((r) => child.once("exit", r));
  try {
    process.kill(child.pid, "SIGTERM");
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(child.pid, "SIGKILL");
    } catch {
      /* already gone */
    }
  }, 5000);
  await done;
  clearTimeout(timer);
}

/** JSON request against the API; resolves to { status, body }. */
export async function apiCall(base, method, path, body) {
  const res = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = text;
  }
  return { status: res.status, body: json };
}

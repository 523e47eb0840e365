// Where `exemplar serve`'s resident memory goes, on an exported bench dataset (issue 24, item 2).
// Usage: node bench/memory.mjs EXEMPLAR_BIN DATASET_DIR WORK_DIR [load_seconds]
//   DATASET_DIR: from `exemplar bench --export-dataset DIR --n N`. WORK_DIR/data is recreated.
// Phases: empty server; after the batch-API ingest of every example and the graph backlog
// (waits until the server's CPU falls idle); after `load_seconds` (default 20) of vector, hybrid
// and GET-by-id requests from 4 keep-alive clients; then the same after a restart (snapshot load).
// At each: VmRSS and its anonymous / file parts, /proc/PID/smaps grouped by mapping kind, and the
// server's own memory gauges from /metrics (malloc, SQLite, index). Prints JSON lines to stdout.
import fs from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import { spawn, execFileSync } from 'node:child_process';

const [bin, dataDir, workDir, loadArg] = process.argv.slice(2);
const loadSeconds = Number(loadArg ?? 20);
const meta = JSON.parse(fs.readFileSync(path.join(dataDir, 'meta.json'), 'utf8'));
const qb = fs.readFileSync(path.join(dataDir, 'queries.f32'));
const queries = new Float32Array(qb.buffer, qb.byteOffset, qb.byteLength / 4);
const texts = fs.readFileSync(path.join(dataDir, 'queries.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const log = (...a) => console.error('memory:', ...a);
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const exDir = path.join(workDir, 'data');

function request(port, method, p, body) {
  return new Promise((resolve, reject) => {
    const headers = body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {};
    const req = http.request({ host: '127.0.0.1', port, path: p, method, agent, headers }, (res) => {
      const chunks = []; res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject); req.end(body);
  });
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const freePort = () => new Promise((r) => { const s = http.createServer(); s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => r(p)); }); });

async function start() {
  const port = await freePort();
  // SERVER_LOG=FILE keeps the server's log (e.g. its "memory: returned … MB" lines).
  const out = process.env.SERVER_LOG ? fs.openSync(process.env.SERVER_LOG, 'a') : 'ignore';
  const proc = spawn(bin, ['serve'], { stdio: ['ignore', out, 'inherit'], env: { ...process.env, EXEMPLAR_DATA_DIR: exDir, EXEMPLAR_PORT: String(port), EXEMPLAR_HOST: '127.0.0.1', EXEMPLAR_EMBEDDER: 'hash', EXEMPLAR_MAX_CONNECTIONS_PER_IP: '0' } });
  const t0 = performance.now();
  for (;;) {
    try { if ((await request(port, 'GET', '/readyz')).status === 200) break; } catch { /* not yet */ }
    if (performance.now() - t0 > 120000) throw new Error('server did not start');
    await sleep(50);
  }
  return { proc, port, ready_s: (performance.now() - t0) / 1000 };
}
const cpuTicks = (pid) => { const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return Number(f[11]) + Number(f[12]); };
async function waitIdle(pid) {  // until the server used < 5% of a core over 2 s (graph backlog drained)
  for (let prev = cpuTicks(pid); ; ) { await sleep(2000); const now = cpuTicks(pid); if (now - prev < 10) return; prev = now; }
}

// smaps, grouped: [heap], thread stacks (8 MiB anonymous with a guard page), glibc arenas (64 MiB
// reservations), other anonymous mappings (large malloc blocks: the HNSW graph, vectors), files.
function smaps(pid) {
  const groups = {};
  const top = [];
  let cur = null;
  const flush = () => {
    if (!cur) return;
    let kind;
    if (cur.name === '[heap]') kind = 'heap (main arena)';
    else if (cur.name.startsWith('[')) kind = cur.name;
    else if (cur.name) kind = 'file ' + (cur.name.includes('/data/') ? path.basename(cur.name) : cur.name.startsWith('/usr/lib') || cur.name.includes('.so') ? 'shared libraries' : cur.name === bin || cur.name.endsWith('/exemplar') ? 'binary' : cur.name);
    else if (cur.sizeKb === 8192 || cur.sizeKb === 8188) kind = 'anon 8 MiB (thread stacks)';
    else if (cur.sizeKb <= 65536 && cur.sizeKb >= 132 && cur.perms === 'rw-p' && cur.adjacentNone) kind = 'anon arena heaps';
    else kind = 'anon other (large blocks)';
    const g = groups[kind] ??= { rss_kb: 0, anon_kb: 0, mappings: 0 };
    g.rss_kb += cur.rss; g.anon_kb += cur.anon; g.mappings++;
    if (!cur.name) top.push({ kind, size_kb: cur.sizeKb, rss_kb: cur.rss });
  };
  for (const line of fs.readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (m) {
      flush();
      const start = parseInt(m[1], 16), end = parseInt(m[2], 16);
      // An arena heap is a 64 MiB-aligned reservation: rw-p part then a ---p remainder.
      cur = { name: m[4], perms: m[3], sizeKb: (end - start) / 1024, rss: 0, anon: 0, adjacentNone: start % (64 << 20) === 0, start };
      continue;
    }
    const kv = /^(Rss|Anonymous):\s+(\d+) kB/.exec(line);
    if (kv && cur) { if (kv[1] === 'Rss') cur.rss = Number(kv[2]); else cur.anon = Number(kv[2]); }
  }
  flush();
  const mb = (kb) => +(kb / 1024).toFixed(1);
  return {
    groups: Object.fromEntries(Object.entries(groups).sort((a, b) => b[1].rss_kb - a[1].rss_kb).map(([k, v]) => [k, { rss_mb: mb(v.rss_kb), mappings: v.mappings }])),
    largest_anon: top.sort((a, b) => b.rss_kb - a.rss_kb).slice(0, 8).map((t) => `${mb(t.rss_kb)}/${mb(t.size_kb)} MB`),
  };
}
function status(pid) {
  const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const v = (k) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? 0);
  return { rss_mb: +(v('VmRSS') / 1024).toFixed(1), anon_mb: +(v('RssAnon') / 1024).toFixed(1), file_mb: +(v('RssFile') / 1024).toFixed(1), threads: v('Threads') };
}
async function gauges(port) {
  const r = await request(port, 'GET', '/metrics');
  const out = {};
  for (const line of r.body.split('\n')) {
    const m = /^(exemplar_(?:memory|index)_\S*?) (\S+)$/.exec(line);
    if (m && /bytes|arenas/.test(m[1])) out[m[1].replace(/^exemplar_/, '')] = m[1].endsWith('arenas') ? Number(m[2]) : +(Number(m[2]) / 1048576).toFixed(1);
  }
  return out;
}
async function snapshot(label, s) {
  const row = { phase: label, ...status(s.proc.pid), metrics_mb: await gauges(s.port), smaps: smaps(s.proc.pid) };
  console.log(JSON.stringify(row));
  return row;
}

async function load(s, seconds) {
  const dim = meta.dim, nq = meta.queries;
  const ids = JSON.parse((await request(s.port, 'GET', '/api/v1/examples?page_size=100')).body).examples?.map((e) => e.example_id) ?? [];
  const bodies = [
    (i) => ['POST', '/api/v1/examples/search', JSON.stringify({ query_embedding: Array.from(queries.subarray((i % nq) * dim, (i % nq + 1) * dim)), mode: 'vector', k: 10 })],
    (i) => ['POST', '/api/v1/examples/search', JSON.stringify({ query_text: texts[i % nq], mode: 'hybrid', k: 10 })],
    (i) => ['GET', `/api/v1/examples/${ids[i % ids.length]}`],
  ];
  const end = performance.now() + seconds * 1000;
  let n = 0, errors = 0;
  await Promise.all(Array.from({ length: 4 }, async (_, c) => {
    for (let i = c; performance.now() < end; i += 4) {
      const [m, p, b] = bodies[i % 3](i);
      const r = await request(s.port, m, p, b);
      if (r.status !== 200 && errors++ === 0) log(`first error: ${m} ${p} -> ${r.status} ${r.body.slice(0, 200)}`);
      n++;
    }
  }));
  log(`${n} requests in ${seconds} s, ${errors} errors`);
}

fs.rmSync(exDir, { recursive: true, force: true });
fs.mkdirSync(workDir, { recursive: true });
let s = await start();
await snapshot('empty', s);
const lines = fs.readFileSync(path.join(dataDir, 'examples.jsonl'), 'utf8').trim().split('\n');
const t0 = performance.now();
for (let i = 0; i < lines.length; i += 2000) {
  const batch = [i, i + 1000].filter((b) => b < lines.length).map((b) => `{"examples":[${lines.slice(b, b + 1000).join(',')}]}`);
  const rs = await Promise.all(batch.map((b) => request(s.port, 'POST', '/api/v1/examples/batch', b)));
  for (const r of rs) if (r.status !== 201 && r.status !== 200) throw new Error(`ingest: ${r.status} ${r.body.slice(0, 200)}`);
}
log(`ingested ${lines.length} in ${((performance.now() - t0) / 1000).toFixed(1)} s; waiting for the graph`);
await waitIdle(s.proc.pid);
await snapshot('after_ingest', s);
if (process.env.TRIM_WITH_GDB) {  // what malloc_trim(0) would give back at this point
  execFileSync('gdb', ['-batch', '-p', String(s.proc.pid), '-ex', 'call (int)malloc_trim(0)'], { stdio: 'ignore' });
  await snapshot('after_ingest_gdb_malloc_trim', s);
}
await load(s, loadSeconds);
await snapshot('after_load', s);
s.proc.kill('SIGTERM');
await new Promise((r) => s.proc.on('exit', r));
s = await start();
log(`restart ready in ${s.ready_s.toFixed(2)} s`);
await waitIdle(s.proc.pid);
await snapshot('restarted', s);
await load(s, loadSeconds);
await snapshot('restarted_after_load', s);
s.proc.kill('SIGTERM');
await new Promise((r) => s.proc.on('exit', r));
process.exit(0);

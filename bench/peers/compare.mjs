// Exemplar vs LanceDB on one exported dataset, one run. Usage:
//   node compare.mjs EXEMPLAR_BIN DATA_DIR WORK_DIR [exemplar_bench.json]
// Exemplar in-process figures come from `exemplar bench --json` (same corpus, same queries, run by
// scripts/bench-peers.sh just before); LanceDB's from lancedb_bench.mjs in child processes. HTTP
// legs: `exemplar serve` (the exported examples ingested over the batch API) and the LanceDB
// node:http wrapper, measured by the same keep-alive client below, alternating rounds.
import fs from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import os from 'node:os';
import { spawn, execFileSync } from 'node:child_process';

const [exemplarBin, dataDir, workDir, benchJson] = process.argv.slice(2);
const here = path.dirname(new URL(import.meta.url).pathname);
const meta = JSON.parse(fs.readFileSync(path.join(dataDir, 'meta.json'), 'utf8'));
const { dim, k } = meta;
const nq = meta.queries;
const qb = fs.readFileSync(path.join(dataDir, 'queries.f32'));
const queries = new Float32Array(qb.buffer, qb.byteOffset, qb.byteLength / 4);
const qvec = (q) => Array.from(queries.subarray(q * dim, (q + 1) * dim));
const texts = fs.readFileSync(path.join(dataDir, 'queries.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const load = () => os.loadavg()[0].toFixed(1);
const log = (...a) => console.error('peers:', ...a);
const env = { ...process.env, RUST_LOG: 'error', LANCEDB_LOG: 'error' };
const pct = (a, p) => { const s = [...a].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
const lanceScript = path.join(here, 'lancedb_bench.mjs');
const dbDir = path.join(workDir, 'lancedb');
const node = (args) => JSON.parse(execFileSync(process.execPath, [lanceScript, ...args], { env, maxBuffer: 1 << 26 }).toString().trim().split('\n').pop());

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
function post(port, p, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: p, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks = []; res.on('data', (c) => chunks.push(c)); res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject); req.end(body);
  });
}
// `clients` concurrent keep-alive clients, `total` requests; p50 and req/s. Bodies are prebuilt.
async function run(port, p, bodies, clients = 4) {
  let next = 0, errors = 0; const lat = [];
  const t0 = performance.now();
  await Promise.all(Array.from({ length: clients }, async () => {
    for (let i = next++; i < bodies.length; i = next++) {
      const a = performance.now();
      const r = await post(port, p, bodies[i]);
      lat.push(performance.now() - a);
      if (r.status !== 200) errors++;
    }
  }));
  return { p50_ms: pct(lat, 0.5), p99_ms: pct(lat, 0.99), qps: bodies.length / ((performance.now() - t0) / 1000), errors };
}
function startProcess(cmd, args, opts, ready) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let buf = '';
    const on = (c) => { buf += c; const v = ready(buf); if (v != null) resolve({ proc: p, value: v }); };
    p.stdout.on('data', on); p.stderr.on('data', on);
    p.on('exit', (code) => reject(new Error(`${cmd} exited ${code}: ${buf.slice(-500)}`)));
  });
}
const freePort = () => new Promise((r) => { const s = http.createServer(); s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => r(p)); }); });

const figures = { load_start: load() };
// ---- LanceDB in process: build, query, recall, RSS, disk; then cold start (3 fresh processes, median) ----
log(`LanceDB build (n=${meta.n}), load ${load()}`);
const lance = node(['build', dataDir, dbDir]);
lance.load = load();
const colds = [];
for (let i = 0; i < 3; i++) colds.push(node(['cold', dataDir, dbDir]).cold_start_first_answer_s);
lance.cold_start_first_answer_s = pct(colds, 0.5);
log(JSON.stringify(lance));

// ---- HTTP: exemplar serve (ingested over the batch API) and the LanceDB wrapper ----
const exDir = path.join(workDir, 'exemplar-data');
fs.rmSync(exDir, { recursive: true, force: true });
const exPort = await freePort();
const ex = await startProcess(exemplarBin, ['serve'], { env: { ...process.env, EXEMPLAR_DATA_DIR: exDir, EXEMPLAR_PORT: String(exPort), EXEMPLAR_HOST: '127.0.0.1', EXEMPLAR_EMBEDDER: 'hash', EXEMPLAR_MAX_CONNECTIONS_PER_IP: '0' } },
  (b) => (/listening|Listening|serving/.test(b) ? true : null));
const lines = fs.readFileSync(path.join(dataDir, 'examples.jsonl'), 'utf8').trim().split('\n');
log(`Exemplar HTTP ingest of ${lines.length}, load ${load()}`);
const ti = performance.now();
const batches = [];
for (let s = 0; s < lines.length; s += 1000) batches.push(`{"examples":[${lines.slice(s, s + 1000).join(',')}]}`);
let ingestErrors = 0;
for (let i = 0; i < batches.length; i += 2) {
  const rs = await Promise.all(batches.slice(i, i + 2).map((b) => post(exPort, '/api/v1/examples/batch', b)));
  for (const r of rs) if (r.status !== 201 && r.status !== 200) { ingestErrors++; log(r.status, r.body.slice(0, 200)); }
}
const exIngestS = (performance.now() - ti) / 1000;
const lPort = await freePort();
const ls = await startProcess(process.execPath, [lanceScript, 'serve', dataDir, dbDir, String(lPort)], { env }, (b) => (/listening/.test(b) ? true : null));

const exVec = Array.from({ length: nq * 2 }, (_, i) => JSON.stringify({ query_embedding: qvec(i % nq), mode: 'vector', k }));
const exHyb = Array.from({ length: nq * 2 }, (_, i) => JSON.stringify({ query_text: texts[i % nq], mode: 'hybrid', k }));
const lVec = Array.from({ length: nq * 2 }, (_, i) => JSON.stringify({ vector: qvec(i % nq) }));
const lHyb = Array.from({ length: nq * 2 }, (_, i) => JSON.stringify({ vector: qvec(i % nq), text: texts[i % nq] }));
// Exemplar acknowledges a batch before its HNSW graph holds the vectors (they are searched exactly
// meanwhile): wait until the vector p50 stops falling (the graph has caught up), at most 300 s.
const ts = performance.now();
let prev = Infinity;
for (let i = 0; (performance.now() - ts) < 300000; i++) {
  const p = (await run(exPort, '/api/v1/examples/search', exVec.slice(0, 100), 1)).p50_ms;
  if (i >= 2 && p > 0.9 * prev) break;
  prev = Math.min(prev, p);
}
const settleS = (performance.now() - ts) / 1000;
log(`Exemplar settled after ${settleS.toFixed(1)} s, load ${load()}`);
await run(lPort, '/search', lVec.slice(0, 50));  // warm-up
const rounds = { ex_vec: [], l_vec: [], ex_hyb: [], l_hyb: [] };
for (let r = 0; r < 3; r++) {  // alternate systems, 3 rounds; median of the rounds' p50s
  rounds.ex_vec.push(await run(exPort, '/api/v1/examples/search', exVec));
  rounds.l_vec.push(await run(lPort, '/search', lVec));
  rounds.ex_hyb.push(await run(exPort, '/api/v1/examples/search', exHyb));
  rounds.l_hyb.push(await run(lPort, '/search', lHyb));
  log(`round ${r + 1}, load ${load()}:`, JSON.stringify(Object.fromEntries(Object.entries(rounds).map(([kk, v]) => [kk, v[v.length - 1]]))));
}
const med = (a, f) => pct(a.map((x) => x[f]), 0.5);
const statusMb = (pid, field) => { try { return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024; } catch { return null; } };
const rssOf = (pid) => statusMb(pid, 'VmRSS');
const exServeRss = rssOf(ex.proc.pid), lServeRss = rssOf(ls.proc.pid);
// The anonymous part: memory the process owns. The rest is file pages mapped in (binaries,
// libraries, and Exemplar's memory-mapped vector files, whose pages are page cache the kernel
// may drop; LanceDB reads its files with read(), so their page cache is outside its RSS).
const exServeAnon = statusMb(ex.proc.pid, 'RssAnon'), lServeAnon = statusMb(ls.proc.pid, 'RssAnon');
ex.proc.kill('SIGTERM'); ls.proc.kill('SIGTERM');
for (const v of Object.values(rounds).flat()) if (v.errors) log('HTTP errors', JSON.stringify(v));

// ---- Table ----
const eb = benchJson && fs.existsSync(benchJson) ? JSON.parse(fs.readFileSync(benchJson, 'utf8')) : {};
const exBuild = eb.ingest_indexed_per_s ? eb.n / eb.ingest_indexed_per_s : null;
const rows = [
  ['build: ingest + vector index (s)', exBuild, lance.build_s, 'Exemplar: bench batch-API ingest until the HNSW graph holds every vector; LanceDB: createTable/add + IVF_HNSW_SQ + FTS'],
  ['vector top-10 in process, p50 (ms)', eb.vector_p50_ms, lance.vector_p50_ms, ''],
  ['vector top-10 in process, p99 (ms)', eb.vector_p99_ms, lance.vector_p99_ms, ''],
  ['recall@10 vs exact', eb.recall_at_10, lance.recall_at_10, 'against groundtruth.i32 (Exemplar: against its own exact search, same vectors)'],
  ['RSS after build (MB)', eb.rss_after_ingest_mb, lance.rss_mb, ''],
  ['cold start: open + first answer (s)', eb.cold_start_first_answer_s, lance.cold_start_first_answer_s, ''],
  ['bytes per example', eb.index_bytes_per_example, lance.bytes_per_example, 'Exemplar: index bytes per example (bench); LanceDB: table directory on disk'],
  ['vector top-10 over HTTP, p50 (ms)', med(rounds.ex_vec, 'p50_ms'), med(rounds.l_vec, 'p50_ms'), '4 keep-alive clients, same Node client'],
  ['vector over HTTP (req/s)', med(rounds.ex_vec, 'qps'), med(rounds.l_vec, 'qps'), ''],
  ['hybrid top-10 over HTTP, p50 (ms)', med(rounds.ex_hyb, 'p50_ms'), med(rounds.l_hyb, 'p50_ms'), 'Exemplar embeds the text itself; LanceDB gets text + vector'],
  ['hybrid over HTTP (req/s)', med(rounds.ex_hyb, 'qps'), med(rounds.l_hyb, 'qps'), ''],
  ['RSS of the HTTP server after the runs (MB)', exServeRss, lServeRss, ''],
  ['  of which anonymous (MB)', exServeAnon, lServeAnon, 'without mapped file pages (libraries, Exemplar\'s mapped vector files)'],
];
const f = (v) => (v == null ? 'n/a' : Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toFixed(4));
console.log(`n=${meta.n} dim=${dim} queries=${nq}; Exemplar vector storage ${process.env.EXEMPLAR_VECTOR_STORAGE || 'int8'}; load average ${figures.load_start} at start, ${load()} at end; LanceDB index: ${lance.index}${lance.fts_error ? '; FTS: ' + lance.fts_error : ''}`);
console.log(`Exemplar HTTP ingest (batch API, 2 in flight): ${exIngestS.toFixed(1)} s${ingestErrors ? `, ${ingestErrors} failed batches` : ''}; then ${settleS.toFixed(1)} s until its vector p50 stopped falling (graph backlog drained)`);
console.log('| figure | Exemplar | LanceDB 0.39 | Exemplar ÷ LanceDB |');
console.log('|---|---|---|---|');
for (const [name, a, b] of rows) console.log(`| ${name} | ${f(a)} | ${f(b)} | ${a != null && b ? (a / b).toFixed(2) : 'n/a'} |`);
fs.writeFileSync(path.join(workDir, 'peers.json'), JSON.stringify({ meta, exemplar_bench: eb, lancedb: lance, http_rounds: rounds, exemplar_http_ingest_s: exIngestS, exemplar_settle_s: settleS, rss: { exemplar_serve_mb: exServeRss, lancedb_serve_mb: lServeRss, exemplar_serve_anon_mb: exServeAnon, lancedb_serve_anon_mb: lServeAnon } }, null, 2));
process.exit(0);

// LanceDB (npm @lancedb/lancedb, in process) on the dataset written by
// `exemplar bench --export-dataset DIR`. Usage:
//   node lancedb_bench.mjs build DIR DBDIR      ingest + vector index (+ FTS), query p50/p99, recall@10, RSS
//   node lancedb_bench.mjs cold DIR DBDIR       fresh process: open the table, answer the first query
//   node lancedb_bench.mjs serve DIR DBDIR PORT minimal HTTP wrapper: POST /search {"vector":[..]} | {"text":".."}
// Prints one JSON object on stdout (serve prints {"listening":PORT} then serves).
import fs from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import * as lancedb from '@lancedb/lancedb';

const t0 = performance.now();
const [mode, dataDir, dbDir, portArg] = process.argv.slice(2);
const meta = JSON.parse(fs.readFileSync(path.join(dataDir, 'meta.json'), 'utf8'));
const { n, dim, k } = meta;
const nq = meta.queries;
const f32 = (f) => { const b = fs.readFileSync(path.join(dataDir, f)); return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4); };
const i32 = (f) => { const b = fs.readFileSync(path.join(dataDir, f)); return new Int32Array(b.buffer, b.byteOffset, b.byteLength / 4); };
const queries = f32('queries.f32');
const qvec = (q) => Array.from(queries.subarray(q * dim, (q + 1) * dim));
const texts = fs.readFileSync(path.join(dataDir, 'queries.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
// Index parameters (env overridable): IVF_HNSW_SQ, partitions ~ sqrt(n), refine for recall.
const NPROBES = Number(process.env.LANCE_NPROBES || 20);
const EF = Number(process.env.LANCE_EF || 100);
const REFINE = Number(process.env.LANCE_REFINE || 0);
const pct = (a, p) => { const s = [...a].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
const rssMb = () => process.memoryUsage().rss / 1048576;
const dirBytes = (d) => { let t = 0; for (const e of fs.readdirSync(d, { withFileTypes: true })) { const p = path.join(d, e.name); t += e.isDirectory() ? dirBytes(p) : fs.statSync(p).size; } return t; };

function vectorQuery(table, v) {
  let q = table.vectorSearch(v).distanceType('cosine').limit(k).nprobes(NPROBES).ef(EF).select(['row']);
  if (REFINE > 0) q = q.refineFactor(REFINE);
  return q.toArray();
}

async function build() {
  const vectors = f32('vectors.f32');
  const lines = fs.readFileSync(path.join(dataDir, 'examples.jsonl'), 'utf8').trim().split('\n');
  fs.rmSync(dbDir, { recursive: true, force: true });
  const db = await lancedb.connect(dbDir);
  const tb = performance.now();
  const batch = 10000;
  let table;
  for (let s = 0; s < n; s += batch) {
    const rows = [];
    for (let i = s; i < Math.min(n, s + batch); i++) {
      rows.push({ row: i, text: JSON.parse(lines[i]).input.text, vector: Array.from(vectors.subarray(i * dim, (i + 1) * dim)) });
    }
    if (!table) table = await db.createTable('examples', rows);
    else await table.add(rows);
  }
  const ingestS = (performance.now() - tb) / 1000;
  const partitions = Math.max(1, Math.round(Math.sqrt(n)));
  const ti = performance.now();
  await table.createIndex('vector', { config: lancedb.Index.hnswSq({ distanceType: 'cosine', numPartitions: partitions, m: 16, efConstruction: 150 }) });
  const indexS = (performance.now() - ti) / 1000;
  let ftsS = null, ftsError = null;
  try {
    const tf = performance.now();
    await table.createIndex('text', { config: lancedb.Index.fts() });
    ftsS = (performance.now() - tf) / 1000;
  } catch (e) { ftsError = String(e.message || e); }
  const buildS = (performance.now() - tb) / 1000;
  const truth = i32('groundtruth.i32');
  for (let q = 0; q < Math.min(20, nq); q++) await vectorQuery(table, qvec(q));  // warm-up
  const lat = []; let hits = 0;
  for (let q = 0; q < nq; q++) {
    const v = qvec(q);
    const a = performance.now();
    const res = await vectorQuery(table, v);
    lat.push(performance.now() - a);
    const t = new Set(truth.subarray(q * k, (q + 1) * k));
    for (const r of res) if (t.has(r.row)) hits++;
  }
  let hybridP50 = null;
  if (!ftsError) {
    const hl = [];
    for (let q = 0; q < nq; q++) {
      const a = performance.now();
      await table.query().fullTextSearch(texts[q]).nearestTo(qvec(q)).distanceType('cosine').nprobes(NPROBES).ef(EF).limit(k).select(['row']).toArray();
      hl.push(performance.now() - a);
    }
    hybridP50 = pct(hl, 0.5);
  }
  return {
    system: 'lancedb', version: lancedb.version ?? '0.39.0', n, dim, queries: nq,
    index: `IVF_HNSW_SQ cosine partitions=${partitions} m=16 ef_construction=150; search nprobes=${NPROBES} ef=${EF} refine=${REFINE}`,
    ingest_s: ingestS, index_s: indexS, fts_index_s: ftsS, fts_error: ftsError, build_s: buildS,
    vector_p50_ms: pct(lat, 0.5), vector_p99_ms: pct(lat, 0.99), recall_at_10: hits / (k * nq),
    hybrid_inproc_p50_ms: hybridP50,
    rss_mb: rssMb(), disk_bytes: dirBytes(dbDir), bytes_per_example: dirBytes(dbDir) / n,
  };
}

async function cold() {
  const db = await lancedb.connect(dbDir);
  const table = await db.openTable('examples');
  const res = await vectorQuery(table, qvec(0));
  // performance.now() counts from the process's start: node start-up and the module load included.
  return { cold_start_first_answer_s: performance.now() / 1000, after_module_load_s: (performance.now() - t0) / 1000, results: res.length, rss_mb: rssMb() };
}

async function serve() {
  const db = await lancedb.connect(dbDir);
  const table = await db.openTable('examples');
  const server = http.createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/search') { res.writeHead(404); res.end(); return; }
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', async () => {
      try {
        const b = JSON.parse(body);
        let rows;
        if (b.vector && b.text) rows = await table.query().fullTextSearch(b.text).nearestTo(b.vector).distanceType('cosine').nprobes(NPROBES).ef(EF).limit(k).select(['row']).toArray();
        else if (b.vector) rows = await vectorQuery(table, b.vector);
        else rows = await table.search(b.text, 'fts').limit(k).select(['row']).toArray();
        const out = JSON.stringify({ results: rows.map((r) => ({ row: r.row })) });
        res.writeHead(200, { 'content-type': 'application/json' }); res.end(out);
      } catch (e) { res.writeHead(500); res.end(String(e)); }
    });
  });
  server.keepAliveTimeout = 60000;
  server.listen(Number(portArg), '127.0.0.1', () => console.log(JSON.stringify({ listening: server.address().port })));
}

if (mode === 'build') console.log(JSON.stringify(await build()));
else if (mode === 'cold') console.log(JSON.stringify(await cold()));
else if (mode === 'serve') await serve();
else { console.error('usage: lancedb_bench.mjs build|cold|serve DATA_DIR DB_DIR [PORT]'); process.exit(2); }

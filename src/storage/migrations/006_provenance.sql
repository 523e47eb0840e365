-- Provenance (issue 19). Lineage edges carry the example version they refer to and may be closed
-- (membership that ended); deleted examples become tombstones that keep their versions; frozen
-- dataset snapshots; an append-only audit log written in the same transaction as each change.
-- The lineage backfill of existing data is code (service/lineage/provenance.cc: inline examples
-- are matched by content), recorded once in `backfills`; every edge insert is idempotent.
ALTER TABLE lineage_edges ADD COLUMN example_version INTEGER;
ALTER TABLE lineage_edges ADD COLUMN closed_at INTEGER;
CREATE INDEX lineage_source ON lineage_edges(source_type, source_id);

-- A deleted example: the row as it was (same columns as `examples`), hidden from lists, search
-- and retrieval. Restore moves it back under the same row_id. Purge erases the content columns
-- and the version snapshots, keeping content_hash.
CREATE TABLE example_tombstones (
  row_id INTEGER NOT NULL,
  id TEXT PRIMARY KEY,
  client_id TEXT,
  version INTEGER NOT NULL,
  input TEXT NOT NULL,
  expected_output TEXT NOT NULL,
  explanation TEXT,
  databit_id TEXT,
  domain TEXT NOT NULL,
  function_name TEXT,
  difficulty TEXT NOT NULL,
  capability_tags TEXT NOT NULL DEFAULT '[]',
  search_keys TEXT NOT NULL DEFAULT '[]',
  source TEXT NOT NULL,
  attribution_notes TEXT,
  quality_score REAL,
  usage_count INTEGER NOT NULL DEFAULT 0,
  success_count REAL NOT NULL DEFAULT 0,
  failure_count REAL NOT NULL DEFAULT 0,
  effectiveness_score REAL,
  embedding BLOB,
  embedding_model TEXT,
  created_by TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  last_used_at INTEGER,
  deleted_at INTEGER NOT NULL,
  deleted_by TEXT,
  content_hash TEXT NOT NULL,
  purged_at INTEGER
);

CREATE TABLE snapshots (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  template_id TEXT,
  selection TEXT NOT NULL,                -- JSON: {filter} or {example_ids} as requested
  item_count INTEGER NOT NULL,
  created_by TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX snapshots_by_created ON snapshots(created_at, id);

CREATE TABLE snapshot_items (
  snapshot_id TEXT NOT NULL,
  example_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  content_hash TEXT NOT NULL,             -- SHA-256 of the version's input, expected_output, explanation
  PRIMARY KEY (snapshot_id, example_id)
);

CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,                    -- token name, forwarded user, "local" or "cli:<user>"
  action TEXT NOT NULL,                   -- the route ("DELETE /api/v1/examples/{id}") or command
  entity TEXT NOT NULL,                   -- example | template | run | snapshot | token | …
  entity_ids TEXT NOT NULL DEFAULT '[]',  -- JSON array
  diff TEXT NOT NULL DEFAULT '{}',        -- compact: changed fields (content fields as hashes)
  request_id TEXT
);
CREATE INDEX audit_by_at ON audit_log(at);
CREATE INDEX audit_by_entity ON audit_log(entity, seq);
CREATE INDEX audit_by_actor ON audit_log(actor, seq);

CREATE TABLE backfills (
  name TEXT PRIMARY KEY,
  done_at INTEGER NOT NULL
);

-- Exemplar schema v1: the whole SPEC data model. Types are kept portable (TEXT/INTEGER/REAL/BLOB)
-- so the PostgreSQL dialect layer can map them in one place.

CREATE TABLE examples (
  row_id INTEGER PRIMARY KEY,             -- integer key, used as the index label
  id TEXT NOT NULL UNIQUE,                -- UUID (wire: example_id)
  client_id TEXT UNIQUE,                  -- idempotency key of batch/import/seed
  version INTEGER NOT NULL DEFAULT 1,
  input TEXT NOT NULL,                    -- JSON object
  expected_output TEXT NOT NULL,          -- JSON object
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
  effectiveness_score REAL,               -- (s+1)/(s+f+2), NULL without evidence; kept for ORDER BY
  embedding BLOB,                         -- float32 little-endian
  embedding_model TEXT,
  created_by TEXT,
  created_at INTEGER NOT NULL,            -- epoch millis
  updated_at INTEGER NOT NULL,
  last_used_at INTEGER,
  CHECK (json_valid(input) AND json_valid(expected_output))
);
CREATE INDEX examples_databit ON examples(databit_id);
CREATE INDEX examples_domain ON examples(domain, function_name);
CREATE INDEX examples_effectiveness ON examples(effectiveness_score);
CREATE INDEX examples_created ON examples(created_at);

CREATE TABLE example_versions (
  example_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  snapshot TEXT NOT NULL,                 -- the example's wire JSON at that version
  created_at INTEGER NOT NULL,
  PRIMARY KEY (example_id, version)
);

CREATE TABLE usage_events (
  id INTEGER PRIMARY KEY,
  example_id TEXT NOT NULL,
  kind TEXT NOT NULL,                     -- retrieved | outcome | tracked | optimization
  outcome TEXT,                           -- success | failure | partial | unknown
  success_delta REAL NOT NULL DEFAULT 0,
  failure_delta REAL NOT NULL DEFAULT 0,
  context TEXT,
  model_id TEXT,
  run_id TEXT,
  retrieval_id TEXT,
  confidence REAL,
  created_at INTEGER NOT NULL
);
CREATE INDEX usage_events_example ON usage_events(example_id, created_at);
CREATE INDEX usage_events_time ON usage_events(created_at);

CREATE TABLE retrievals (
  id TEXT PRIMARY KEY,
  example_ids TEXT NOT NULL,              -- JSON array, in returned order
  query TEXT,
  created_at INTEGER NOT NULL,
  outcome TEXT,                           -- set once (exactly-once crediting)
  outcome_at INTEGER
);

CREATE TABLE templates (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  description TEXT,
  input_schema TEXT NOT NULL,
  output_schema TEXT NOT NULL,
  prompt_template TEXT,
  system_prompt TEXT,
  examples TEXT NOT NULL DEFAULT '[]',
  base_model TEXT NOT NULL,
  temperature REAL NOT NULL,
  max_tokens INTEGER NOT NULL,
  status TEXT NOT NULL,
  version TEXT NOT NULL,
  parent_template_id TEXT,
  derived_from TEXT NOT NULL DEFAULT '[]',
  created_by TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (name, version)
);
CREATE INDEX templates_updated ON templates(updated_at);

CREATE TABLE dspy_runs (
  id TEXT PRIMARY KEY,
  template_id TEXT NOT NULL,
  status TEXT NOT NULL,                   -- pending | running | completed | failed | cancelled
  config TEXT NOT NULL,
  progress TEXT NOT NULL DEFAULT '{}',
  best_score REAL,
  best_program TEXT,
  contributions TEXT,
  error TEXT,
  decision TEXT,                          -- accepted | rejected
  accepted_template_id TEXT,
  synced_at INTEGER,
  claimed_by TEXT,
  created_by TEXT,
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  completed_at INTEGER,
  updated_at INTEGER NOT NULL
);
CREATE INDEX dspy_runs_template ON dspy_runs(template_id, created_at);

CREATE TABLE dspy_trials (
  run_id TEXT NOT NULL,
  trial_index INTEGER NOT NULL,
  candidate TEXT NOT NULL,
  instruction TEXT,
  demo_ids TEXT NOT NULL DEFAULT '[]',
  score REAL NOT NULL,
  metrics TEXT NOT NULL DEFAULT '{}',
  lm_calls INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (run_id, trial_index)
);

CREATE TABLE lineage_edges (
  source_type TEXT NOT NULL,
  source_id TEXT NOT NULL,
  target_type TEXT NOT NULL,
  target_id TEXT NOT NULL,
  type TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (source_type, source_id, target_type, target_id, type)
);
CREATE INDEX lineage_target ON lineage_edges(target_type, target_id);

CREATE TABLE change_log (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,  -- monotonic; indexes record the seq they reflect
  entity TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  row_id INTEGER,                         -- the example's row_id (index label), for replay of deletes
  op TEXT NOT NULL,                       -- upsert | delete
  created_at INTEGER NOT NULL
);

CREATE TABLE api_tokens (
  id TEXT PRIMARY KEY,
  name TEXT,
  role TEXT NOT NULL,                     -- read | write | admin
  token_hash TEXT NOT NULL UNIQUE,        -- SHA-256 hex; the token itself is never stored
  created_at INTEGER NOT NULL,
  revoked_at INTEGER,
  last_used_at INTEGER
);

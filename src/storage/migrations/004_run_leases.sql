-- Replica faults: the replica executing a run renews a lease on it every few seconds. When the
-- lease expires (the replica died or lost the database), any replica takes the run over: it
-- resumes it, or fails it as interrupted, or finishes a cancel requested meanwhile. `attempts`
-- counts takeovers, so a run that kills every replica it lands on stops moving.
ALTER TABLE dspy_runs ADD COLUMN lease_expires_at INTEGER;
ALTER TABLE dspy_runs ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;

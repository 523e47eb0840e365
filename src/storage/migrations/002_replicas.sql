-- Replicas: the change log records which store instance wrote each change, so a replica can skip
-- its own (already applied) changes while following the log; a run can be cancelled through any
-- replica (the one executing it polls the flag).
ALTER TABLE change_log ADD COLUMN origin TEXT;
ALTER TABLE dspy_runs ADD COLUMN cancel_requested_at INTEGER;

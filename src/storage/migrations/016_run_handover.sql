-- A clean handover is not a takeover (review s24): a replica stopped cleanly (SIGTERM, a rolling
-- restart) gives up its runs' leases (lease_released = 1), and the replica that takes such a run
-- over does not count it in `takeovers`, the count the limit applies to (a run that brings down
-- every replica it lands on must stop moving; one handed over by deploys must not). `attempts`
-- goes on counting every takeover. Runs taken over before this migration keep their count.
ALTER TABLE dspy_runs ADD COLUMN lease_released INTEGER NOT NULL DEFAULT 0;
ALTER TABLE dspy_runs ADD COLUMN takeovers INTEGER NOT NULL DEFAULT 0;
UPDATE dspy_runs SET takeovers = attempts;

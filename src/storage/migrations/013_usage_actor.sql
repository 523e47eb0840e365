-- Who sent each piece of usage evidence: the authenticated caller of a retrieve, outcome or track
-- (the audit log's actor: token name, `token:<id prefix>`, forwarded user, `local`), so a team can
-- tell who moved an example's effectiveness. NULL for evidence recorded before, and for a run's
-- sync (the audit log names who synced it).
ALTER TABLE usage_events ADD COLUMN actor TEXT;
-- A retrieval keeps who retrieved it and who reported its outcome (two calls, maybe two callers).
ALTER TABLE retrievals ADD COLUMN actor TEXT;
ALTER TABLE retrievals ADD COLUMN outcome_actor TEXT;
-- GET /examples/{id}/usage pages an example's events newest first by id.
CREATE INDEX usage_events_example_id ON usage_events(example_id, id);

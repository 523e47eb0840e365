-- A retrieval keeps the request that made it (the body with its effective exploration and seed),
-- so POSTing it again replays the retrieval exactly: scope, filters, k, mode, weights, format and
-- token budget, not only the seed. NULL for retrievals recorded before.
ALTER TABLE retrievals ADD COLUMN request TEXT;

-- Retention of usage evidence (usage_retention_days, max_retrievals_kept): retrievals are pruned
-- oldest first, and the count bound takes a retrieval's usage events with it. Without these
-- indexes each prune batch read the whole table. Events of no retrieval (track, run sync) stay
-- out of the second one.
CREATE INDEX retrievals_created ON retrievals(created_at);
CREATE INDEX usage_events_retrieval ON usage_events(retrieval_id) WHERE retrieval_id IS NOT NULL;

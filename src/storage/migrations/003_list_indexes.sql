-- Lists at any size: every list's sort, and its common filters with the default sort, is one range
-- of an index. Keys end with the row's unique key (row_id, id), the tie-breaker of every list
-- order, so a keyset cursor ("rows after this one") is a seek, not a scan. The dropped indexes are
-- prefixes of the new ones.
DROP INDEX examples_databit;
DROP INDEX examples_effectiveness;
DROP INDEX examples_created;
CREATE INDEX examples_by_effectiveness ON examples(effectiveness_score, row_id);
CREATE INDEX examples_by_quality ON examples(quality_score, row_id);
CREATE INDEX examples_by_usage ON examples(usage_count, row_id);
CREATE INDEX examples_by_created ON examples(created_at, row_id);
CREATE INDEX examples_by_updated ON examples(updated_at, row_id);
CREATE INDEX examples_databit_by_effectiveness ON examples(databit_id, effectiveness_score, row_id);
CREATE INDEX examples_databit_by_created ON examples(databit_id, created_at, row_id);
CREATE INDEX examples_domain_by_effectiveness ON examples(domain, effectiveness_score, row_id);

DROP INDEX templates_updated;
CREATE INDEX templates_by_updated ON templates(updated_at, id);
CREATE INDEX templates_status_by_updated ON templates(status, updated_at, id);
CREATE INDEX templates_by_name ON templates(name, created_at, id);

DROP INDEX dspy_runs_template;
CREATE INDEX dspy_runs_by_created ON dspy_runs(created_at, id);
CREATE INDEX dspy_runs_template_by_created ON dspy_runs(template_id, created_at, id);
CREATE INDEX dspy_runs_status_by_created ON dspy_runs(status, created_at, id);

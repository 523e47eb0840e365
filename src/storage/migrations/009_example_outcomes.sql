-- Per-example outcomes: an agent that can tell which of a retrieval's examples helped reports
-- each one's own outcome with the retrieval's; the outcome credited to each example is kept here
-- (JSON object example_id -> success | failure | partial | unknown), NULL until an outcome.
ALTER TABLE retrievals ADD COLUMN example_outcomes TEXT;

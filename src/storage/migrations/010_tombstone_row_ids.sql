-- A row id is an example's index label for good: a new example takes one above every live and
-- deleted example's (SQLite would otherwise hand a deleted top row's id to the next insert, and
-- restoring the deleted example then collides). The index keeps that maximum cheap to read.
CREATE INDEX example_tombstones_by_row_id ON example_tombstones(row_id);

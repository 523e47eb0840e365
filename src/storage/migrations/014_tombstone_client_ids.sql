-- A create with a client_id that names no live example asks whether a deleted example had it
-- (the retry of a create whose example was deleted since). Without this index each such write
-- read every tombstone: a 10,000-record import took 27 s instead of 0.6 s after 5,000 deletes.
CREATE INDEX example_tombstones_by_client_id ON example_tombstones(client_id);

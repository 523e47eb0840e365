-- The original plan's agent path names its caller (agent_id, and a session_id UUID); a retrieval
-- made through that path keeps them (GET /examples/retrievals/{id}), NULL otherwise.
ALTER TABLE retrievals ADD COLUMN agent_id TEXT;
ALTER TABLE retrievals ADD COLUMN session_id TEXT;

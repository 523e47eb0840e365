-- Exploration (issue #18): a retrieval records the policy that ranked it, the seed of its draws
-- (so it can be replayed exactly) and why each returned example was chosen (JSON array of
-- {example_id, relevance, effectiveness_used, ...}).
ALTER TABLE retrievals ADD COLUMN exploration TEXT;
ALTER TABLE retrievals ADD COLUMN seed INTEGER;
ALTER TABLE retrievals ADD COLUMN ranking TEXT;

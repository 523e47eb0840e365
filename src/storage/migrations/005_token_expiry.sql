-- Tokens may expire (token create --expires-in); last_used_at (from 001) is now kept up to date.
ALTER TABLE api_tokens ADD COLUMN expires_at INTEGER;

-- Data quality (issue #20): the kinds of personal data or secrets found in an example's input,
-- output and explanation (email, phone, credit_card, iban, ssn, ip_address, secret), as a JSON
-- list written with the example. Rows written before this migration start unflagged.
ALTER TABLE examples ADD COLUMN pii_flags TEXT NOT NULL DEFAULT '[]';
-- Tombstones (006) keep them too, so a restored example comes back flagged.
ALTER TABLE example_tombstones ADD COLUMN pii_flags TEXT NOT NULL DEFAULT '[]';

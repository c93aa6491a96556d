-- A staff account a city admin has disabled: it cannot sign in, and its tokens and cookies stopped working when it
-- was disabled (its security stamp changed then). Kept, not deleted, so the audit log's actor still names an account.

ALTER TABLE operators ADD COLUMN disabled_at timestamptz;

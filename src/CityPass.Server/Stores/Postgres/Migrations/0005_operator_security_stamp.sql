-- A security stamp per staff account, replaced on every change of the account: sign-in tokens and
-- console cookies carry it, and one issued before the change is refused. Existing accounts get a
-- random stamp (which also refuses any token issued before this migration: they carry none).

ALTER TABLE operators ADD COLUMN security_stamp text;
UPDATE operators SET security_stamp = replace(gen_random_uuid()::text, '-', '');
ALTER TABLE operators ALTER COLUMN security_stamp SET NOT NULL;

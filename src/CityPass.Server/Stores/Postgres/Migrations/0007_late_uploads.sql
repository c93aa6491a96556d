-- A scan the gate sent long after it made it (a late upload) is recorded with this flag: it was decided by the
-- usual rules but moved no live counter. Existing rows were live scans. A constant default needs no rewrite.

ALTER TABLE scans ADD COLUMN late_upload boolean NOT NULL DEFAULT false;

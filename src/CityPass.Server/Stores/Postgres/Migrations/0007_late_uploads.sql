-- A scan the gate sent long after it made it (a late upload) is recorded with this flag: it was decided by the
-- usual rules but moved no live counter. Existing rows were live scans. A constant default needs no rewrite.
-- Late uploads are rare, so a gate's newest one is found in a small partial index, not by reading its day of scans.

ALTER TABLE scans ADD COLUMN late_upload boolean NOT NULL DEFAULT false;
CREATE INDEX scans_late_uploads_by_gate ON scans (gate_id, decided_at DESC) WHERE late_upload;

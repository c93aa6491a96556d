-- A scan from a gate's offline journal (POST /v1/gates/me/journal) keeps the gate's own decision beside the server's
-- after-the-fact one: allowed or not, the gate's reason code, and whether it let the citizen in unchecked on the
-- venue's setting (flagged). All three are set together, on journal scans only; every other row, and every existing
-- one, has none. Nullable columns without a default need no rewrite.
-- Disagreements (the gate opened for someone the server refuses, or the reverse) are what an operator looks for, and
-- rare: a small partial index finds a venue's, newest first, without reading its day of scans. Its predicate is the
-- one the scan-log filter writes.

ALTER TABLE scans
    ADD COLUMN offline_allowed boolean,
    ADD COLUMN offline_code text,
    ADD COLUMN offline_flagged boolean;
CREATE INDEX scans_disagreements_by_venue ON scans (venue_id, decided_at DESC, scan_id DESC, gate_id DESC) WHERE offline_allowed <> allowed;

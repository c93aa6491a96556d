-- A scan id is chosen by the gate and unique per gate only: the same id from another gate is another
-- scan, answered and counted, and must be archived too. The key was (scan_id, decided_at), so such a
-- record decided in the same instant was skipped as a redelivery; the key now names the gate. It
-- still holds decided_at, the partition key, which a partitioned table's unique keys must contain.
-- Existing rows were unique on the narrower key, so they are unique on this one: nothing to rewrite.
-- Both statements act on every partition; the table is locked while the key is rebuilt.

ALTER TABLE scans DROP CONSTRAINT scans_pkey;
ALTER TABLE scans ADD CONSTRAINT scans_pkey PRIMARY KEY (scan_id, gate_id, decided_at);

-- Logs now page by (decided_at, scan_id, gate_id), a total order again; the gate's own index
-- already orders by it, since gate_id is fixed there.
DROP INDEX scans_by_time;
DROP INDEX scans_by_venue;
DROP INDEX scans_by_citizen;
CREATE INDEX scans_by_time ON scans (decided_at DESC, scan_id DESC, gate_id DESC);
CREATE INDEX scans_by_venue ON scans (venue_id, decided_at DESC, scan_id DESC, gate_id DESC);
CREATE INDEX scans_by_citizen ON scans (citizen_id, decided_at DESC, scan_id DESC, gate_id DESC) WHERE citizen_id IS NOT NULL;

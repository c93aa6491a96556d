-- The scan archive, one partition per UTC day of decided_at. Partitions are created by the store
-- before it inserts into a new day and dropped whole by the retention purge.
-- A partitioned table's unique keys must contain the partition key, hence (scan_id, decided_at):
-- a redelivered record is byte-identical, decided_at included, so it still conflicts.

CREATE TABLE scans (
    scan_id      uuid        NOT NULL,
    decided_at   timestamptz NOT NULL,
    scanned_at   timestamptz NOT NULL,
    gate_id      uuid        NOT NULL,
    venue_id     uuid        NOT NULL,
    direction    smallint    NOT NULL,
    allowed      boolean     NOT NULL,
    code         text        NOT NULL,
    colour       smallint    NOT NULL,
    display_name text        NOT NULL,
    citizen_id   uuid,
    issuer       bigint      NOT NULL,
    token_id     uuid        NOT NULL,
    PRIMARY KEY (scan_id, decided_at)
) PARTITION BY RANGE (decided_at);

-- Every log query reads newest first by (decided_at, scan_id), optionally narrowed to one venue, citizen or gate.
CREATE INDEX scans_by_time ON scans (decided_at DESC, scan_id DESC);
CREATE INDEX scans_by_venue ON scans (venue_id, decided_at DESC, scan_id DESC);
CREATE INDEX scans_by_citizen ON scans (citizen_id, decided_at DESC, scan_id DESC) WHERE citizen_id IS NOT NULL;
CREATE INDEX scans_by_gate ON scans (gate_id, decided_at DESC, scan_id DESC);

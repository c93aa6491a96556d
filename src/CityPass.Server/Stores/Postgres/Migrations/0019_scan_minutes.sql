-- The city dashboard's stored time series (issue 17): per UTC minute of decided_at, per venue, per outcome (the
-- decision code: 'allowed' or the reason of a refusal) and direction, how many archived scans there were. Written by
-- the archive's own insert, in the same statement as the scan rows (PostgresScanStore.PrepareInsert): only rows that
-- statement actually inserted count, so a redelivered batch adds nothing, and a withdrawal takes its scan back out.
-- Purged with the scans (PostgresScanStore.PurgeBeforeAsync). Minutes x venues x outcomes: far fewer rows than scans.

CREATE TABLE scan_minutes (
    minute    timestamptz NOT NULL,
    venue_id  uuid        NOT NULL,
    code      text        NOT NULL,
    direction smallint    NOT NULL,
    scans     integer     NOT NULL,
    PRIMARY KEY (minute, venue_id, code, direction)
);

-- One venue's history (the occupancy chart): the key leads with the minute, which serves the city-wide reads.
CREATE INDEX scan_minutes_by_venue ON scan_minutes (venue_id, minute);

-- The scans archived before this migration: their minutes, so a chart shows no hole at the upgrade. One pass over the
-- archive (minutes on a large one), under the migration's lock.
INSERT INTO scan_minutes (minute, venue_id, code, direction, scans)
SELECT date_trunc('minute', decided_at, 'UTC'), venue_id, code, direction, count(*)
FROM scans WHERE NOT withdrawn
GROUP BY 1, 2, 3, 4;

-- Venues had no district; the dashboard groups occupancy by district and by kind. Empty: not assigned yet.
ALTER TABLE venues ADD COLUMN district text NOT NULL DEFAULT '';

-- The dashboard's "status changes today" reads the history by time, not by citizen.
CREATE INDEX citizen_status_history_by_since ON citizen_status_history (since);

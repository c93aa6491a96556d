-- The roll-ups at a fraction of the archive's cost (issue 17: under 10% of the archiver's CPU). Upserting scan_minutes
-- in every archive statement cost about a fifth of the insert (loadtests/results/20261203-130501-dashboard): under load
-- each statement met most of the city's venue-minutes again, so each paid ~1,800 upserts through two indexes for 8,000
-- scans. Now a large statement (an archiver under load: PostgresScanStore.RowsForDeltas) only appends its per-minute
-- counts here (a heap without an index: no lookups, no locks), and a fold (PostgresScanMinuteFolder, every 10 s, one
-- replica at a time) moves them into scan_minutes: the upserts of many statements' deltas at once, one per
-- venue-minute. Small statements still upsert scan_minutes. Reads add what is not folded yet, so they are exact at
-- once; this table holds seconds of deltas, a few thousand rows under load.

CREATE TABLE scan_minute_deltas (
    minute    timestamptz NOT NULL,
    venue_id  uuid        NOT NULL,
    code      text        NOT NULL,
    direction smallint    NOT NULL,
    scans     integer     NOT NULL
);

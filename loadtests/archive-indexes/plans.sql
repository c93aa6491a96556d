-- The archive's read queries on the layout just filled (run.sh, after round 1's insert), in PostgresScanStore's own
-- text with the parameters written in as values (Npgsql's unprepared statements are planned with their values too).
-- Each query is preceded by a line '### name' that report.sh reads.
\set ON_ERROR_STOP 1

-- The parameters, from the data. The log's first page ends at its 50th row: the cursor of the next page.
SELECT max(decided_at) AS newest FROM scans \gset
SELECT decided_at AS cursor_d, scan_id AS cursor_s, gate_id AS cursor_g FROM scans WHERE NOT withdrawn
ORDER BY decided_at DESC, scan_id DESC, gate_id DESC OFFSET 49 LIMIT 1 \gset
-- A scan decided about two hours before the newest: the first answer a late upload of it would find (GetAsync).
SELECT scan_id AS hit_s, gate_id AS hit_g FROM scans WHERE decided_at BETWEEN :'newest'::timestamptz - interval '2 hours 1 minute'
AND :'newest'::timestamptz - interval '2 hours' AND NOT withdrawn LIMIT 1 \gset
-- A scan id the gate never sent: the usual late upload, whose scan was never archived (the lookup finds nothing).
SELECT gen_random_uuid() AS miss_s \gset
-- The bound a lookup could add: a few hours back (a late upload's first answer was decided after its scannedAt).
SELECT :'newest'::timestamptz - interval '3 hours' AS bound \gset
-- Venue 7 and its four gates, a citizen: the ids run.sh generated (md5 of a name).
SELECT md5('venue-7')::uuid AS venue, md5('gate-7')::uuid AS gate, md5('citizen-42')::uuid AS citizen \gset

\echo '### log, first page (QueryAsync, no filter)'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT scan_id, decided_at, scanned_at, gate_id, venue_id, direction, allowed, code, colour, display_name, citizen_id, issuer, token_id, late_upload FROM scans
WHERE NOT withdrawn ORDER BY decided_at DESC, scan_id DESC, gate_id DESC LIMIT 50;

\echo '### log, next page (QueryAsync, Before = the 50th row)'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT scan_id, decided_at, scanned_at, gate_id, venue_id, direction, allowed, code, colour, display_name, citizen_id, issuer, token_id, late_upload FROM scans
WHERE NOT withdrawn AND (decided_at, scan_id, gate_id) < (:'cursor_d'::timestamptz, :'cursor_s'::uuid, :'cursor_g'::uuid)
ORDER BY decided_at DESC, scan_id DESC, gate_id DESC LIMIT 50;

\echo '### lookup, archived scan (GetAsync)'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT scan_id, decided_at, scanned_at, gate_id, venue_id, direction, allowed, code, colour, display_name, citizen_id, issuer, token_id, late_upload FROM scans
WHERE scan_id = :'hit_s'::uuid AND gate_id = :'hit_g'::uuid AND NOT withdrawn ORDER BY decided_at DESC LIMIT 1;

\echo '### lookup, scan not archived (GetAsync)'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT scan_id, decided_at, scanned_at, gate_id, venue_id, direction, allowed, code, colour, display_name, citizen_id, issuer, token_id, late_upload FROM scans
WHERE scan_id = :'miss_s'::uuid AND gate_id = :'hit_g'::uuid AND NOT withdrawn ORDER BY decided_at DESC LIMIT 1;

\echo '### lookup + decided_at >= 3 h back, archived scan'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT scan_id, decided_at, scanned_at, gate_id, venue_id, direction, allowed, code, colour, display_name, citizen_id, issuer, token_id, late_upload FROM scans
WHERE scan_id = :'hit_s'::uuid AND gate_id = :'hit_g'::uuid AND decided_at >= :'bound'::timestamptz AND NOT withdrawn ORDER BY decided_at DESC LIMIT 1;

\echo '### lookup + decided_at >= 3 h back, scan not archived'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT scan_id, decided_at, scanned_at, gate_id, venue_id, direction, allowed, code, colour, display_name, citizen_id, issuer, token_id, late_upload FROM scans
WHERE scan_id = :'miss_s'::uuid AND gate_id = :'hit_g'::uuid AND decided_at >= :'bound'::timestamptz AND NOT withdrawn ORDER BY decided_at DESC LIMIT 1;

\echo '### gate log, first page (QueryAsync, GateId)'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT scan_id, decided_at, scanned_at, gate_id, venue_id, direction, allowed, code, colour, display_name, citizen_id, issuer, token_id, late_upload FROM scans
WHERE NOT withdrawn AND gate_id = :'gate'::uuid ORDER BY decided_at DESC, scan_id DESC, gate_id DESC LIMIT 50;

\echo '### venue log, first page (QueryAsync, VenueId)'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT scan_id, decided_at, scanned_at, gate_id, venue_id, direction, allowed, code, colour, display_name, citizen_id, issuer, token_id, late_upload FROM scans
WHERE NOT withdrawn AND venue_id = :'venue'::uuid ORDER BY decided_at DESC, scan_id DESC, gate_id DESC LIMIT 50;

\echo '### citizen log, first page (QueryAsync, CitizenId)'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT scan_id, decided_at, scanned_at, gate_id, venue_id, direction, allowed, code, colour, display_name, citizen_id, issuer, token_id, late_upload FROM scans
WHERE NOT withdrawn AND citizen_id = :'citizen'::uuid ORDER BY decided_at DESC, scan_id DESC, gate_id DESC LIMIT 50;

\echo '### gate clocks, venue 7''s 4 gates, last day (GateClocksSql)'
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT g.id, live.scanned_at, live.decided_at, late.decided_at
FROM unnest(ARRAY[md5('gate-7'), md5('gate-507'), md5('gate-1007'), md5('gate-1507')]::uuid[]) AS g(id)
LEFT JOIN LATERAL (SELECT scanned_at, decided_at FROM scans WHERE gate_id = g.id AND decided_at >= :'newest'::timestamptz - interval '1 day' AND NOT late_upload AND NOT withdrawn
                   ORDER BY decided_at DESC LIMIT 1) live ON TRUE
LEFT JOIN LATERAL (SELECT decided_at FROM scans WHERE gate_id = g.id AND decided_at >= :'newest'::timestamptz - interval '1 day' AND late_upload AND NOT withdrawn
                   ORDER BY decided_at DESC LIMIT 1) late ON TRUE
WHERE live.decided_at IS NOT NULL OR late.decided_at IS NOT NULL;

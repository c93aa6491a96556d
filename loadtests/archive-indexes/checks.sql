-- The store's own insert statements (PostgresScanStore.InsertRowsAsync, verbatim but for the prepared name) on the
-- layout just filled: which index arbitrates a conflict, and that a redelivery, another gate's scan with the same id
-- and a withdrawal still behave as the store relies on. run.sh's measured statement uses the same ON CONFLICT clause
-- (DO NOTHING, no target): its plan is printed just before this file's output.
\set ON_ERROR_STOP 1

PREPARE store_insert AS
INSERT INTO scans (scan_id, decided_at, scanned_at, gate_id, venue_id, direction, allowed, code, colour, display_name, citizen_id, issuer, token_id, late_upload, withdrawn)
SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[], $4::uuid[], $5::uuid[], $6::smallint[], $7::boolean[],
                     $8::text[], $9::smallint[], $10::text[], $11::uuid[], $12::bigint[], $13::uuid[], $14::boolean[], $15::boolean[])
ON CONFLICT DO NOTHING;

PREPARE store_withdraw AS
INSERT INTO scans (scan_id, decided_at, scanned_at, gate_id, venue_id, direction, allowed, code, colour, display_name, citizen_id, issuer, token_id, late_upload, withdrawn)
SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[], $4::uuid[], $5::uuid[], $6::smallint[], $7::boolean[],
                     $8::text[], $9::smallint[], $10::text[], $11::uuid[], $12::bigint[], $13::uuid[], $14::boolean[], $15::boolean[])
ON CONFLICT (scan_id, gate_id, decided_at) DO UPDATE SET withdrawn = true WHERE excluded.withdrawn AND NOT scans.withdrawn;

-- An archived row as the archiver would send it again, and the same scan id from another gate.
SELECT format('%L, %L, %L, %L, %L, %L, %L, %L, %L, %L, %L, %L, %L, %L', ARRAY[scan_id], ARRAY[decided_at], ARRAY[scanned_at], ARRAY[gate_id],
              ARRAY[venue_id], ARRAY[direction], ARRAY[allowed], ARRAY[code], ARRAY[colour], ARRAY[display_name], ARRAY[citizen_id],
              ARRAY[issuer], ARRAY[token_id], ARRAY[late_upload]) AS same,
       format('%L, %L, %L, %L, %L, %L, %L, %L, %L, %L, %L, %L, %L, %L', ARRAY[scan_id], ARRAY[decided_at], ARRAY[scanned_at], ARRAY[md5('another gate')::uuid],
              ARRAY[venue_id], ARRAY[direction], ARRAY[allowed], ARRAY[code], ARRAY[colour], ARRAY[display_name], ARRAY[citizen_id],
              ARRAY[issuer], ARRAY[token_id], ARRAY[late_upload]) AS other_gate,
       scan_id AS id
FROM scans WHERE NOT withdrawn ORDER BY decided_at LIMIT 1 \gset

\echo '### the store''s insert of a round (ON CONFLICT DO NOTHING)'
EXPLAIN (COSTS OFF) EXECUTE store_insert(:same, '{false}');
\echo '### the store''s insert of a round with a withdrawal (ON CONFLICT (scan_id, gate_id, decided_at) DO UPDATE)'
EXPLAIN (COSTS OFF) EXECUTE store_withdraw(:same, '{true}');

-- The command tags say what happened: INSERT 0 <rows inserted or updated>.
\set QUIET off
\echo '### redelivered record: skipped (expect INSERT 0 0)'
EXECUTE store_insert(:same, '{false}');
\echo '### same scan id from another gate: another scan (expect INSERT 0 1)'
EXECUTE store_insert(:other_gate, '{false}');
\echo '### its withdrawal: flags the row (expect INSERT 0 1), then again: nothing (expect INSERT 0 0)'
EXECUTE store_withdraw(:same, '{true}');
EXECUTE store_withdraw(:same, '{true}');
\set QUIET on
\echo '### rows with that scan id: (gate is the first, withdrawn)'
SELECT gate_id = md5('another gate')::uuid AS other_gate, withdrawn FROM scans WHERE scan_id = :'id' ORDER BY 1;

#!/usr/bin/env bash
# The city dashboard at the 20-million-scan data set (issue 17): how fast its queries answer (target: p95 <= 200 ms),
# and what the per-minute roll-ups add to the archive's insert (target: < 10% of the archiver's CPU). See README.md.
#
#   loadtests/dashboard/run.sh                         20M scans' roll-ups, 200 timed runs a query, 200,000 rows archived per variant
#   RUNS=50 ARCHIVE_N=50000 loadtests/dashboard/run.sh  a quick try
#
# Starts its own PostgreSQL 15 on a free loopback port (the load runner's settings), applies the repo's migrations,
# seeds, measures, and stops and deletes the cluster at the end. Results in loadtests/results/<UTC>-dashboard/.
set -euo pipefail

VENUES=${VENUES:-1020}
DAYS=${DAYS:-14}
CITIZENS=${CITIZENS:-1000000}
RUNS=${RUNS:-200}
ARCHIVE_N=${ARCHIVE_N:-200000}
ROUNDS=${ROUNDS:-3}
# Deltas not folded yet when the queries run: what PostgresScanMinuteFolder leaves between two folds at half the load
# runner's maximum (about 30,000 rows: 400-row statements a venue-minute-code each, over 1,020 venues, for 10 s), which
# every read sums whole. 0: an empty table.
DELTAS=${DELTAS:-30000}
# The archive measurement's profiles, "name:rows a statement:scans a second of decided_at": quiet, the 20M data set's
# own density (statements of 1,000 rows spread over minutes, so nearly every scan is a roll-up row of its own: the
# worst case); half, an archiver keeping up at half the load runner's maximum (a statement about every 100 ms);
# load, a full archiver round (16 streams x 500) at 5,000 scans/s, as under the load runner.
PROFILES=${PROFILES:-"quiet:1000:4.63 half:400:3825 load:8000:5000"}
# ONLY_ARCHIVE=<results dir of a run>: just the archive measurement, added to that run's results.
ONLY_ARCHIVE=${ONLY_ARCHIVE:-}

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
SRC=$REPO/src/CityPass.Server/Stores/Postgres
MIGRATIONS=$SRC/Migrations
BIN=/usr/lib/postgresql/15/bin
OUT=${ONLY_ARCHIVE:-$REPO/loadtests/results/$(date -u +%Y%m%d-%H%M%S)-dashboard}
RAW=$OUT/tmp # plans, pgbench logs, the server's log: git ignores results/*/tmp
mkdir -p "$RAW"

# The dashboard's "now": the last seeded day at 12:00 UTC (20:00 in the city, its busy evening).
LAST_DAY=2026-12-02
NOW="$LAST_DAY 12:00:00+00"

as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
free_port() {
  local port
  for port in $(seq 55632 55832); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
  done
  echo "run.sh: no free port" >&2; exit 1
}
PGDIR=$(mktemp -d /tmp/citypass-dashboard-XXXXXX)
if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$PGDIR"; chmod 755 "$RAW"; chown postgres "$RAW"; fi
PORT=$(free_port)
stop_cluster() {
  as_postgres "$BIN/pg_ctl" -D "$PGDIR" -m fast -w stop >/dev/null 2>&1 || true
  cp "$PGDIR/server.log" "$RAW/server.log" 2>/dev/null || true
  rm -rf "$PGDIR"
}
trap stop_cluster EXIT
as_postgres "$BIN/initdb" -D "$PGDIR" -A trust -U citypass -E UTF8 --locale=C.UTF-8 >/dev/null
# The load runner's options (loadtests/CityPass.LoadTests/LocalPostgres.cs): default durability, shared_buffers 512MB.
as_postgres "$BIN/pg_ctl" -D "$PGDIR" -l "$PGDIR/server.log" -w start -o \
  "-p $PORT -k $PGDIR -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=512MB -c maintenance_work_mem=256MB" >/dev/null
export PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=citypass PGDATABASE=dashboard PGTZ=UTC PGOPTIONS="-c client_min_messages=warning"
psql() { "$BIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
value() { psql -At -F' ' -c "$1"; }
# The stores' own statements, read from their source (a C# raw string constant), parameters filled in as literals.
sql_const() { # $1 file, $2 constant
  awk -v name="$2" '$0 ~ "const string " name " = \"\"\"" { on = 1; next } on && /"""/ { exit } on { print }' "$1"
}
fill() { # stdin: the statement; args: values for $1, $2, ...
  local sql
  sql=$(cat)
  local i=$#
  for ((; i >= 1; i--)); do sql=${sql//\$$i/${!i}}; done
  printf '%s;\n' "$sql"
}
psql -d postgres -c "CREATE DATABASE dashboard"
for m in "$MIGRATIONS"/*.sql; do psql -f "$m"; done
echo "migrated: $(ls "$MIGRATIONS" | tail -1)"

# --- the data ------------------------------------------------------------------------------------------------------

if [ -z "$ONLY_ARCHIVE" ]; then
started=$(date +%s)
# Venues: 16 districts, 8 kinds (half of them record exits), a capacity for most; two gates each with a credential.
psql <<SQL
INSERT INTO venues (id, name, kind, address, policy, created_at, district)
SELECT md5('venue-' || v)::uuid, 'Venue ' || v, (ARRAY['library','clinic','housing_estate','gym','theatre','restaurant','mall','supermarket'])[1 + v % 8],
       v || ' Rd', '{}'::jsonb, now(), 'District ' || (v % 16)
FROM generate_series(0, $VENUES - 1) AS v;
INSERT INTO gates (id, venue_id, name, created_at, credential_hash, credential_issued_at)
SELECT md5('gate-' || g)::uuid, md5('venue-' || g / 2)::uuid, 'Gate ' || g, now(), sha256(g::text::bytea), now()
FROM generate_series(0, 2 * $VENUES - 1) AS g;
SQL

# Citizens: 94% green, 5% yellow, 1% red; each with its first status, the non-green with a second; 20,000 changes today.
psql <<SQL
INSERT INTO citizens (id, external_id, phone, full_name, status_colour, status_version, status_reason, status_since, credentials, created_at)
SELECT md5('citizen-' || c)::uuid, 'EXT-' || c, '+86' || (13000000000 + c), '张三', CASE WHEN c % 100 = 0 THEN 2 WHEN c % 100 < 6 THEN 1 ELSE 0 END,
       CASE WHEN c % 100 < 6 THEN 2 ELSE 1 END, 'seed', timestamptz '2026-11-01', 1, timestamptz '2026-11-01'
FROM generate_series(1, $CITIZENS) AS c;
INSERT INTO citizen_status_history (citizen_id, version, colour, reason, since)
SELECT id, 1, 0, 'seed', timestamptz '2026-11-01' FROM citizens;
INSERT INTO citizen_status_history (citizen_id, version, colour, reason, since)
SELECT id, 2, status_colour, 'seed', timestamptz '$LAST_DAY 00:00:00+00' - make_interval(days => (random() * 10)::int) FROM citizens WHERE status_version = 2;
UPDATE citizen_status_history SET since = timestamptz '$LAST_DAY 00:00:00+00' + make_interval(secs => random() * 40000)
WHERE version = 2 AND citizen_id IN (SELECT id FROM citizens WHERE status_version = 2 LIMIT 20000);
ANALYZE citizens; ANALYZE citizen_status_history;
SQL

# The roll-ups of 20M scans: $DAYS days, the venues open 08:00-21:30 city time (00:00-13:30 UTC), per venue-minute
# geometric counts: entries (mean 1.25), exits at the half of venues that record them (mean 0.95), refusals (mean 0.055,
# one of four reasons). The secondary index is built after the rows, as a restore would.
psql -c "DROP INDEX scan_minutes_by_venue"
for ((d = DAYS - 1; d >= 0; d--)); do
  psql <<SQL
INSERT INTO scan_minutes (minute, venue_id, code, direction, scans)
SELECT m, md5('venue-' || v)::uuid, o.code, o.direction, o.n
FROM generate_series(timestamptz '$LAST_DAY 00:00:00+00' - make_interval(days => $d),
                     timestamptz '$LAST_DAY 13:29:00+00' - make_interval(days => $d), interval '1 minute') AS m,
     generate_series(0, $VENUES - 1) AS v,
     LATERAL (VALUES ('allowed', 0::smallint, floor(ln(random()) / ln(0.556))::int),
                     ('allowed', 1::smallint, CASE WHEN v % 8 < 4 THEN floor(ln(random()) / ln(0.487))::int ELSE 0 END),
                     ((ARRAY['status_not_allowed','venue_full','already_inside','booking_required'])[1 + v % 4], 0::smallint, floor(ln(random()) / ln(0.052))::int)) AS o(code, direction, n)
WHERE o.n > 0;
SQL
  printf '\r  roll-ups: day %d of %d' $((DAYS - d)) "$DAYS" >&2
done
echo >&2
psql -c "CREATE INDEX scan_minutes_by_venue ON scan_minutes (venue_id, minute)" -c "VACUUM ANALYZE scan_minutes"

# The raw scans the gates' panel reads: the last day only (its query is bounded to a day, so older partitions are
# pruned, and each gate costs two LIMIT 1 index probes whatever the table holds): the same volume per venue as the
# roll-ups, one partition as the store makes it.
NEXT_DAY=$(date -u -d "$LAST_DAY + 1 day" +%Y-%m-%d)
psql <<SQL
CREATE TABLE scans_p${LAST_DAY//-/} PARTITION OF scans FOR VALUES FROM ('$LAST_DAY 00:00:00+00') TO ('$NEXT_DAY 00:00:00+00');
INSERT INTO scans (scan_id, decided_at, scanned_at, gate_id, venue_id, direction, allowed, code, colour, display_name, citizen_id, issuer, token_id, late_upload, withdrawn)
SELECT gen_random_uuid(), t, t - interval '150 ms' + CASE WHEN g % 97 = 0 THEN interval '45 s' ELSE interval '0' END, md5('gate-' || g)::uuid,
       md5('venue-' || g / 2)::uuid, 0, true, 'allowed', 0, '张*', md5('citizen-' || (random() * $CITIZENS)::int)::uuid, 310000, gen_random_uuid(),
       g % 53 = 0 AND random() < 0.01, false
FROM (SELECT timestamptz '$LAST_DAY 00:00:00+00' + make_interval(secs => random() * 43200) AS t, floor(random() * 2 * $VENUES)::int AS g
      FROM generate_series(1, (SELECT sum(scans) FROM scan_minutes WHERE minute >= '$LAST_DAY')::int)) AS s;
VACUUM ANALYZE scans;
SQL
seeded=$(( $(date +%s) - started ))
read -r rollup_rows rollup_scans rollup_bytes scan_rows scan_bytes <<<"$(value "SELECT (SELECT count(*) FROM scan_minutes), (SELECT sum(scans) FROM scan_minutes),
  pg_total_relation_size('scan_minutes'), (SELECT count(*) FROM scans), pg_total_relation_size('scans_p${LAST_DAY//-/}')")"
echo "seeded in ${seeded} s: $rollup_rows roll-up rows for $rollup_scans scans ($rollup_bytes bytes); $scan_rows scans of the last day"

# The deltas of the last fold interval before "now", as the archive's appends leave them: a row per statement, venue,
# minute, code and direction, nearly all of them admitted entries and exits of one scan or two; no index, as 0020 has none.
psql <<SQL
INSERT INTO scan_minute_deltas (minute, venue_id, code, direction, scans)
SELECT timestamptz '$LAST_DAY 11:59:00+00' + make_interval(mins => i % 2), md5('venue-' || (i * 7919 % $VENUES))::uuid,
       CASE WHEN i % 20 = 0 THEN 'venue_full' ELSE 'allowed' END, (i % 3 = 0)::int::smallint, 1 + (i % 2)
FROM generate_series(1, $DELTAS) AS i;
ANALYZE scan_minute_deltas;
SQL
echo "  $DELTAS deltas not folded yet (scan_minute_deltas), summed by every read" >&2

# --- the dashboard's queries ---------------------------------------------------------------------------------------

VENUE0="'$(value "SELECT md5('venue-0')::uuid")'::uuid"
GATES="ARRAY(SELECT id FROM gates)"
ts() { echo "timestamptz '$(date -u -d "$1" '+%Y-%m-%d %H:%M:%S')+00'"; }
TO=$(ts "$LAST_DAY 12:01:00 UTC")
declare -A QUERIES
QUERIES[minutes-60]=$(sql_const "$SRC/PostgresScanMinuteStore.cs" MinutesSql | fill "$(ts "$LAST_DAY 11:01:00 UTC")" "$TO" "NULL")
QUERIES[minutes-180]=$(sql_const "$SRC/PostgresScanMinuteStore.cs" MinutesSql | fill "$(ts "$LAST_DAY 09:01:00 UTC")" "$TO" "NULL")
QUERIES[busiest-60]=$(sql_const "$SRC/PostgresScanMinuteStore.cs" BusiestSql | fill "$(ts "$LAST_DAY 11:01:00 UTC")" "$TO" 10)
QUERIES[busiest-180]=$(sql_const "$SRC/PostgresScanMinuteStore.cs" BusiestSql | fill "$(ts "$LAST_DAY 09:01:00 UTC")" "$TO" 50)
QUERIES[colour-mix]=$(sql_const "$SRC/PostgresCitizenStore.cs" ColourMixSql | fill "$(ts "$LAST_DAY 00:00:00 UTC") - interval '8 hours'" "ARRAY[0,1,2]::smallint[]")
QUERIES[gate-clocks]=$(sql_const "$SRC/PostgresScanStore.cs" GateClocksSql | fill "$GATES" "$(ts "$LAST_DAY 12:00:00 UTC") - interval '1 day'")
QUERIES[venues-and-gates]="SELECT id, name, kind, address, policy::text, created_at, district FROM venues ORDER BY name COLLATE \"C\", id; SELECT id, venue_id, name, created_at, credential_hash, credential_issued_at, credential_revoked_at FROM gates ORDER BY name COLLATE \"C\", id;"
QUERIES[venue-chart-7d]=$(sql_const "$SRC/PostgresScanMinuteStore.cs" MinutesSql | fill "$(ts "$LAST_DAY 12:00:00 UTC") - interval '7 days'" "$TO" "$VENUE0")
ORDER="minutes-60 busiest-60 colour-mix gate-clocks venues-and-gates minutes-180 busiest-180 venue-chart-7d"

RESULTS=$RAW/queries.tsv
echo -e "query\truns\tp50_ms\tp95_ms\tmax_ms\trows" >"$RESULTS"
for q in $ORDER; do
  echo "${QUERIES[$q]}" >"$RAW/query-$q.sql"
  psql -At -c "EXPLAIN (ANALYZE, BUFFERS) ${QUERIES[$q]%%;*}" >"$RAW/plan-$q.txt" 2>&1 || true
  rows=$(psql -At -c "SELECT count(*) FROM (${QUERIES[$q]%%;*}) AS r")
  # pgbench: one client, RUNS runs after 10 not counted, each run's latency logged (µs, column 3).
  (cd "$RAW" && "$BIN/pgbench" -n -c 1 -t 10 -f "query-$q.sql" >/dev/null && "$BIN/pgbench" -n -c 1 -t "$RUNS" -f "query-$q.sql" -l --log-prefix="pgbench-$q" >/dev/null)
  cat "$RAW"/pgbench-"$q".* | awk '{ print $3 / 1000 }' | sort -n >"$RAW/latency-$q.txt"
  read -r p50 p95 max <<<"$(awk '{ v[NR] = $1 } END { printf "%.1f %.1f %.1f", v[int(NR * 0.5 + 0.5)], v[int(NR * 0.95 + 0.5)], v[NR] }' "$RAW/latency-$q.txt")"
  echo -e "$q\t$RUNS\t$p50\t$p95\t$max\t$rows" >>"$RESULTS"
  printf '  %-18s p50 %6s ms  p95 %6s ms  max %6s ms  (%s rows)\n' "$q" "$p50" "$p95" "$max" "$rows"
done
# The whole read, as the service makes it: the parts at once (one client each), timed end to end per run.
(
  cd "$RAW"
  for q in minutes-60 busiest-60 colour-mix gate-clocks venues-and-gates; do cat "query-$q.sql"; done >all-sequential.sql
  "$BIN/pgbench" -n -c 1 -t "$RUNS" -f all-sequential.sql -l --log-prefix=pgbench-all >/dev/null
)
cat "$RAW"/pgbench-all.* | awk '{ print $3 / 1000 }' | sort -n >"$RAW/latency-all.txt"
read -r p50 p95 max <<<"$(awk '{ v[NR] = $1 } END { printf "%.1f %.1f %.1f", v[int(NR * 0.5 + 0.5)], v[int(NR * 0.95 + 0.5)], v[NR] }' "$RAW/latency-all.txt")"
echo -e "all-one-after-another\t$RUNS\t$p50\t$p95\t$max\t" >>"$RESULTS"
printf '  %-18s p50 %6s ms  p95 %6s ms  max %6s ms\n' "all, in sequence" "$p50" "$p95" "$max"
# The deltas were there for the reads only: the archive's measurement below folds its own.
psql -c "TRUNCATE scan_minute_deltas"
echo -e "deltas=$DELTAS\nseeded=$seeded\nrollup_rows=$rollup_rows\nrollup_scans=$rollup_scans\nrollup_bytes=$rollup_bytes\nscan_rows=$scan_rows\nscan_bytes=$scan_bytes" >"$RAW/seeded.env"
fi

# --- what the roll-ups add to the archive's insert -----------------------------------------------------------------

# The store's insert from the same generated rows, ARCHIVE_N rows in statements of BATCH (each its own transaction, as
# the archiver commits a round), in four variants alternating ROUNDS times, each into a fresh day's partition; the
# backend's own CPU read from /proc/self/stat by the session itself (as loadtests/archive-indexes does):
#   generate  only generating the rows in SQL (part of every variant: subtracted to give the insert's own cost)
#   without   the plain insert, no roll-ups (the statement before 0019)
#   upsert    0019's statement: the insert's RETURNING upserts scan_minutes in every statement
#   with      today's statement (PostgresScanStore.RollUp: rows denser in time than ScansPerSecondForDeltas append their
#             deltas, sparser ones upsert)
#             and the fold (PostgresScanMinuteFolder's own statement) every FOLD_SECONDS of decided_at (its Interval), and
#             once at the end
BACKEND_TICKS="SELECT split_part(s, ' ', 14)::bigint + split_part(s, ' ', 15)::bigint FROM pg_read_file('/proc/self/stat') AS s"
COLUMNS="scan_id, decided_at, scanned_at, gate_id, venue_id, direction, allowed, code, colour, display_name, citizen_id, issuer, token_id, late_upload, offline_allowed, offline_code, offline_flagged, withdrawn"
# The fold's interval as the folder has it (PostgresScanMinuteFolder.Interval), unless FOLD_SECONDS asks another.
FOLD_SECONDS=${FOLD_SECONDS:-$(grep -o 'Interval { get; } = TimeSpan.FromSeconds([0-9]*)' "$SRC/PostgresScanMinuteFolder.cs" | grep -o '[0-9]*)' | tr -d ')')}
line_const() { # $1 file, $2 constant: a one-line string constant's text
  grep -o "const string $2 = \"[^\"]*\"" "$1" | sed 's/^[^"]*"//; s/"$//'
}
# The fold as PostgresScanMinuteFolder.FoldOnceAsync runs it: one transaction that locks the deltas against appends,
# sums and upserts them, and truncates them.
FOLD="BEGIN; $(line_const "$SRC/PostgresScanMinuteFolder.cs" LockSql); $(sql_const "$SRC/PostgresScanMinuteFolder.cs" FoldSql); $(line_const "$SRC/PostgresScanMinuteFolder.cs" EmptySql); COMMIT"
# The baseline of the writes-alone measurement below: the fold before it truncated (2026-12-04), which deleted the
# deltas it moved, at most 50,000 a statement, and left them to vacuum (run once at the end of that variant, with the
# table's autovacuum off, so its cost is counted in the same session).
FOLD_BY_DELETE="WITH folded AS (
    DELETE FROM scan_minute_deltas
    WHERE ctid = ANY(ARRAY(SELECT ctid FROM scan_minute_deltas LIMIT 50000))
    RETURNING minute, venue_id, code, direction, scans
), summed AS (
    INSERT INTO scan_minutes (minute, venue_id, code, direction, scans)
    SELECT minute, venue_id, code, direction, sum(scans) FROM folded
    GROUP BY 1, 2, 3, 4 HAVING sum(scans) <> 0 ORDER BY 1, 2, 3, 4
    ON CONFLICT (minute, venue_id, code, direction) DO UPDATE SET scans = scan_minutes.scans + excluded.scans
)
SELECT count(*)::int FROM folded"
rows_select() { # $1 lo, $2 hi, $3 day (RATE: scans a second of decided_at)
  cat <<SQL
SELECT gen_random_uuid(), d, d - interval '150 ms', md5('gate-' || g)::uuid, md5('venue-' || g / 2)::uuid, (random() < 0.45)::int::smallint, k = 1,
       (ARRAY['allowed','status_not_allowed','venue_full','already_inside','booking_required'])[k], 0::smallint, '张*',
       md5('citizen-' || c)::uuid, 310000::bigint, gen_random_uuid(), false, NULL::boolean, NULL::text, NULL::boolean, false
FROM (SELECT timestamptz '$3 00:30:00+00' + make_interval(secs => i / $RATE) AS d, floor(random() * 2 * $VENUES)::int AS g,
             floor(random() * $CITIZENS)::int AS c, CASE WHEN random() < 0.97 THEN 1 ELSE 2 + floor(random() * 4)::int END AS k
      FROM generate_series($1, $2) AS i) AS r
SQL
}
archived() { # $1 lo, $2 hi, $3 day: the insert returning what the roll-ups read, as PrepareInsert's CTE
  printf 'WITH archived AS (INSERT INTO scans (%s)\n%s\nON CONFLICT DO NOTHING\nRETURNING decided_at, venue_id, code, direction, CASE WHEN withdrawn THEN 0 ELSE 1 END AS delta\n)' \
    "$COLUMNS" "$(rows_select "$1" "$2" "$3")"
}
rollup_cte() { # $1 the method of PostgresScanStore whose CTE to read, for the source "archived"
  awk -v name="$1" '$0 ~ "static string " name "\\(string source\\) => \\$\"\"\"" { on = 1; next } on && /"""/ { exit } on { print }' "$SRC/PostgresScanStore.cs" | sed 's/{source}/archived/'
}
UPSERTED=$(rollup_cte UpsertedRollUp)
APPENDED=$(rollup_cte AppendedRollUp)
SCANS_PER_SECOND_FOR_DELTAS=$(grep -o 'ScansPerSecondForDeltas = [0-9_]*' "$SRC/PostgresScanStore.cs" | grep -o '[0-9_]*$' | tr -d _)
SHORTEST_SPAN_MS=$(grep -o 'ShortestSpan = TimeSpan.FromMilliseconds([0-9]*)' "$SRC/PostgresScanStore.cs" | grep -o '[0-9]*)' | tr -d ')')
# Today's roll-up for a statement of BATCH rows at RATE scans a second, as PostgresScanStore.AppendsDeltas chooses it:
# appended when the rows are denser than ScansPerSecondForDeltas over their span (at least ShortestSpan).
todays_roll_up() {
  if awk -v n="$BATCH" -v rate="$RATE" -v t="$SCANS_PER_SECOND_FOR_DELTAS" -v min="$SHORTEST_SPAN_MS" \
    'BEGIN { span = (n - 1) / rate; if (span < min / 1000) span = min / 1000; exit !(n > t * span) }'; then
    echo "$APPENDED"
  else
    echo "$UPSERTED"
  fi
}
insert_generate() { printf 'SELECT count(*) FROM (%s) AS r' "$(rows_select "$1" "$2" "$3")"; }
insert_without() { printf 'INSERT INTO scans (%s)\n%s\nON CONFLICT DO NOTHING' "$COLUMNS" "$(rows_select "$1" "$2" "$3")"; }
insert_upsert() { printf '%s\n%s\nSELECT count(*)::int FROM archived' "$(archived "$1" "$2" "$3")" "$UPSERTED"; }
insert_with() { printf '%s\n%s\nSELECT count(*)::int FROM archived' "$(archived "$1" "$2" "$3")" "$(todays_roll_up)"; }
session_file() { # $1 file, $2 variant, $3 day
  local statements=0 fold_every
  fold_every=$(( FOLD_SECONDS * ${RATE%.*} / BATCH )); [ "$fold_every" -ge 1 ] || fold_every=1
  {
    echo "SELECT ($BACKEND_TICKS) AS t0 \\gset"
    echo "\\o /dev/null"
    for ((lo = 0; lo < ARCHIVE_N; lo += BATCH)); do
      hi=$((lo + BATCH - 1 < ARCHIVE_N - 1 ? lo + BATCH - 1 : ARCHIVE_N - 1))
      echo "$("insert_$2" $lo $hi "$3");"
      statements=$((statements + 1))
      if [ "$2" = with ] && [ $((statements % fold_every)) = 0 ]; then echo "$FOLD;"; fi
    done
    if [ "$2" = with ]; then echo "$FOLD;"; fi
    echo "\\o"
    echo "SELECT ($BACKEND_TICKS) - :t0;"
  } >"$1"
}
TICKS=$(getconf CLK_TCK)
ARCHIVE=$RAW/archive.tsv
if [ ! -f "$ARCHIVE" ] || ! head -1 "$ARCHIVE" | grep -q '^profile'; then
  echo -e "profile\tbatch\trate\tround\tvariant\tbackend_ticks\trows\tseconds\tload" >"$ARCHIVE"
fi
day_n=100
for profile in $PROFILES; do
  IFS=: read -r name BATCH RATE <<<"$profile"
  if grep -q "^$name"$'\t' "$ARCHIVE"; then continue; fi # measured already (ONLY_ARCHIVE on a run that has it)
  for ((r = 1; r <= ROUNDS; r++)); do
    for variant in generate without upsert with; do
      day_n=$((day_n + 1))
      day=$(date -u -d "2027-01-01 + $day_n days" +%Y-%m-%d)
      next=$(date -u -d "$day + 1 day" +%Y-%m-%d)
      psql -c "CREATE TABLE scans_p${day//-/} PARTITION OF scans FOR VALUES FROM ('$day 00:00:00+00') TO ('$next 00:00:00+00')" -c CHECKPOINT
      session_file "$RAW/archive-$name-$variant.sql" "$variant" "$day"
      start=$(date +%s.%N)
      ticks=$(psql -At -f "$RAW/archive-$name-$variant.sql")
      seconds=$(echo "$(date +%s.%N) - $start" | bc)
      echo -e "$name\t$BATCH\t$RATE\t$r\t$variant\t$ticks\t$ARCHIVE_N\t$seconds\t$(cut -d' ' -f1 /proc/loadavg)" >>"$ARCHIVE"
      printf '  archive %s round %d %-8s %s µs of backend CPU a row, %.0f s\n' "$name" "$r" "$variant" "$(echo "scale=2; $ticks * 1000000 / $TICKS / $ARCHIVE_N" | bc)" "$seconds"
      # The roll-ups (folded and not) count every scan the variant inserted, once.
      if [ "$variant" = upsert ] || [ "$variant" = with ]; then
        rolled=$(value "SELECT sum(scans) FROM (SELECT minute, scans FROM scan_minutes UNION ALL SELECT minute, scans FROM scan_minute_deltas) AS m WHERE minute >= '$day' AND minute < '$next'")
        if [ "$rolled" != "$ARCHIVE_N" ]; then echo "run.sh: the $variant variant rolled up $rolled scans of $ARCHIVE_N" >&2; exit 1; fi
      fi
    done
  done
done

# The roll-ups' writes alone, from rows already archived: the end-to-end figures above carry the whole insert's
# variance (its CPU varies by several µs a row from round to round on a shared machine), larger than what the roll-ups
# cost. Here each variant reads the same WRITES_N generated rows (decided_at, venue, code, direction) in statements
# of BATCH from a table, ROUNDS times alternating: aggregate (only reading and summing them, what every variant does),
# upsert (0019: upserting scan_minutes each statement), with (today's choice by the rows' density; deltas folded every
# FOLD_SECONDS).
# A variant's cost beyond aggregate is its writes.
WRITES=$RAW/rollup-writes.tsv
if [ ! -f "$WRITES" ]; then
  echo -e "profile\tbatch\trate\tround\tvariant\tbackend_ticks\trows" >"$WRITES"
  WRITES_N=${WRITES_N:-$ARCHIVE_N}
  psql -c "CREATE TABLE rollup_input (i integer, decided_at timestamptz, venue_id uuid, code text, direction smallint, delta integer)" \
    -c "ALTER TABLE scan_minute_deltas SET (autovacuum_enabled = off)"
  for profile in $PROFILES; do
    IFS=: read -r name BATCH RATE <<<"$profile"
    fold_every=$(( FOLD_SECONDS * ${RATE%.*} / BATCH )); [ "$fold_every" -ge 1 ] || fold_every=1
    for ((r = 1; r <= ROUNDS; r++)); do
      day=$(date -u -d "2029-01-01 + $r days" +%Y-%m-%d)
      psql -c "TRUNCATE rollup_input" -c "INSERT INTO rollup_input SELECT i, timestamptz '$day 00:30:00+00' + make_interval(secs => i / $RATE),
          md5('venue-' || floor(random() * $VENUES)::int)::uuid,
          (ARRAY['allowed','status_not_allowed','venue_full','already_inside','booking_required'])[CASE WHEN random() < 0.97 THEN 1 ELSE 2 + floor(random() * 4)::int END],
          (random() < 0.45)::int::smallint, 1 FROM generate_series(0, $WRITES_N - 1) AS i" \
        -c "CREATE INDEX IF NOT EXISTS rollup_input_i ON rollup_input (i)" -c "VACUUM ANALYZE rollup_input"
      for variant in aggregate upsert with deleting; do
        # The previous variant's rows gone, and vacuumed away: each variant meets the same table, not its dead keys.
        psql -c "DELETE FROM scan_minutes WHERE minute >= '$day'" -c "TRUNCATE scan_minute_deltas" -c "VACUUM scan_minutes" -c CHECKPOINT
        {
          echo "SELECT ($BACKEND_TICKS) AS t0 \\gset"
          echo "\\o /dev/null"
          statements=0
          for ((lo = 0; lo < WRITES_N; lo += BATCH)); do
            src="WITH archived AS (SELECT decided_at, venue_id, code, direction, delta FROM rollup_input WHERE i BETWEEN $lo AND $((lo + BATCH - 1)))"
            case $variant in
              aggregate) echo "$src SELECT count(*) FROM (SELECT date_trunc('minute', decided_at, 'UTC'), venue_id, code, direction, sum(delta) FROM archived GROUP BY 1, 2, 3, 4 HAVING sum(delta) <> 0) AS g;" ;;
              upsert) echo "$src $UPSERTED SELECT 1;" ;;
              with) echo "$src $(todays_roll_up) SELECT 1;"
                statements=$((statements + 1))
                if [ $((statements % fold_every)) = 0 ]; then echo "$FOLD;"; fi ;;
              deleting) echo "$src $(todays_roll_up) SELECT 1;"
                statements=$((statements + 1))
                if [ $((statements % fold_every)) = 0 ]; then echo "$FOLD_BY_DELETE;"; fi ;;
            esac
          done
          if [ "$variant" = with ]; then echo "$FOLD;"; fi
          if [ "$variant" = deleting ]; then echo "$FOLD_BY_DELETE;"; echo "VACUUM scan_minute_deltas;"; fi
          echo "\\o"
          echo "SELECT ($BACKEND_TICKS) - :t0;"
        } >"$RAW/writes-$name-$variant.sql"
        ticks=$(psql -At -f "$RAW/writes-$name-$variant.sql")
        echo -e "$name\t$BATCH\t$RATE\t$r\t$variant\t$ticks\t$WRITES_N" >>"$WRITES"
        printf '  roll-up writes %s round %d %-9s %s µs of backend CPU a row\n' "$name" "$r" "$variant" "$(echo "scale=2; $ticks * 1000000 / $TICKS / $WRITES_N" | bc)"
      done
    done
  done
fi

# shellcheck disable=SC1091
. "$RAW/seeded.env"

VENUES=$VENUES DAYS=$DAYS CITIZENS=$CITIZENS RUNS=$RUNS ARCHIVE_N=$ARCHIVE_N TICKS_PER_SECOND=$TICKS SEEDED_SECONDS=$seeded DELTAS=${deltas:-0} \
  FOLD_SECONDS=$FOLD_SECONDS SCANS_PER_SECOND_FOR_DELTAS=$SCANS_PER_SECOND_FOR_DELTAS ROLLUP_ROWS=$rollup_rows ROLLUP_SCANS=$rollup_scans ROLLUP_BYTES=$rollup_bytes SCAN_ROWS=$scan_rows SCAN_BYTES=$scan_bytes \
  "$HERE/report.sh" "$OUT" >"$OUT/report.md"
echo "report: $OUT/report.md"

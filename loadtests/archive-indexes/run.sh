#!/usr/bin/env bash
# What the scan archive's indexes cost PostgreSQL per row (issue 14, target 3: archive <= 5 µs of PostgreSQL CPU
# per scan), and what leaner layouts would save. See README.md beside this file.
#
#   loadtests/archive-indexes/run.sh                 N=1,000,000 rows per layout, layouts A B C D E F Z, two rounds
#   N=100000 ROUNDS=1 loadtests/archive-indexes/run.sh   a quick try (measures little)
#
# Starts its own PostgreSQL 15 cluster on a free loopback port (the load runner's settings), and for each layout in
# turns: a fresh database with the repo's own migrations, the layout's changes, one day's partition as the store makes
# it, a CHECKPOINT, then N rows in statements of BATCH rows (each its own transaction, as the archiver commits a round)
# with the store's INSERT ... ON CONFLICT DO NOTHING. Results in loadtests/results/<UTC timestamp>-archive-indexes/.
set -euo pipefail

N=${N:-1000000}
BATCH=${BATCH:-1000}
ROUNDS=${ROUNDS:-2}
LAYOUTS=${LAYOUTS:-"A B C D E F Z"}

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
MIGRATIONS=$REPO/src/CityPass.Server/Stores/Postgres/Migrations
BIN=/usr/lib/postgresql/15/bin
OUT=$REPO/loadtests/results/$(date -u +%Y%m%d-%H%M%S)-archive-indexes
RAW=$OUT/tmp # plans, logs, the generated SQL: git ignores results/*/tmp
mkdir -p "$RAW"

# One UTC day, one partition, named and bounded as PostgresScanStore.EnsurePartitionsAsync does.
DAY=2026-12-02
NEXT_DAY=2026-12-03
PARTITION=scans_p${DAY//-/}
COLUMNS="scan_id, decided_at, scanned_at, gate_id, venue_id, direction, allowed, code, colour, display_name, citizen_id, issuer, token_id, late_upload"

# --- the cluster ---------------------------------------------------------------------------------------------------

# PostgreSQL refuses to run as root: as root, the server tools run as the postgres user (as LocalPostgres does).
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

free_port() {
  local port
  for port in $(seq 55432 55632); do
    # Nothing answers a connect: the port is free.
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
  done
  echo "run.sh: no free port in 55432-55632" >&2; exit 1
}

PGDIR=$(mktemp -d /tmp/citypass-archive-indexes-XXXXXX)
if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$PGDIR"; fi
PORT=$(free_port)
stop_cluster() {
  as_postgres "$BIN/pg_ctl" -D "$PGDIR" -m fast -w stop >/dev/null 2>&1 || true
  cp "$PGDIR/server.log" "$RAW/server.log" 2>/dev/null || true
  rm -rf "$PGDIR"
}
trap stop_cluster EXIT

as_postgres "$BIN/initdb" -D "$PGDIR" -A trust -U citypass -E UTF8 --locale=C.UTF-8 >/dev/null
# The load runner's options (loadtests/CityPass.LoadTests/LocalPostgres.cs): default durability (fsync, synchronous
# commit, full-page writes), shared_buffers 512MB. checkpoint_timeout and max_wal_size are its defaults, written out:
# they decide how often a page's first change after a checkpoint costs a full-page image in the WAL.
as_postgres "$BIN/pg_ctl" -D "$PGDIR" -l "$PGDIR/server.log" -w start -o \
  "-p $PORT -k $PGDIR -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=512MB -c checkpoint_timeout=5min -c max_wal_size=1GB" >/dev/null
POSTMASTER=$(head -1 "$PGDIR/postmaster.pid")

export PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=citypass PGDATABASE=archive PGTZ=UTC PGOPTIONS="-c client_min_messages=warning"
psql() { "$BIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
value() { psql -At -F' ' -c "$1"; } # one row, fields separated by spaces

# CPU of every PostgreSQL process, in clock ticks: the postmaster's own and its reaped children's (a backend that has
# exited, an autovacuum worker), plus each live child's (backends, checkpointer, walwriter, bgwriter, autovacuum).
# /proc/<pid>/stat: 4 ppid, 14 utime, 15 stime, 16 cutime, 17 cstime; the command name in brackets is cut first.
all_postgres_ticks() {
  # A process that exits between the glob and the read makes cat fail: not an error here.
  { cat /proc/[0-9]*/stat 2>/dev/null || true; } | sed 's/ (.*) / x /' |
    awk -v pm="$POSTMASTER" '$1 == pm { t += $14 + $15 + $16 + $17 } $4 == pm { t += $14 + $15 } END { print t }'
}
TICKS_PER_SECOND=$(getconf CLK_TCK)

# --- the rows ------------------------------------------------------------------------------------------------------

# Rows lo..hi of N, generated in the server so that the client's cost is not measured: decided_at in time order over
# the day (with a few ms of jitter, so a round is not sorted), scanned_at a little before (a late upload's hours
# before), 2,000 gates over 500 venues, 100,000 citizens (none for 5%), random scan and token ids, codes and masked
# names as the server writes them. Columns in the store's order, withdrawn last.
rows_select() {
  cat <<SQL
SELECT gen_random_uuid(), d, d - CASE WHEN late THEN make_interval(secs => 120 + random() * 10800) ELSE make_interval(secs => 0.05 + random() * 0.3) END,
       md5('gate-' || g)::uuid, md5('venue-' || g % 500)::uuid, (random() < 0.45)::int::smallint, k = 1,
       (ARRAY['allowed', 'citizen_unknown', 'token_replayed', 'status_not_allowed', 'credential_missing', 'booking_required', 'venue_closed', 'already_inside', 'venue_full', 'not_inside'])[k],
       (ARRAY[0, 0, 0, 0, 0, 0, 0, 0, 1, 2])[1 + floor(random() * 10)::int]::smallint,
       (ARRAY['张*', '李*', '王*三', '刘**明', '陈*', '欧**明', 'J*** S****', 'M**** L*'])[1 + floor(random() * 8)::int],
       CASE WHEN random() < 0.05 THEN NULL ELSE md5('citizen-' || c)::uuid END, 1 + (random() < 0.1)::int, gen_random_uuid(), late, false
FROM (SELECT timestamptz '$DAY 00:30:00+00' + make_interval(secs => i * (82800.0 / $N) + (random() - 0.5) * 0.008) AS d,
             floor(random() * 2000)::int AS g, floor(random() * 100000)::int AS c,
             CASE WHEN random() < 0.93 THEN 1 ELSE 2 + floor(random() * 9)::int END AS k, random() < 0.005 AS late
      FROM generate_series($1, $2) AS i) AS r
SQL
}
# The store's statement for a round without withdrawals (PostgresScanStore.InsertRowsAsync): ON CONFLICT DO NOTHING,
# no target, so every unique index is an arbiter (only the primary key here); checks.sql shows both plans.
insert_statement() { printf 'INSERT INTO scans (%s, withdrawn)\n%s\nON CONFLICT DO NOTHING' "$COLUMNS" "$(rows_select "$1" "$2")"; }
# Layout P's statement: the same rows without ON CONFLICT. A plain insert checks the key while it adds the row to the
# key's index, instead of first probing the index, inserting speculatively (a lock on a token per row) and then
# confirming the row (one more WAL record). A redelivery then fails the whole statement (unique_violation).
plain_insert_statement() { printf 'INSERT INTO scans (%s, withdrawn)\n%s' "$COLUMNS" "$(rows_select "$1" "$2")"; }

# The backend's own CPU in ticks, read by the backend itself (the session's superuser may read /proc/self/stat).
BACKEND_TICKS="SELECT split_part(s, ' ', 14)::bigint + split_part(s, ' ', 15)::bigint FROM pg_read_file('/proc/self/stat') AS s"
# One session: its backend's ticks, the statements, its ticks again; prints the difference.
session_file() { # $1 file, $2 insert|plain|select
  {
    echo "SELECT ($BACKEND_TICKS) AS t0 \\gset"
    echo "\\o /dev/null"
    for ((lo = 0; lo < N; lo += BATCH)); do
      hi=$((lo + BATCH - 1 < N - 1 ? lo + BATCH - 1 : N - 1))
      case $2 in
        insert) echo "$(insert_statement $lo $hi);" ;;
        plain) echo "$(plain_insert_statement $lo $hi);" ;;
        *) echo "SELECT count(generated) FROM ($(rows_select $lo $hi)) AS generated;" ;;
      esac
    done
    echo "\\o"
    echo "SELECT ($BACKEND_TICKS) - :t0;"
  } >"$1"
}
session_file "$RAW/insert.sql" insert
session_file "$RAW/insert-plain.sql" plain
session_file "$RAW/generate-only.sql" select

# --- the layouts ---------------------------------------------------------------------------------------------------

# The changes to today's schema (the migrations) that make each layout. E keeps only what a redelivery and the log
# need (B's key) and the small partial index of late uploads: what one appended index costs; F adds back by_gate,
# which the lookup of a late upload's first answer and the gate reads use. Z is no layout to run:
# the floor (the heap and its WAL with no index at all), to show what part of the cost no choice of indexes removes.
layout_ddl() {
  case $1 in
    A) echo "SELECT 'today''s schema'" ;;
    P) layout_ddl B ;;
    B) echo "ALTER TABLE scans DROP CONSTRAINT scans_pkey, ADD CONSTRAINT scans_pkey PRIMARY KEY (decided_at, scan_id, gate_id); DROP INDEX scans_by_time;" ;;
    C) echo "$(layout_ddl B) DROP INDEX scans_by_gate;" ;;
    D) echo "DROP INDEX scans_by_citizen, scans_by_venue;" ;;
    E) echo "$(layout_ddl C) DROP INDEX scans_by_venue, scans_by_citizen;" ;;
    F) echo "$(layout_ddl B) DROP INDEX scans_by_venue, scans_by_citizen;" ;;
    Z) echo "ALTER TABLE scans DROP CONSTRAINT scans_pkey; DROP INDEX scans_by_time, scans_by_venue, scans_by_citizen, scans_by_gate, scans_late_uploads_by_gate;" ;;
  esac
}
fresh_schema() {
  psql -d postgres -c "DROP DATABASE IF EXISTS archive" -c "CREATE DATABASE archive"
  # Layout A from the repo itself: the migrations that touch scans up to 0008, in order (the layout the load runner
  # measured at ~21 µs). A later migration that changes scans is another layout here, not part of A.
  for m in 0002_scans 0004_scan_key_per_gate 0007_late_uploads 0008_withdrawn_scans; do psql -f "$MIGRATIONS/$m.sql"; done
  psql -c "$(layout_ddl "$1")" >/dev/null
  # After the layout's changes, as the store creates each day's partition: it gets the parent's indexes as they are.
  psql -c "CREATE TABLE IF NOT EXISTS $PARTITION PARTITION OF scans FOR VALUES FROM ('$DAY 00:00:00+00') TO ('$NEXT_DAY 00:00:00+00');"
}

RESULTS=$OUT/tmp/results.tsv
echo -e "round\tlayout\tbackend_ticks\tall_ticks\twal_bytes\twal_fpi\twal_records\tsize_bytes\theap_bytes\tindex_bytes\trows\tseconds\tcheckpoints\tautovacuum\tload" >"$RESULTS"

# Inserts N rows into a fresh layout and records what it cost. The window of the all-process CPU ends with a
# CHECKPOINT, so the writing back of the pages the rows dirtied is counted for every layout alike.
measure() { # $1 round, $2 layout
  fresh_schema "$2"
  psql -c CHECKPOINT
  read -r wal0 fpi0 rec0 ckpt0 <<<"$(value "SELECT pg_current_wal_lsn(), wal_fpi, wal_records, (SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter) FROM pg_stat_wal")"
  local all0 start backend
  all0=$(all_postgres_ticks)
  start=$(date +%s.%N)
  backend=$(psql -At -f "$RAW/$(if [ "$2" = P ]; then echo insert-plain.sql; else echo insert.sql; fi)")
  local seconds
  seconds=$(echo "$(date +%s.%N) - $start" | bc)
  psql -c CHECKPOINT
  sleep 0.5 # the sessions' backends have exited: let the postmaster reap them into its children's CPU
  local all1
  all1=$(all_postgres_ticks)
  # Checkpoints during the window, less the closing one; autovacuum runs on the partition (noise, but real); and the
  # machine's load average, since it is shared.
  read -r wal fpi rec ckpt size heap index rows av <<<"$(value "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '$wal0'), wal_fpi - $fpi0, wal_records - $rec0,
      (SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter) - $ckpt0 - 1,
      pg_total_relation_size('$PARTITION'), pg_relation_size('$PARTITION'), pg_indexes_size('$PARTITION'), (SELECT count(*) FROM $PARTITION),
      (SELECT autovacuum_count + autoanalyze_count FROM pg_stat_user_tables WHERE relname = '$PARTITION') FROM pg_stat_wal")"
  echo -e "$1\t$2\t$backend\t$((all1 - all0))\t$wal\t$fpi\t$rec\t$size\t$heap\t$index\t$rows\t$seconds\t$ckpt\t$av\t$(cut -d' ' -f1 /proc/loadavg)" >>"$RESULTS"
  printf '  round %s, %s: backend %s µs/row, all %s µs/row, WAL %s B/row, %s B/row on disk, %.0f s\n' "$1" "$2" \
    "$(echo "scale=1; $backend * 1000000 / $TICKS_PER_SECOND / $rows" | bc)" "$(echo "scale=1; ($all1 - $all0) * 1000000 / $TICKS_PER_SECOND / $rows" | bc)" \
    "$((wal / rows))" "$((size / rows))" "$seconds"
}

# After round 1's insert: what the layout's key does to conflicts, and the read queries' plans (on the N rows).
inspect() { # $1 layout
  local f=$RAW/layout-$1
  psql -c "ANALYZE scans"
  value "SELECT c.relname, pg_relation_size(c.oid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = '$PARTITION'::regclass ORDER BY 1" >"$f-indexes.txt"
  if [ "$1" = Z ]; then return; fi
  psql -At -c "EXPLAIN (COSTS OFF) $(insert_statement 0 0)" >"$f-conflict.txt"
  psql -At -f "$HERE/checks.sql" >>"$f-conflict.txt" 2>&1
  # Twice: the first run warms the cache and sets hint bits, the second's plans and times are kept.
  psql -At -f "$HERE/plans.sql" >/dev/null
  psql -At -f "$HERE/plans.sql" >"$f-plans.txt"
}

# The cost of generating the rows alone: the same SELECT, each row built whole (count(generated) needs every column,
# as the insert does) and counted instead of inserted. It is in the backend's figures and not the archiver's, whose
# statement unnests 15 parameter arrays instead.
measure_generation() { # $1 round
  fresh_schema A
  local t
  t=$(psql -At -f "$RAW/generate-only.sql")
  echo -e "$1\tgenerate\t$t\t\t\t\t\t\t\t\t$N\t\t\t\t$(cut -d' ' -f1 /proc/loadavg)" >>"$RESULTS"
  printf '  round %s, generating the rows alone: %s µs/row\n' "$1" "$(echo "scale=1; $t * 1000000 / $TICKS_PER_SECOND / $N" | bc)"
}

echo "archive-indexes: PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT, $N rows per layout in statements of $BATCH, layouts $LAYOUTS, $ROUNDS rounds"
for round in $(seq 1 "$ROUNDS"); do
  measure_generation "$round"
  for layout in $LAYOUTS; do
    measure "$round" "$layout"
    if [ "$round" = 1 ]; then inspect "$layout"; fi
  done
done

N=$N BATCH=$BATCH LAYOUTS=$LAYOUTS TICKS_PER_SECOND=$TICKS_PER_SECOND "$HERE/report.sh" "$OUT" >"$OUT/report.md"
echo "archive-indexes: $OUT/report.md"

#!/usr/bin/env bash
# An experiment, not a measurement of the product (issue 17): what the roll-ups' deltas and their fold would cost as one
# packed row per statement (arrays) instead of a row per venue-minute, at the dashboard run's "half" profile (400-row
# statements at 3,825 scans/s over 1,020 venues, a fold every 95 statements, about 10 s of the scans' time).
#   agg     only summing each statement's rows (what both variants do)
#   rows    today's deltas (a row per minute, venue, outcome and direction) and a fold like PostgresScanMinuteFolder's
#   packed  one row of arrays per statement, and a fold that unnests them
# Backend CPU from /proc/self/stat, µs a scan. Its own throwaway cluster on a free loopback port (as root: runs as postgres).
#   loadtests/dashboard/packed-deltas.sh          (about 2 minutes; BATCH, RATE, VENUES override the profile)
set -euo pipefail
BIN=/usr/lib/postgresql/15/bin
PGDIR=$(mktemp -d /tmp/pk-XXXXXX); chown postgres:postgres "$PGDIR"
# A free loopback port, as run.sh chooses its own.
PORT=$(for p in $(seq 55901 56100); do if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; break; fi; done)
runuser -u postgres -- $BIN/initdb -D "$PGDIR" -A trust -U citypass -E UTF8 --locale=C.UTF-8 >/dev/null
runuser -u postgres -- $BIN/pg_ctl -D "$PGDIR" -l "$PGDIR/log" -w start -o "-p $PORT -k $PGDIR -c listen_addresses=127.0.0.1 -c shared_buffers=512MB" >/dev/null
trap 'runuser -u postgres -- $BIN/pg_ctl -D "$PGDIR" -m fast -w stop >/dev/null; rm -rf "$PGDIR"' EXIT
export PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=citypass PGDATABASE=postgres PGOPTIONS="-c client_min_messages=warning"
psql() { $BIN/psql -X -q -v ON_ERROR_STOP=1 "$@"; }
N=200000; BATCH=${BATCH:-400}; RATE=${RATE:-3825}; VENUES=${VENUES:-1020}
TICKS="SELECT split_part(s, ' ', 14)::bigint + split_part(s, ' ', 15)::bigint FROM pg_read_file('/proc/self/stat') AS s"
psql -c "CREATE TABLE rows_in (i int, decided_at timestamptz, venue_id uuid, code text, direction smallint, delta int)" \
 -c "INSERT INTO rows_in SELECT i, timestamptz '2029-01-01 00:30:00+00' + make_interval(secs => i / $RATE), md5('venue-' || floor(random() * $VENUES)::int)::uuid,
   (ARRAY['allowed','status_not_allowed','venue_full','already_inside','booking_required'])[CASE WHEN random() < 0.97 THEN 1 ELSE 2 + floor(random() * 4)::int END],
   (random() < 0.45)::int::smallint, 1 FROM generate_series(0, $N - 1) i" -c "CREATE INDEX ON rows_in (i)" \
 -c "CREATE TABLE d_rows (minute timestamptz NOT NULL, venue_id uuid NOT NULL, code text NOT NULL, direction smallint NOT NULL, scans integer NOT NULL)" \
 -c "CREATE TABLE d_packed (minutes timestamptz[] NOT NULL, venue_ids uuid[] NOT NULL, codes text[] NOT NULL, directions smallint[] NOT NULL, scans integer[] NOT NULL)" \
 -c "CREATE TABLE mins (minute timestamptz NOT NULL, venue_id uuid NOT NULL, code text NOT NULL, direction smallint NOT NULL, scans bigint NOT NULL, PRIMARY KEY (minute, venue_id, code, direction))" -c "VACUUM ANALYZE rows_in"
for r in 1 2 3; do
for v in agg rows packed; do
  psql -c "TRUNCATE d_rows, d_packed, mins" -c "VACUUM mins" -c CHECKPOINT
  {
    echo "SELECT ($TICKS) AS t0 \\gset"; echo "\\o /dev/null"
    for ((lo = 0; lo < N; lo += BATCH)); do
      src="WITH archived AS (SELECT decided_at, venue_id, code, direction, delta FROM rows_in WHERE i BETWEEN $lo AND $((lo + BATCH - 1))), g AS (SELECT date_trunc('minute', decided_at, 'UTC') m, venue_id, code, direction, sum(delta)::int s FROM archived GROUP BY 1, 2, 3, 4 HAVING sum(delta) <> 0)"
      st=$((lo / BATCH + 1))
      if [ $((st % 95)) = 0 ]; then
        case $v in
          rows) echo "WITH folded AS (DELETE FROM d_rows WHERE ctid = ANY(ARRAY(SELECT ctid FROM d_rows LIMIT 50000)) RETURNING minute, venue_id, code, direction, scans), summed AS (INSERT INTO mins SELECT minute, venue_id, code, direction, sum(scans) FROM folded GROUP BY 1,2,3,4 HAVING sum(scans) <> 0 ORDER BY 1,2,3,4 ON CONFLICT (minute, venue_id, code, direction) DO UPDATE SET scans = mins.scans + excluded.scans) SELECT count(*) FROM folded;";;
          packed) echo "WITH folded AS (DELETE FROM d_packed WHERE ctid = ANY(ARRAY(SELECT ctid FROM d_packed LIMIT 1000)) RETURNING *), u AS (SELECT u.* FROM folded, unnest(minutes, venue_ids, codes, directions, scans) AS u(minute, venue_id, code, direction, scans)), summed AS (INSERT INTO mins SELECT minute, venue_id, code, direction, sum(scans) FROM u GROUP BY 1,2,3,4 HAVING sum(scans) <> 0 ORDER BY 1,2,3,4 ON CONFLICT (minute, venue_id, code, direction) DO UPDATE SET scans = mins.scans + excluded.scans) SELECT count(*) FROM folded;";;
        esac
      fi
      case $v in
        agg) echo "$src SELECT count(*) FROM g;";;
        rows) echo "$src INSERT INTO d_rows SELECT * FROM g;";;
        packed) echo "$src INSERT INTO d_packed SELECT array_agg(m), array_agg(venue_id), array_agg(code), array_agg(direction), array_agg(s) FROM g HAVING count(*) > 0;";;
        packed2) echo "$src INSERT INTO d_packed SELECT array_agg(m), array_agg(venue_id), array_agg(code), array_agg(direction), array_agg(s) FROM g HAVING count(*) > 0;";;
      esac
    done
    echo "\\o"; echo "SELECT ($TICKS) - :t0;"
  } > /tmp/pk/s-$v.sql
  t=$(psql -At -f /tmp/pk/s-$v.sql)
  size=$(psql -At -c "SELECT coalesce(sum(scans), 0) FROM mins")
  echo "round $r $v: $(echo "scale=2; $t * 1000000 / $(getconf CLK_TCK) / $N" | bc) µs/row, $size scans folded"
done
done

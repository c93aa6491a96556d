#!/usr/bin/env bash
# Contact tracing at scale (issue 16): seeds the scan archive at two sizes by binary COPY, times the exposure query of
# random index citizens at each, then purges the oldest days through the store's own retention purge and checks the
# audit log. See README.md beside this file.
#
#   loadtests/contact-tracing/run.sh                                  5M and 20M scans: about 25 minutes on 2 cores
#   SIZES="small" SMALL_SCANS=300000 loadtests/contact-tracing/run.sh   a quick try (measures little)
#
# Starts its own PostgreSQL 15 cluster on a free loopback port and deletes it (and every seeded row) at the end, also
# on failure or Ctrl-C. Results in loadtests/results/<UTC timestamp>-contact-tracing/report.md.
set -euo pipefail

SIZES=${SIZES:-"small large"}
# Both sizes hold 14 days and the same density per venue (about 700 scans a venue a day): the larger city has four
# times the venues and citizens, so its cases meet as many people per visit and only the table grows.
SMALL_SCANS=${SMALL_SCANS:-5000000}  SMALL_CITIZENS=${SMALL_CITIZENS:-125000} SMALL_VENUES=${SMALL_VENUES:-500}
LARGE_SCANS=${LARGE_SCANS:-20000000} LARGE_CITIZENS=${LARGE_CITIZENS:-500000} LARGE_VENUES=${LARGE_VENUES:-2000}
DAYS=${DAYS:-14}
CASES=${CASES:-50}
PURGE_DAYS=${PURGE_DAYS:-2}

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
BIN=/usr/lib/postgresql/15/bin
OUT=$REPO/loadtests/results/$(date -u +%Y%m%d-%H%M%S)-contact-tracing
RAW=$OUT/tmp # logs: git ignores results/*/tmp
mkdir -p "$RAW"

# About 420 bytes a scan with the archive's key and four indexes (measured: see the report's sizes). Where the disk
# has not that much room to spare, the cluster lives in /dev/shm (memory): say so in the report.
LARGEST=$(for s in $SIZES; do v=${s^^}_SCANS; echo "${!v}"; done | sort -n | tail -1)
NEED_KB=$((LARGEST * 420 / 1024 * 13 / 10))
if [ -z "${DATA_PARENT:-}" ]; then
  if [ "$(df -Pk /tmp | awk 'NR==2 {print $4}')" -gt "$((NEED_KB + 4 * 1024 * 1024))" ]; then DATA_PARENT=/tmp; else DATA_PARENT=/dev/shm; fi
fi
echo "contact-tracing: cluster in $DATA_PARENT (needs about $((NEED_KB / 1024 / 1024 + 1)) GB at $LARGEST scans)"

as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
free_port() {
  local port
  for port in $(seq 55632 55832); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
  done
  echo "run.sh: no free port in 55632-55832" >&2; exit 1
}

PGDIR=$(mktemp -d "$DATA_PARENT/citypass-tracing-XXXXXX")
if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$PGDIR"; fi
PORT=$(free_port)
stop_cluster() {
  as_postgres "$BIN/pg_ctl" -D "$PGDIR" -m fast -w stop >/dev/null 2>&1 || true
  cp "$PGDIR/server.log" "$RAW/server.log" 2>/dev/null || true
  rm -rf "$PGDIR"
}
trap stop_cluster EXIT

echo "contact-tracing: building"
dotnet build -c Release "$HERE/CityPass.TracingLoad" -o "$RAW/bin" >"$RAW/build.log" 2>&1 || { tail -20 "$RAW/build.log"; exit 1; }
dotnet build -c Release "$REPO/src/CityPass.Cli" -o "$RAW/cli" >>"$RAW/build.log" 2>&1 || { tail -20 "$RAW/build.log"; exit 1; }
TOOL=$RAW/bin/citypass-tracing-load

as_postgres "$BIN/initdb" -D "$PGDIR" -A trust -U citypass -E UTF8 --locale=C.UTF-8 >/dev/null
# The load runner's shared_buffers; wal_level=minimal so that each day's COPY into the table its transaction created
# writes no WAL (a seeding shortcut: the queries and the purge do not depend on it).
as_postgres "$BIN/pg_ctl" -D "$PGDIR" -l "$PGDIR/server.log" -w start -o \
  "-p $PORT -k $PGDIR -c listen_addresses=127.0.0.1 -c shared_buffers=512MB -c maintenance_work_mem=512MB -c wal_level=minimal -c max_wal_senders=0 -c max_wal_size=4GB" >/dev/null
export PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=citypass PGTZ=UTC
psql() { command psql -X -q -v ON_ERROR_STOP=1 "$@"; }

SUMMARY=$RAW/summary.tsv
: >"$SUMMARY"
for size in $SIZES; do
  scans_var=${size^^}_SCANS citizens_var=${size^^}_CITIZENS venues_var=${size^^}_VENUES
  db=tracing_$size
  psql -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
  CS="Host=127.0.0.1;Port=$PORT;Username=citypass;Database=$db;Command Timeout=0;Timeout=60"
  ARGS=(--postgres "$CS" --scans "${!scans_var}" --citizens "${!citizens_var}" --venues "${!venues_var}" --days "$DAYS" --out "$OUT")
  echo "contact-tracing: $size: ${!scans_var} scans, ${!citizens_var} citizens, ${!venues_var} venues, $DAYS days"
  "$TOOL" migrate "${ARGS[@]}" 2>>"$RAW/migrate.log"
  "$TOOL" seed "${ARGS[@]}" --label "$size" | tee -a "$SUMMARY"
  psql -d "$db" -At -F$'\t' -c "SELECT 'size', '$size', pg_database_size('$db'), pg_total_relation_size('venues'),
      (SELECT sum(pg_relation_size(inhrelid)) FROM pg_inherits WHERE inhparent = 'scans'::regclass),
      (SELECT sum(pg_indexes_size(inhrelid)) FROM pg_inherits WHERE inhparent = 'scans'::regclass),
      (SELECT count(*) FROM pg_inherits WHERE inhparent = 'scans'::regclass)" | tee -a "$SUMMARY"
  "$TOOL" measure "${ARGS[@]}" --cases "$CASES" --label "$size" | tee -a "$SUMMARY"
  if [ "$size" = "$(echo "$SIZES" | awk '{print $NF}')" ]; then
    "$TOOL" purge "${ARGS[@]}" --purge-days "$PURGE_DAYS" | tee -a "$SUMMARY" || echo "purge check FAILED" | tee -a "$SUMMARY"
    if "$RAW/cli/citypass" audit verify --postgres "$CS" >"$RAW/audit-verify.txt" 2>&1; then verdict=ok; else verdict=FAILED; fi
    echo -e "audit\t$verdict\t$(tr '\n' ' ' <"$RAW/audit-verify.txt")" | tee -a "$SUMMARY"
  fi
  psql -d postgres -c "DROP DATABASE $db"
done

"$HERE/report.sh" "$OUT" "$DATA_PARENT" >"$OUT/report.md"
echo "contact-tracing: $OUT/report.md"

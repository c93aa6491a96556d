#!/usr/bin/env bash
# Writes report.md (to stdout) from what run.sh left in <results dir>/tmp (queries.tsv, archive.tsv, plans). run.sh
# calls it with the run's figures in the environment.
set -euo pipefail
OUT=$1
RAW=$OUT/tmp
: "${VENUES:?}" "${DAYS:?}" "${CITIZENS:?}" "${RUNS:?}" "${ARCHIVE_N:?}" "${TICKS_PER_SECOND:?}"

cat <<EOF
# City dashboard at the 20-million-scan data set

Run $(basename "$OUT") on $(nproc) cores (shared with other work; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)).
\`loadtests/dashboard/run.sh\` (README.md beside it): PostgreSQL 15, the repo's migrations up to $(ls "$(dirname "$0")/../../src/CityPass.Server/Stores/Postgres/Migrations" | tail -1).

## The data

- Roll-ups (\`scan_minutes\`) of **${ROLLUP_SCANS} scans**: $VENUES venues in 16 districts and 8 kinds, $DAYS days, open 08:00-21:30
  city time, per venue-minute geometric counts (entries, exits at half the venues, 3% refusals under four reasons):
  **${ROLLUP_ROWS} rows, $((ROLLUP_BYTES / 1024 / 1024)) MiB** with their indexes ($(echo "scale=1; $ROLLUP_ROWS * 100 / $ROLLUP_SCANS" | bc)% of the scans' row count: at
  under two scans a venue-minute most venue-minutes hold one or two rows; each row is ~$((ROLLUP_BYTES / ROLLUP_ROWS)) bytes against ~420 for a scan).
- The last day's raw scans for the gates' panel: ${SCAN_ROWS} rows ($((SCAN_BYTES / 1024 / 1024)) MiB); the query is bounded to one day, so older
  partitions are pruned and were not seeded.
- $CITIZENS citizens (94% green, 5% yellow, 1% red), 20,000 status changes on the day; $((2 * VENUES)) gates with credentials.
- Seeding took ${SEEDED_SECONDS} s.

## Query latency (one client, $RUNS runs after 10 not counted, pgbench)

"now" is the last day at 12:00 UTC (20:00 in the city). The statements are the stores' own (read from their source).

| query | what the dashboard uses it for | p50 ms | p95 ms | max ms | rows |
|---|---|---:|---:|---:|---:|
EOF
describe() {
  case $1 in
    minutes-60) echo "scans per minute, last 60 min (default)" ;;
    minutes-180) echo "scans per minute, last 180 min (the largest window)" ;;
    busiest-60) echo "busiest 10 venues, last 60 min" ;;
    busiest-180) echo "busiest 50 venues, last 180 min (the largest)" ;;
    colour-mix) echo "population by colour and today's changes" ;;
    gate-clocks) echo "every gate's newest live scan and late upload" ;;
    venues-and-gates) echo "venues (district, kind, capacity) and gates" ;;
    venue-chart-7d) echo "a venue's occupancy chart, 7 days (console)" ;;
    all-one-after-another) echo "**the dashboard's five reads one after another** (the service runs them at once)" ;;
  esac
}
tail -n +2 "$RAW/queries.tsv" | while IFS=$'\t' read -r q runs p50 p95 max rows; do
  echo "| $q | $(describe "$q") | $p50 | $p95 | $max | $rows |"
done
worst=$(tail -n +2 "$RAW/queries.tsv" | grep -v '^all' | sort -t$'\t' -k4 -g | tail -1 | cut -f1,4)
all95=$(grep '^all' "$RAW/queries.tsv" | cut -f4)
cat <<EOF

Target: each query at p95 <= 200 ms. Slowest single query: ${worst/$'\t'/ at } ms p95; the whole read done sequentially:
$all95 ms p95 (an upper bound: DashboardService issues them concurrently). Plans: \`tmp/plan-*.txt\`.

## What the roll-ups add to the archive's insert

The store's insert of $ARCHIVE_N scans per variant and profile, with its roll-up CTE and without (the statement
before 0019), alternating in the same run, each into a fresh day's partition, each statement its own transaction as
the archiver commits a round. Backend CPU from \`/proc/self/stat\` (it includes generating the rows in SQL, the same
for both). Profiles: **quiet**, the 20M data set's own density (statements of 1,000 rows spread over minutes: nearly
every scan is a roll-up row of its own, the worst case per scan); **load**, a full archiver round (16 streams x 500 =
8,000 rows) at 5,000 scans/s over the same $VENUES venues, as under the load runner.

| profile | rows a statement | scans/s | round | without (µs/row) | with (µs/row) | added |
|---|---:|---:|---:|---:|---:|---:|
EOF
awk -F'\t' -v t="$TICKS_PER_SECOND" 'NR > 1 { us = $6 * 1000000 / t / $7; k = $1 SUBSEP $4; if ($5 == "without") w[k] = us; else r[k] = us; b[$1] = $2; q[$1] = $3; if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 } }
  END { for (j = 1; j <= n; j++) { p = order[j]; sw = 0; sr = 0; c = 0
          for (i = 1; ((p SUBSEP i) in w); i++) { k = p SUBSEP i; printf "| %s | %d | %s | %d | %.2f | %.2f | %+.1f%% |\n", p, b[p], q[p], i, w[k], r[k], (r[k] - w[k]) * 100 / w[k]; sw += w[k]; sr += r[k]; c++ }
          printf "| **%s** | | | all | %.2f | %.2f | **%+.1f%%** |\n", p, sw / c, sr / c, (sr - sw) * 100 / sw } }' "$RAW/archive.tsv"
cat <<EOF

The added share is of the database's CPU for the insert only. The archiver's CPU is that plus its own process (reading
the streams, parsing, building the parameter arrays, acknowledging), which the roll-ups do not change (the same
parameters go up; one number comes back): its share of the whole archiver is smaller than the figure above.
EOF

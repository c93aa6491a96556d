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
- ${DELTAS:-0} deltas not folded yet (\`scan_minute_deltas\`, the last two minutes before "now"): what the fold leaves between two
  rounds at half the load runner's maximum, which every read of the roll-ups sums whole.
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

The store's insert of $ARCHIVE_N scans per variant and profile, each statement its own transaction as the archiver
commits a round, the variants alternating in the same run, each into a fresh day's partition. Backend CPU from
\`/proc/self/stat\`. Variants: **generate** (only generating the rows in SQL, which every variant does: subtracted to
give the insert's own cost), **without** (no roll-ups, the statement before 0019), **upsert** (0019: every statement
upserts \`scan_minutes\`), **with** (today: a statement whose scans came at more than ${SCANS_PER_SECOND_FOR_DELTAS:-500} a
second of their own time appends its deltas to \`scan_minute_deltas\`, a sparser one upserts as 0019 did; and the fold, \`PostgresScanMinuteFolder\`'s statement, runs
every ${FOLD_SECONDS:-10} s of the scans' time and once at the end; its CPU is counted).
Each of the upsert and with variants' roll-ups was checked to count every inserted scan once. Profiles: **quiet**, the
20M data set's own density (statements of 1,000 rows spread over minutes: nearly every scan is a roll-up row of its
own: the worst case per scan); **half**, an archiver keeping up at half the load runner's maximum (400-row statements
at 3,825 scans/s, a statement about every 100 ms); **load**, a full archiver round (16 streams x 500 = 8,000 rows) at
5,000 scans/s; all three over the same $VENUES venues.

"added" is the variant's CPU beyond \`without\`, as a share of the insert's own (\`without\` − \`generate\`).

| profile | round | generate | without | upsert (0019) | with (today) | upsert added | **with added** |
|---|---:|---:|---:|---:|---:|---:|---:|
EOF
awk -F'\t' -v t="$TICKS_PER_SECOND" 'NR > 1 { us = $6 * 1000000 / t / $7; v[$1, $4, $5] = us; if ($4 > rounds[$1]) rounds[$1] = $4; if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 } }
  END { for (j = 1; j <= n; j++) { p = order[j]; split("", sum)
          for (i = 1; i <= rounds[p]; i++) {
            g = v[p, i, "generate"]; w = v[p, i, "without"]; u = v[p, i, "upsert"]; r = v[p, i, "with"]; base = w - g
            printf "| %s | %d | %.2f | %.2f | %.2f | %.2f | %+.1f%% | %+.1f%% |\n", p, i, g, w, u, r, (u - w) * 100 / base, (r - w) * 100 / base
            sum["g"] += g; sum["w"] += w; sum["u"] += u; sum["r"] += r }
          c = rounds[p]; base = (sum["w"] - sum["g"]) / c
          printf "| **%s** | mean | %.2f | %.2f | %.2f | %.2f | %+.1f%% | **%+.1f%%** |\n", p, sum["g"] / c, sum["w"] / c, sum["u"] / c, sum["r"] / c, (sum["u"] - sum["w"]) / c * 100 / base, (sum["r"] - sum["w"]) / c * 100 / base } }' "$RAW/archive.tsv"
cat <<EOF

Figures are µs of backend CPU a scan. The share is of the database's CPU for the insert only. The archiver's CPU is
that plus its own process (reading the streams, parsing, building the parameter arrays, acknowledging), which the
roll-ups do not change (the same parameters go up; one number comes back): their share of the whole archiver is
smaller than the figure above.
EOF
if [ -f "$RAW/rollup-writes.tsv" ]; then
cat <<EOF

## The roll-ups' writes alone

The figures above carry the whole insert's variance (a row's CPU varies by several µs from round to round on a
shared machine), which is larger than what the roll-ups cost. Here the same generated rows (decided_at, venue, code,
direction), already in a table, go through each variant in the same statements, alternating: **aggregate** only reads
and sums them (what every variant does with the insert's \`RETURNING\`), **upsert** (0019) upserts \`scan_minutes\` each
statement, **with** (today) appends the deltas and folds every ${FOLD_SECONDS:-10} s of the rows' time where a statement's
rows are denser than ${SCANS_PER_SECOND_FOR_DELTAS:-500} a second, and upserts where they are sparser; the fold locks the deltas,
upserts their sums and truncates them. **deleting** is the same with the fold before it truncated (the baseline: it
deleted each delta it moved, and the table is vacuumed once at the end, its autovacuum off, so that cost is in the
session). The writes are a variant's CPU beyond aggregate; "of the insert" sets them against the mean \`without\` −
\`generate\` of the same profile above.

| profile | round | aggregate | upsert (0019) | with (today) | deleting (before) | upsert's writes | with's writes | deleting's writes | with / deleting |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|
EOF
awk -F'\t' -v t="$TICKS_PER_SECOND" 'FNR == 1 { file++; next }
  file == 1 { us = $6 * 1000000 / t / $7; if ($5 == "without") { w[$1] += us; nw[$1]++ } else if ($5 == "generate") { g[$1] += us; ng[$1]++ } next }
  { us = $6 * 1000000 / t / $7; v[$1, $4, $5] = us; if ($4 > rounds[$1]) rounds[$1] = $4; if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 } }
  function ratio(x, y) { return y > 0 ? sprintf("%.2fx", x / y) : "-" }
  END { for (j = 1; j <= n; j++) { p = order[j]; sa = 0; su = 0; sr = 0; sd = 0
          for (i = 1; i <= rounds[p]; i++) { a = v[p, i, "aggregate"]; u = v[p, i, "upsert"]; r = v[p, i, "with"]; d = v[p, i, "deleting"]
            printf "| %s | %d | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %s |\n", p, i, a, u, r, d, u - a, r - a, d - a, ratio(r - a, d - a)
            sa += a; su += u; sr += r; sd += d }
          c = rounds[p]; base = (p in nw) ? w[p] / nw[p] - g[p] / ng[p] : 0
          if (base > 0) printf "| **%s** | mean | %.2f | %.2f | %.2f | %.2f | **%.2f** (%.1f%% of the insert) | **%.2f** (%.1f%% of the insert) | **%.2f** (%.1f%% of the insert) | **%s** |\n", p, sa / c, su / c, sr / c, sd / c, (su - sa) / c, (su - sa) / c * 100 / base, (sr - sa) / c, (sr - sa) / c * 100 / base, (sd - sa) / c, (sd - sa) / c * 100 / base, ratio(sr - sa, sd - sa)
          else printf "| **%s** | mean | %.2f | %.2f | %.2f | %.2f | **%.2f** | **%.2f** | **%.2f** | **%s** |\n", p, sa / c, su / c, sr / c, sd / c, (su - sa) / c, (sr - sa) / c, (sd - sa) / c, ratio(sr - sa, sd - sa) } }' "$RAW/archive.tsv" "$RAW/rollup-writes.tsv"
fi

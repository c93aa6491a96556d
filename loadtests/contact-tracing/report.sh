#!/usr/bin/env bash
# Writes report.md of a contact-tracing run from its tmp/summary.tsv and cases-*.tsv: report.sh <results dir> [data dir parent]
set -euo pipefail
OUT=$1
WHERE=${2:-?}
S=$OUT/tmp/summary.tsv
field() { awk -F'\t' -v k="$1" -v l="$2" -v f="$3" '$1 == k && $2 == l { print $f }' "$S"; }
gb() { awk -v b="$1" 'BEGIN { printf "%.2f", b / 1024 / 1024 / 1024 }'; }

echo "# Contact tracing at scale — $(basename "$OUT")"
echo
echo "\`loadtests/contact-tracing/run.sh\` on $(nproc) cores shared with other work (load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)),"
echo "PostgreSQL $(/usr/lib/postgresql/15/bin/postgres --version | awk '{print $3}'), cluster in \`$WHERE\` ($( [ "$WHERE" = /dev/shm ] && echo "memory: the disk had too little room" || echo "disk")), shared_buffers 512MB."
echo "Each trace is the server's own \`TracingService.TraceAsync\` on the real PostgreSQL stores (venue lookup, both range"
echo "reads, the overlap rule, the audit entry), over the whole 14-day window, for random index citizens; 5 warm-up traces first."
echo
echo "## Data sets"
echo
echo "| size | scans | seeding (s) | database | heap | indexes | day partitions |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for size in $(awk -F'\t' '$1 == "size" { print $2 }' "$S"); do
  echo "| $size | $(field seeded "$size" 3) | $(field seeded "$size" 4) | $(gb "$(field size "$size" 3)") GB | $(gb "$(field size "$size" 5)") GB | $(gb "$(field size "$size" 6)") GB | $(field size "$size" 7) |"
done
echo
echo "## The exposure query, one case"
echo
echo "| size | cases | p50 ms | p95 ms | max ms | visits (mean / max) | venue scans read (mean) | exposed citizens (mean) | ms per visit (least squares) | ms at 0 visits |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
awk -F'\t' '$1 == "summary" { printf "| %s | %s | %s | %s | %s | %s / %s | %s | %s | %s | %s |\n", $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12 }' "$S"
echo
echo "### Cost against the case's visits"
echo
echo "| size | visits | cases | mean ms | max ms | mean venue scans read |"
echo "|---|---|---:|---:|---:|---:|"
for f in "$OUT"/cases-*.tsv; do
  awk -F'\t' 'NR > 1 {
      b = $4 == 0 ? "0" : $4 <= 10 ? "1-10" : $4 <= 25 ? "11-25" : $4 <= 50 ? "26-50" : "51+";
      o = $4 == 0 ? 1 : $4 <= 10 ? 2 : $4 <= 25 ? 3 : $4 <= 50 ? 4 : 5;
      n[b]++; ms[b] += $7; rd[b] += $5; if ($7 > mx[b]) mx[b] = $7; ord[b] = o; size = $1 }
    END { for (b in n) printf "%d\t| %s | %s | %d | %.1f | %.1f | %.0f |\n", ord[b], size, b, n[b], ms[b] / n[b], mx[b], rd[b] / n[b] }' "$f" | sort -n | cut -f2-
done
echo
echo "Plans (EXPLAIN ANALYZE of the median case's two statements): \`explain-<size>.txt\`; every case: \`cases-<size>.tsv\`."
echo
if grep -q '^purge' "$S"; then
  read -r _ days removed seconds gone kept keptrows verdict abefore aafter < <(grep '^purge' "$S" | tr '\t' ' ')
  echo "## Retention purge (PostgresScanStore.PurgeBeforeAsync) on the $(echo "$(awk -F'\t' '$1 == "size" { s = $2 } END { print s }' "$S")") data set"
  echo
  echo "| oldest days purged | rows removed | time (s) | partitions dropped | partitions kept | rows kept | kept partitions' counts before → after | audit entries before → after | \`citypass audit verify\` |"
  echo "|---:|---:|---:|---:|---:|---:|---|---|---|"
  echo "| $days | $removed | $seconds | $gone | $kept | $keptrows | $verdict | $abefore → $aafter | $(awk -F'\t' '$1 == "audit" { print $2 }' "$S") |"
  echo
  echo "Per partition: \`purge-partitions.tsv\`. Verify said: $(awk -F'\t' '$1 == "audit" { print $3 }' "$S")"
fi

#!/usr/bin/env bash
# Writes report.md (to stdout) from what run.sh left in <results dir>/tmp: results.tsv, and per layout its index
# sizes, its conflict checks and its query plans. run.sh calls it; it can be rerun on a results directory:
#   N=1000000 BATCH=1000 LAYOUTS="A B C D E F Z" TICKS_PER_SECOND=100 loadtests/archive-indexes/report.sh <results dir>
set -euo pipefail
OUT=$1
RAW=$OUT/tmp
TSV=$RAW/results.tsv
: "${N:?}" "${BATCH:?}" "${LAYOUTS:?}" "${TICKS_PER_SECOND:?}"

describe() {
  case $1 in
    A) echo "today: key (scan_id, gate_id, decided_at); by_time, by_venue, by_citizen, by_gate, late uploads" ;;
    B) echo "key (decided_at, scan_id, gate_id), no by_time; by_venue, by_citizen, by_gate, late uploads" ;;
    C) echo "B without by_gate: key, by_venue, by_citizen, late uploads" ;;
    D) echo "A without by_citizen and by_venue: key, by_time, by_gate, late uploads" ;;
    E) echo "B's key and late uploads only" ;;
    F) echo "B without by_venue and by_citizen: key, by_gate, late uploads" ;;
    P) echo "B's indexes, inserted without ON CONFLICT (no speculative insertion; a redelivery fails the statement)" ;;
    Z) echo "floor, not a candidate: the heap alone, no key, no index" ;;
  esac
}

# Per layout, a column's values over the rounds, per row: "r1 / r2 / median" (the median of two is their mean).
# $1 layout, $2 column number in results.tsv, $3 scale (µs per tick, or 1), $4 decimals.
rounds() {
  awk -F'\t' -v l="$1" -v c="$2" -v s="$3" -v d="$4" '
    NR > 1 && $2 == l { v[++n] = $c * s / $11 }
    END {
      if (n == 0) { print "-"; exit }
      for (i = 1; i <= n; i++) { out = out sprintf("%." d "f", v[i]) " / " }
      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
      m = n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
      printf "%s**%." d "f**\n", out, m
    }' "$TSV"
}
median() { # $1 layout, $2 column, $3 scale: the median per row, a plain number
  awk -F'\t' -v l="$1" -v c="$2" -v s="$3" '
    NR > 1 && $2 == l { v[++n] = $c * s / $11 }
    END {
      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
      print n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
    }' "$TSV"
}
sum() { awk -F'\t' -v l="$1" -v c="$2" 'NR > 1 && $2 == l { t += $c; s = s (s == "" ? "" : "/") $c } END { print s }' "$TSV"; }
US=$(echo "scale=6; 1000000 / $TICKS_PER_SECOND" | bc)
GEN=$(median generate 3 "$US")

cat <<EOF
# Archive indexes: PostgreSQL's cost per archived scan (issue 14, target 3)

\`loadtests/archive-indexes/run.sh\` (see its README), run $(basename "$OUT" | cut -d- -f1-2) UTC: $N rows per layout, inserted in
statements of $BATCH rows (each its own transaction) with the store's \`INSERT ... ON CONFLICT DO NOTHING\`, rows
generated in the server; $(awk -F'\t' 'NR > 1 && $2 == "generate"' "$TSV" | wc -l) rounds, layouts in turns ($LAYOUTS, then again). PostgreSQL
$(/usr/lib/postgresql/15/bin/postgres --version | awk '{print $3}'), the load runner's settings (default durability, shared_buffers 512MB, checkpoint_timeout 5min,
max_wal_size 1GB), a CHECKPOINT before each layout. $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'))
shared with other work.

- **backend**: CPU (user + system) of the inserting session's backend, read from /proc by the backend itself at
  its start and end. It includes generating the rows: **$(printf '%.1f' "$GEN") µs/row** measured alone (the same
  SELECT, counted instead of inserted; the archiver's statement unnests parameter arrays instead), subtracted in the
  next column.
- **all PostgreSQL**: CPU of every PostgreSQL process (backends, checkpointer, walwriter, background writer,
  autovacuum, the postmaster and its exited children) from the first insert until a CHECKPOINT after the last one
  has written back every page the rows dirtied; generation included, and subtracted in the next column: the
  closest figure to the target's (PostgreSQL CPU per archived scan).
- **WAL**: pg_wal_lsn_diff over the same window; **FPI**: full-page images (pg_stat_wal.wal_fpi) per 1,000 rows.
- **size**: the day's partition, heap + indexes (pg_total_relation_size), per row.

| layout | indexes | backend µs/row (rounds / **median**) | backend less generation | all PostgreSQL µs/row (rounds / **median**) | all PostgreSQL less generation | WAL B/row | FPI per 1,000 rows | size B/row (heap + indexes) | checkpoints during the insert | autovacuum runs | machine load (1 min) |
|---|---|---|---|---|---|---|---|---|---|---|---|
EOF
for l in $LAYOUTS; do
  net=$(echo "$(median "$l" 3 "$US") - $GEN" | bc -l)
  all_net=$(echo "$(median "$l" 4 "$US") - $GEN" | bc -l)
  printf '| %s | %s | %s | %.1f | %s | **%.1f** | %s | %s | %s (%s + %s) | %s | %s | %s |\n' "$l" "$(describe "$l")" \
    "$(rounds "$l" 3 "$US" 1)" "$net" "$(rounds "$l" 4 "$US" 1)" "$all_net" "$(printf '%.0f' "$(median "$l" 5 1)")" \
    "$(printf '%.0f' "$(median "$l" 6 1000)")" "$(printf '%.0f' "$(median "$l" 8 1)")" "$(printf '%.0f' "$(median "$l" 9 1)")" \
    "$(printf '%.0f' "$(median "$l" 10 1)")" "$(sum "$l" 13)" "$(sum "$l" 14)" "$(sum "$l" 15)"
done

cat <<EOF

Rounds' wall time per layout (s): $(awk -F'\t' 'NR > 1 && $2 != "generate" { printf "%s%s %.0f", (n++ ? ", " : ""), $2, $12 }' "$TSV").

## Index sizes (round 1), bytes per row

| layout | index | bytes/row |
|---|---|---|
EOF
for l in $LAYOUTS; do
  [ -f "$RAW/layout-$l-indexes.txt" ] || continue
  rows=$(awk -F'\t' -v l="$l" '$1 == 1 && $2 == l { print $11 }' "$TSV")
  while read -r name bytes; do
    [ -n "$name" ] && printf '| %s | %s | %.0f |\n' "$l" "${name#scans_p*_}" "$(echo "$bytes / $rows" | bc -l)"
  done <"$RAW/layout-$l-indexes.txt"
done

cat <<'EOF'

## Conflicts: the store's statements on each layout (checks.sql)

The measured statement and the store's round insert both say `ON CONFLICT DO NOTHING` with no target (every unique
index arbitrates: only the key). The store's statement for a round with a withdrawal names the target
`(scan_id, gate_id, decided_at)`, which PostgreSQL matches to a unique index by its set of columns, so it finds
layout B's key as well. Then, on the filled table: a redelivered row, the same scan id from another gate, its
withdrawal twice (command tags; expected 0, 1, 1, 0).

| layout | measured statement | store: round | store: round with withdrawal (arbiter) | redelivery / other gate / withdrawal / again |
|---|---|---|---|---|
EOF
for l in $LAYOUTS; do
  f=$RAW/layout-$l-conflict.txt
  [ -f "$f" ] || continue
  awk -v l="$l" '
    BEGIN { section = 0 }
    /^### / { section++ }
    /Conflict Resolution/ { res[section] = $3 }
    /Conflict Arbiter Indexes/ { arb[section] = $4 }
    /^INSERT / { tags = tags (tags == "" ? "" : " / ") $3 }
    END { printf "| %s | %s | %s | %s (%s) | %s |\n", l, res[0], res[1], res[2], arb[2], tags }' "$f"
done

cat <<'EOF'

## Query plans (plans.sql, on the filled table, after ANALYZE; second run of each)

Each cell: the plan's nodes top down (index names without the partition's prefix), execution time, shared buffers
of the whole plan; "filtered" is the rows a scan read from the heap and dropped (a condition checked in the index,
as scan_id in a lookup by gate_id, is an Index Cond and not counted: its cost shows in the buffers).

EOF
printf '| query |'; for l in $LAYOUTS; do [ -f "$RAW/layout-$l-plans.txt" ] && printf ' %s |' "$l"; done; echo
printf '|---|'; for l in $LAYOUTS; do [ -f "$RAW/layout-$l-plans.txt" ] && printf -- '---|'; done; echo
# One line per query and layout: "query<TAB>cell", then joined per query.
for l in $LAYOUTS; do
  f=$RAW/layout-$l-plans.txt
  [ -f "$f" ] || continue
  awk -v l="$l" '
    function flush() { if (q != "") printf "%s\t%s\t%s; %s ms; %s buffers%s\n", q, l, nodes, ms, buffers, (removed ? "; " removed " filtered" : "") }
    /^### / { flush(); q = substr($0, 5); nodes = ""; ms = ""; buffers = ""; removed = 0; next }
    / \(actual / {
      loops = $0; sub(/.*loops=/, "", loops); sub(/\).*/, "", loops)
      n = $0; sub(/^ *(-> +)?/, "", n); sub(/ \(actual.*/, "", n)
      sub(/ on scans_p[0-9]+ scans(_[0-9]+)?$/, "", n); gsub(/scans_p[0-9]+_/, "", n)
      nodes = nodes (nodes == "" ? "" : " > ") n
    }
    /Buffers: shared/ && buffers == "" { b = $0; sub(/.*Buffers: shared /, "", b); buffers = b }
    /Rows Removed by (Filter|Index Recheck):/ { removed += $NF * loops }
    /^Execution Time:/ { ms = $3 }
    END { flush() }' "$f"
done | awk -F'\t' '
  !($1 in seen) { seen[$1] = ++n; name[n] = $1 }
  { cell[$1] = cell[$1] " " $3 " |" }
  END { for (i = 1; i <= n; i++) print "| " name[i] " |" cell[name[i]] }'

for l in $LAYOUTS; do
  f=$RAW/layout-$l-plans.txt
  [ -f "$f" ] || continue
  printf '\n<details><summary>Layout %s: the plans in full</summary>\n\n```\n' "$l"
  cat "$f"
  printf '```\n\n</details>\n'
done

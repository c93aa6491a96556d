#!/usr/bin/env bash
# What a consumer group costs Redis per stream entry read: XREADGROUP (which adds each entry to the group's pending list
# and writes an XCLAIM for it to the append-only file) against XRANGE of the stream's head, on one redis-server with the
# production persistence (append-only file, fsync every second; automatic rewrites off so the file's growth is the
# reads' own). Each turn fills a stream with ROWS entries of a scan record's size, then reads all of them in reads of
# 30 (about an archiver's round per stream at half the load runner's maximum). Usage: loadtests/stream-reads/run.sh [ROUNDS] [ROWS]
set -euo pipefail
rounds=${1:-3}
rows=${2:-300000}
command -v redis-server > /dev/null || { echo "redis-server is missing: scripts/install-deps.sh installs it" >&2; exit 2; }
dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --appendonly yes --appendfsync everysec --save '' \
  --auto-aof-rewrite-percentage 0 --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
trap 'redis-cli -p "$port" shutdown nosave > /dev/null 2>&1 || true; rm -rf "$dir"' EXIT
until redis-cli -p "$port" ping > /dev/null 2>&1; do sleep 0.1; done
pid=$(cat "$dir/redis.pid")
ticks=$(getconf CLK_TCK)
record=$(head -c 250 /dev/zero | tr '\0' 'x')
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
aof() { redis-cli -p "$port" info persistence | awk -F: '/^aof_current_size/ {print $2 + 0}'; }
reads=$((rows / 30))
echo "| turn | read by | redis-server CPU µs an entry | append-only file bytes an entry |"
echo "|---|---|---:|---:|"
for round in $(seq "$rounds"); do
  for mode in XREADGROUP XRANGE; do
    redis-cli -p "$port" del s > /dev/null
    redis-benchmark -p "$port" -n "$rows" -P 16 -c 10 xadd s '*' record "$record" > /dev/null
    redis-cli -p "$port" xgroup create s archiver 0 > /dev/null
    c0=$(cpu); a0=$(aof)
    if [ "$mode" = XREADGROUP ]; then
      redis-benchmark -p "$port" -n "$reads" -c 1 xreadgroup group archiver a count 30 streams s '>' > /dev/null
    else
      # The head of the stream, as an archiver that trims behind its inserts reads it.
      redis-benchmark -p "$port" -n "$reads" -c 1 xrange s - + count 30 > /dev/null
    fi
    c1=$(cpu); a1=$(aof)
    awk -v r="$round" -v m="$mode" -v c=$((c1 - c0)) -v t="$ticks" -v n=$((reads * 30)) -v a=$((a1 - a0)) \
      'BEGIN { printf "| %d | %s | %.2f | %.0f |\n", r, m, c / t * 1e6 / n, a / n }'
  done
done

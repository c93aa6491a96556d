#!/usr/bin/env bash
# How long a redis-server takes to answer again after a crash, when it restarts from its append-only file
# (issue 14, target 6: the durability trade-off of `auto-aof-rewrite-percentage 400`). See README.md beside this file.
#
#   loadtests/aof-restart/run.sh                        1,000,000 citizens, the file grown to 5x its base
#   CITIZENS=200000 GROWTH=2 loadtests/aof-restart/run.sh   a quick try
#
# Starts its own redis-server (the deployment's persistence: AOF everysec, RDB preamble, no snapshots) with automatic
# rewrites off so the file grows as far as the experiment says, fills it through the server's own RedisHotState
# (loadtests/CityPass.RedisBenchmarks --memory: citizens' hot copies, then scans), and:
#   1. rewrites the file (BGREWRITEAOF): the base is the data set in RDB form, nothing in the increment;
#      kill -9, restart, time until PING answers PONG (not LOADING);
#   2. writes citizens and scans again until the increment is GROWTH-1 times the base, which is where a rewrite at
#      `auto-aof-rewrite-percentage` = (GROWTH-1)*100 starts; kill -9, restart, time again.
# Results in loadtests/results/<UTC timestamp>-aof-restart/.
set -euo pipefail

CITIZENS=${CITIZENS:-1000000}
SCANS=${SCANS:-400000}
GROWTH=${GROWTH:-5}

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OUT=$REPO/loadtests/results/$(date -u +%Y%m%d-%H%M%S)-aof-restart
RAW=$OUT/tmp # redis.log and the data directory: git ignores results/*/tmp
DATA=$RAW/data
mkdir -p "$DATA"

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cli() { redis-cli -p "$PORT" "$@"; }

start_redis() {
  redis-server --port "$PORT" --bind 127.0.0.1 --dir "$DATA" --logfile "$RAW/redis.log" --daemonize yes \
    --pidfile "$RAW/redis.pid" --save "" --appendonly yes --appendfsync everysec --aof-use-rdb-preamble yes \
    --auto-aof-rewrite-percentage 0 --no-appendfsync-on-rewrite yes
}

# Milliseconds from the restart until PING answers PONG; redis-server answers LOADING while it replays.
restart_after_kill() {
  local pid started now
  pid=$(cat "$RAW/redis.pid")
  kill -9 "$pid"
  while kill -0 "$pid" 2>/dev/null; do sleep 0.01; done
  rm -f "$RAW/redis.pid"
  started=$(date +%s%N)
  start_redis
  until [ "$(cli ping 2>/dev/null)" = PONG ]; do sleep 0.01; done
  now=$(date +%s%N)
  echo $(( (now - started) / 1000000 ))
}

aof_bytes() { # base and increment file sizes, from the manifest's directory
  local kind=$1
  find "$DATA/appendonlydir" -name "*.$kind.*" -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }'
}

info_field() { cli info "$1" | tr -d '\r' | awk -F: -v k="$2" '$1 == k { print $2 }'; }

wait_rewrite() {
  until [ "$(info_field persistence aof_rewrite_in_progress)" = 0 ] && \
        [ "$(info_field persistence aof_rewrite_scheduled)" = 0 ]; do sleep 0.2; done
}

fill() { # one pass of the server's own writes: every citizen's hot copy put again, then SCANS scans
  dotnet run -c Release --no-build --project "$REPO/loadtests/CityPass.RedisBenchmarks" -- \
    --port "$PORT" --memory --citizens "$1" --scans "$2" > "$RAW/fill-$3.log"
}

trap '[ -f "$RAW/redis.pid" ] && kill -9 "$(cat "$RAW/redis.pid")" 2>/dev/null || true' EXIT

dotnet build -c Release -v q --nologo "$REPO/loadtests/CityPass.RedisBenchmarks" > "$RAW/build.log"
start_redis
until [ "$(cli ping 2>/dev/null)" = PONG ]; do sleep 0.05; done
echo "redis-server $(info_field server redis_version) on 127.0.0.1:$PORT, data in $DATA"

echo "filling: $CITIZENS citizens, $SCANS scans"
fill "$CITIZENS" "$SCANS" 0
cli bgrewriteaof > /dev/null
sleep 0.5
wait_rewrite
BASE=$(aof_bytes base)
KEYS=$(cli dbsize)
USED=$(info_field memory used_memory)
echo "rewritten: base $BASE bytes, $KEYS keys, used_memory $USED"

MS1=$(restart_after_kill)
LOAD1=$(grep -o 'DB loaded from append only file: [0-9.]* seconds' "$RAW/redis.log" | tail -1 | grep -o '[0-9.]*' | tail -1)
echo "restart from the base alone: PONG after $MS1 ms (redis.log: loaded in $LOAD1 s)"

TARGET=$(( BASE * (GROWTH - 1) ))
ROUND=1
while [ "$(aof_bytes incr)" -lt "$TARGET" ]; do
  fill "$CITIZENS" "$SCANS" "$ROUND"
  echo "  round $ROUND: increment $(aof_bytes incr) of $TARGET bytes"
  ROUND=$((ROUND + 1))
done
INCR=$(aof_bytes incr)
BASE2=$(aof_bytes base)
KEYS2=$(cli dbsize)
USED2=$(info_field memory used_memory)
sleep 1.5 # the last second's fsync, as everysec gives it
MS2=$(restart_after_kill)
LOAD2=$(grep -o 'DB loaded from append only file: [0-9.]* seconds' "$RAW/redis.log" | tail -1 | grep -o '[0-9.]*' | tail -1)
echo "restart from base + increment: PONG after $MS2 ms (redis.log: loaded in $LOAD2 s)"

python3 - "$OUT/report.md" <<EOF
import sys
base, incr, base2 = $BASE, $INCR, $BASE2
ms1, ms2 = $MS1, $MS2
incr_rate = incr / max(ms2 - ms1, 1) * 1000          # increment bytes replayed a second, beyond the base's load
base_rate = base / max(ms1, 1) * 1000
gib = 1024 ** 3
# 20 million citizens at 10,000 scans/s (docs/sizing.md): 5.0 GiB of used_memory; the base scales with used_memory.
scale = 5.0 * gib / $USED
big_base = base * scale
big_incr = big_base * ($GROWTH - 1)
big_s = big_base / base_rate + big_incr / incr_rate
with open(sys.argv[1], "w") as f:
    f.write(f"""## Redis restart from its append-only file

redis-server $(info_field server redis_version), AOF everysec with the RDB preamble, automatic rewrites off, filled through
\`RedisHotState\` (loadtests/CityPass.RedisBenchmarks --memory: {$CITIZENS:,} citizens, {$SCANS:,} scans a round);
\`loadtests/aof-restart/run.sh\`, $(date -u '+%Y-%m-%d %H:%M') UTC. "PONG after" is from starting redis-server after
\`kill -9\` until PING answers PONG instead of LOADING.

| file | base bytes | increment bytes | keys | used_memory | PONG after | redis.log: loaded in |
|---|---:|---:|---:|---:|---:|---:|
| just rewritten | {base:,} | 0 | {$KEYS:,} | {$USED:,} | {ms1:,} ms | $LOAD1 s |
| grown {$GROWTH}x (a rewrite at {($GROWTH - 1) * 100}% is due) | {base2:,} | {incr:,} | {$KEYS2:,} | {$USED2:,} | {ms2:,} ms | $LOAD2 s |

The base loads at {base_rate / 1e6:,.0f} MB/s; the increment (commands replayed one by one) at {incr_rate / 1e6:,.1f} MB/s.
Scaled to docs/sizing.md's node (20 million citizens and 12 minutes of scans at 10,000/s: 5.0 GiB of used_memory,
{scale:,.0f} times this run's): a base of about {big_base / gib:,.1f} GiB and an increment of up to
{big_incr / gib:,.1f} GiB, so a restart just before a rewrite answers after about **{big_s:,.0f} s**, against
{big_base / base_rate:,.0f} s right after one.
""")
EOF
cat "$OUT/report.md"

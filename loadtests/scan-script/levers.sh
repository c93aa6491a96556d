#!/usr/bin/env bash
# Three levers on the scan script's cost in Redis, each measured on this tree's script (ScanScript.cs) with redis-benchmark,
# in turns, on one redis-server started here on a free loopback port (the admitted entry of a new pass under anti-passback,
# as loadtests/scan-script/run.sh):
#   batch    one scan a call (the product) against BATCH scans a call (the script wrapped in a loop over groups of 8 keys
#            and 21 arguments): what the call itself costs (dispatch, marshalling into Lua, the reply), shared by a batch
#   aof      the same scans without persistence and with the append-only file (everysec, no rewrite during the turn)
#   keys     the dedupe answer's and replay mark's keys as the product names them (76 and 85 bytes) against 34-byte ones
#   space    the same scans in a key space that already holds FILL other keys (DEBUG POPULATE): the cost of a large
#            data set (the dedupe window's answers and marks, the citizens' hot copies) to every lookup and insert
# Reported per turn: redis-server's CPU per scan (/proc, over the records the stream holds) and calls a second.
#   loadtests/scan-script/levers.sh [ROUNDS] [SCANS] [BATCH] [FILL]      e.g. loadtests/scan-script/levers.sh 2 300000 8 8000000
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-2}
scans=${2:-300000}
batch=${3:-8}
fill=${4:-8000000}
tmp=$(mktemp -d)
trap 'redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT

python3 loadtests/scan-script/scan-lua.py src/CityPass.Server/Stores/Redis/ScanScript.cs > "$tmp/single.lua"
# The same body as a function of its own KEYS and ARGV, called once per group of 8 keys and 21 arguments.
python3 - "$tmp" <<'PY'
import sys
out = sys.argv[1]
inner = open(f'{out}/single.lua').read().replace('KEYS[', 'K[').replace('ARGV[', 'A[')
open(f'{out}/batch.lua', 'w').write(f"""local function scan(K, A)
{inner}
end
local out = {{}}
for i = 0, #KEYS / 8 - 1 do
  local K, A = {{}}, {{}}
  for j = 1, 8 do K[j] = KEYS[i * 8 + j] end
  for j = 1, 21 do A[j] = ARGV[i * 21 + j] end
  out[i + 1] = scan(K, A)
end
return out
""")
PY

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --auto-aof-rewrite-percentage 0 --enable-debug-command local --dir "$tmp" --daemonize yes --logfile "$tmp/redis.log" --pidfile "$tmp/redis.pid"
for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
pid=$(cat "$tmp/redis.pid")
single=$(redis-cli -p "$port" script load "$(cat "$tmp/single.lua")")
batched=$(redis-cli -p "$port" script load "$(cat "$tmp/batch.lua")")
now=$(date +%s%3N)
venue=0123456789abcdef0123456789abcdef
stream='cp:{s:10}:scans'

# turn NAME AOF(yes|no) SCANS_A_CALL DEDUPE_KEY REPLAY_KEY [OTHER_KEYS]
turn() {
  local name=$1 aof=$2 per=$3 dedupe=$4 replay=$5 others=${6:-0} keys=() args=()
  redis-cli -p "$port" config set appendonly "$aof" >/dev/null
  while [[ "$aof" == yes && "$(redis-cli -p "$port" info persistence | grep -c 'aof_rewrite_in_progress:1')" != 0 ]]; do sleep 0.2; done
  redis-cli -p "$port" flushall >/dev/null
  redis-cli -p "$port" hset 'cp:{c:x}' colour 0 version 1 credentials 7 name '张*三' >/dev/null
  if (( others > 0 )); then redis-cli -p "$port" debug populate "$others" 'cp:{s:3}:a:other' 60 >/dev/null; fi
  for _ in $(seq "$per"); do
    keys+=("$dedupe" "cp:{s:10}:v:$venue:occupancy" "cp:{s:10}:v:$venue:inside" "cp:{s:10}:v:$venue:bookings" "$replay" "$stream" "cp:{s:10}:v:$venue:tickets" 'cp:{c:x}')
    args+=(__rand_int__ 0 1 7 in 1 0 -1 0 1 1 60000 60000 '' 0
      "$now|__rand_int__|__rand_int__|11111111222233334444555555555555|66666666777788889999000000000000|in|310000|__rand_int__|$now|0" '' '' '' '' "$now")
  done
  local sha=$single pipeline=16
  if (( per > 1 )); then sha=$batched; pipeline=$(( 16 / per > 0 ? 16 / per : 1 )); fi
  local memory; memory=$(redis-cli -p "$port" info memory | awk -F: '/^used_memory:/ {print $2}' | tr -d '\r')
  local before; before=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  redis-benchmark -p "$port" -c 50 -P "$pipeline" -n $(( scans / per )) -r 100000000000 -q EVALSHA "$sha" $(( per * 8 )) "${keys[@]}" "${args[@]}" > "$tmp/bench"
  local after; after=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  local records; records=$(redis-cli -p "$port" xlen "$stream")
  local grown; grown=$(( $(redis-cli -p "$port" info memory | awk -F: '/^used_memory:/ {print $2}' | tr -d '\r') - memory ))
  python3 - "$name" "$before" "$after" "$(getconf CLK_TCK)" "$records" "$per" "$grown" "$(tail -c 200 "$tmp/bench")" <<'PY'
import re, sys
name, before, after, hz, records, per, grown, bench = sys.argv[1:]
records = int(records)
cpu = (int(after) - int(before)) / int(hz) * 1e6 / max(records, 1)
rps = re.search(r'([\d.]+) requests per second', bench)
print(f"| {name} | {records:,} | {cpu:.2f} | {float(rps.group(1)) * int(per) if rps else 0:,.0f} | {int(grown) / max(records, 1):.0f} |")
PY
}

long_dedupe="cp:{s:10}:a:${venue}__rand_int__abcdef0123456789abcd"
long_replay="cp:{s:10}:v:$venue:entered:__rand_int__abcdef0123456789abcd"
short_dedupe='cp:{s:10}:a:__rand_int__abcdefghij'
short_replay='cp:{s:10}:e:__rand_int__abcdefghij'

echo "# Levers on the scan script's cost in Redis"
echo
echo "\`loadtests/scan-script/levers.sh $rounds $scans $batch $fill\`, $(date -u '+%Y-%m-%d %H:%M UTC'), $(git rev-parse --short HEAD); $(redis-server --version | cut -d' ' -f1-3); redis-benchmark -c 50, 16 scans in flight a connection; $scans scans a turn."
echo
echo "| turn | records | redis-server CPU µs a scan | scans/s | Redis memory a scan, bytes (its keys, answer, mark and record) |"
echo "|---|---:|---:|---:|---:|"
for r in $(seq "$rounds"); do
  turn "no AOF, 1 scan a call, long keys ($r)" no 1 "$long_dedupe" "$long_replay"
  turn "no AOF, $batch scans a call, long keys ($r)" no "$batch" "$long_dedupe" "$long_replay"
  turn "AOF, 1 scan a call, long keys ($r)" yes 1 "$long_dedupe" "$long_replay"
  turn "AOF, 1 scan a call, short keys ($r)" yes 1 "$short_dedupe" "$short_replay"
  turn "no AOF, 1 scan a call, long keys, $fill other keys ($r)" no 1 "$long_dedupe" "$long_replay" "$fill"
done

#!/usr/bin/env bash
# The scan script's own cost in Redis, this tree's against REV's: both scripts on one redis-server (started here on a
# free loopback port, no persistence: the script's work, not the disk's), called by redis-benchmark in turns, A B A B ...
# Each call is a new scan of a new pass by a citizen not inside, so it takes the admitted path (a scan's usual one).
# Reported per turn: INFO commandstats' usec_per_call for EVALSHA and redis-server's CPU per call (/proc), and the
# calls the script makes inside (commandstats of everything else, per EVALSHA).
#   loadtests/scan-script/run.sh REV [ROUNDS] [CALLS]      e.g. loadtests/scan-script/run.sh HEAD~1 3 200000
set -euo pipefail
cd "$(dirname "$0")/../.."
rev=${1:?usage: run.sh REV [ROUNDS] [CALLS]}
rounds=${2:-3}
calls=${3:-200000}
tmp=$(mktemp -d)
trap 'redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT

# The Lua text of ScanScript.Script in a ScanScript.cs, as redis-server runs it.
lua_of() { python3 loadtests/scan-script/scan-lua.py "$1"; }
git show "$rev:src/CityPass.Server/Stores/Redis/ScanScript.cs" > "$tmp/a.cs"
cp src/CityPass.Server/Stores/Redis/ScanScript.cs "$tmp/b.cs"
lua_of "$tmp/a.cs" > "$tmp/a.lua"
lua_of "$tmp/b.cs" > "$tmp/b.lua"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$tmp" --daemonize yes --logfile "$tmp/redis.log" --pidfile "$tmp/redis.pid"
for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
pid=$(cat "$tmp/redis.pid")
sha_a=$(redis-cli -p "$port" script load "$(cat "$tmp/a.lua")")
sha_b=$(redis-cli -p "$port" script load "$(cat "$tmp/b.lua")")
now=$(($(date +%s%3N)))

cpu_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
turn() {
  local name=$1 sha=$2
  # Every turn from the same state: the last turn's 200,000 dedupe and replay keys would otherwise still be expiring.
  redis-cli -p "$port" flushall >/dev/null
  redis-cli -p "$port" hset 'cpb:{b}:citizen' colour 0 version 1 credentials 7 name '张*三' >/dev/null
  redis-cli -p "$port" config resetstat >/dev/null
  local before; before=$(cpu_ticks)
  # KEYS (8): dedupe, occupancy, presence, bookings, replay mark, stream, tickets, citizen. ARGV (21) as RedisHotState
  # sends them: a new pseudonym, green version 1 with every credential, in; green admitted, none required, no capacity,
  # no booking, anti-passback, open; a minute's replay and dedupe lifetimes; no deadline; not late; the record's head.
  redis-benchmark -p "$port" -c 50 -P 16 -n "$calls" -r 100000000000 -q \
    EVALSHA "$sha" 8 'cpb:{b}:scan:__rand_int__' 'cpb:{b}:occupancy' 'cpb:{b}:inside' 'cpb:{b}:bookings' \
    'cpb:{b}:entered:__rand_int__' 'cpb:{b}:scans' 'cpb:{b}:tickets' 'cpb:{b}:citizen' \
    __rand_int__ 0 1 7 in 1 0 -1 0 1 1 60000 60000 '' 0 \
    "$now|__rand_int__|__rand_int__|11111111222233334444555555555555|66666666777788889999000000000000|in|310000|__rand_int__|$now|0" \
    '' '' '' '' "$now" > "$tmp/$name.bench"
  local after; after=$(cpu_ticks)
  local stats; stats=$(redis-cli -p "$port" info commandstats)
  python3 - "$name" "$calls" "$before" "$after" "$(getconf CLK_TCK)" "$stats" "$(cat "$tmp/$name.bench")" <<'PY'
import re, sys
name, calls, before, after, hz, stats, bench = sys.argv[1:]
calls = int(calls)
rows = dict((m.group(1), (int(m.group(2)), float(m.group(3)))) for m in re.finditer(r'cmdstat_(\w+):calls=(\d+),usec=\d+,usec_per_call=([\d.]+)', stats))
ev = rows.get('evalsha', (0, 0.0))
inner = {k: v for k, v in rows.items() if k not in ('evalsha', 'config', 'info', 'del', 'ping')}
per = sum(c for c, _ in inner.values()) / max(ev[0], 1)
split = ', '.join(f"{k.upper()} {c / max(ev[0], 1):.2f}" for k, (c, _) in sorted(inner.items(), key=lambda kv: -kv[1][0]))
cpu = (int(after) - int(before)) / int(hz) * 1e6 / calls
rps = re.search(r'([\d.]+) requests per second', bench)
print(f"| {name} | {ev[1]:.2f} | {cpu:.2f} | {per:.2f} ({split}) | {float(rps.group(1)) if rps else 0:,.0f} |")
PY
}

echo "# The scan script alone: this tree (B) against $rev (A)"
echo
echo "\`loadtests/scan-script/run.sh $rev $rounds $calls\`, $(date -u '+%Y-%m-%d %H:%M UTC'); $(redis-server --version | cut -d' ' -f1-3); redis-benchmark -c 50 -P 16, $calls calls a turn, the admitted entry of a new pass under anti-passback."
echo
echo "| turn | EVALSHA usec_per_call | redis-server CPU µs/call | calls inside per scan | calls/s |"
echo "|---|---|---|---|---|"
for r in $(seq "$rounds"); do
  turn "A$r" "$sha_a"
  turn "B$r" "$sha_b"
done | tee "$tmp/rows"
# The means of the turns, and B over A.
python3 - "$tmp/rows" <<'PY'
import sys
rows = [l.split('|') for l in open(sys.argv[1]) if l.startswith('| ')]
def mean(side, i): return sum(float(r[i].split()[0].replace(',', '')) for r in rows if r[1].strip().startswith(side)) / max(1, sum(1 for r in rows if r[1].strip().startswith(side)))
a, b = [[mean(s, i) for i in (2, 3, 5)] for s in ('A', 'B')]
print(f"| **mean A** | {a[0]:.2f} | {a[1]:.2f} | | {a[2]:,.0f} |")
print(f"| **mean B** | {b[0]:.2f} | {b[1]:.2f} | | {b[2]:,.0f} |")
print(f"| **B / A** | **{b[0] / a[0]:.2f}x** | **{b[1] / a[1]:.2f}x** | | **{b[2] / a[2]:.2f}x** |")
PY

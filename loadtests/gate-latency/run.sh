#!/usr/bin/env bash
# A gate's decision latency, as the door controller sees it (docs/gate-sdk.md): citypass-gate run fed N passes
#   1. online   - the server up (embedded stores, one process, Release);
#   2. stalled  - the server stopped with SIGSTOP: connections open, nothing answers, so a scan waits the online budget;
#   3. offline  - the server killed: connections refused, every scan decided by the bundle and journalled (fsync).
# Each phase gets fresh passes of one demo citizen (minted by `citypass issue` with the key file the server runs on).
# Usage: loadtests/gate-latency/run.sh [N]   (N passes per phase, default 2000; the stalled phase uses N/10)
# Results: loadtests/results/<UTC timestamp>-gate-latency/ (report.md, the three decision logs).
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-2000}
stamp=$(date -u +%Y%m%d-%H%M%S)
out="loadtests/results/$stamp-gate-latency"
mkdir -p "$out"
work=$(mktemp -d -t citypass-gate-latency-XXXXXX)
server_pid=""
cleanup() {
  [[ -n "$server_pid" ]] && { kill -CONT "$server_pid" 2>/dev/null || true; kill -9 "$server_pid" 2>/dev/null || true; }
  rm -rf "$work"
}
trap cleanup EXIT

bash scripts/install-deps.sh
echo "gate-latency: building Release"
for p in src/CityPass.Server src/CityPass.Cli src/CityPass.Gate.Cli; do dotnet build "$p" -c Release --nologo -v quiet -clp:ErrorsOnly; done
citypass() { dotnet src/CityPass.Cli/bin/Release/net10.0/citypass.dll "$@"; }
gate() { dotnet src/CityPass.Gate.Cli/bin/Release/net10.0/citypass-gate.dll "$@"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

port=$(free_port)
base="http://127.0.0.1:$port"
citypass keys new --issuer 310000 > "$work/keys.json"
(
  cd src/CityPass.Server/bin/Release/net10.0
  ASPNETCORE_ENVIRONMENT=Development ASPNETCORE_URLS="$base" Orleans__SiloPort=$(free_port) \
  Keys__KeyFile="$work/keys.json" Keys__ServerSecretFile="$work/secret.key" Federation__KeyFile="$work/federation.json" \
  RateLimits__PerGatePerSecond=100000 Logging__LogLevel__Default=Warning \
    exec dotnet CityPass.Server.dll > "$work/server.log" 2>&1
) &
server_pid=$!
for _ in $(seq 1 300); do curl -fs "$base/health/ready" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fs "$base/health/ready" >/dev/null || { cat "$work/server.log"; exit 1; }
# The subshell exec-ed the server, so its pid is the server's.

token() { curl -fs -X POST -H 'content-type: application/json' -d "{\"username\":\"$1\",\"password\":\"$2\"}" "$base/v1/auth/token" | jq -r .accessToken; }
admin=$(token admin demo-admin-2026)
authority=$(token authority demo-authority-2026)
api() { local method=$1 path=$2 who=$3; shift 3; curl -fs -X "$method" -H "authorization: Bearer $who" -H 'content-type: application/json' "$@" "$base$path"; }
venue=$(api POST /v1/venues "$admin" -d '{"name":"Latency test","kind":"library","address":"1 Test Rd"}' | jq -r .id)
api PUT "/v1/venues/$venue/policy" "$admin" -d '{"allowedColours":["green"],"antiPassback":false}' >/dev/null
gate_id=$(api POST "/v1/venues/$venue/gates" "$admin" -d '{"name":"Door 1"}' | jq -r .id)
api POST "/v1/gates/$gate_id/credentials" "$admin" | jq -r .enrolmentLink | gate enrol - --state "$work/state" >/dev/null
citizen=$(api GET "/v1/citizens?phone=%2B8613800000004" "$authority")
id=$(jq -r .id <<<"$citizen")
version=$(jq -r .status.version <<<"$citizen")
passes() { citypass issue --keys "$work/keys.json" --citizen "$id" --status-version "$version" --credential health_record --count "$1"; }

phase() {
  local name=$1 count=$2
  echo "gate-latency: $name ($count scans)"
  passes "$count" > "$work/$name.txt"
  gate run --state "$work/state" --sync-s 3600 --bundle-refresh-s 3600 < "$work/$name.txt" > "$out/$name.jsonl" 2>> "$work/gate.log"
}
phase online "$n"
kill -STOP "$server_pid"
phase stalled $((n / 10))
kill -CONT "$server_pid"; kill -9 "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
phase offline "$n"

python3 - "$out" "$n" "$(git rev-parse --short HEAD)" "$(nproc)" <<'PY'
import json, sys, pathlib
out, n, rev, cores = pathlib.Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
def q(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]
rows = []
for name in ["online", "stalled", "offline"]:
    lines = [json.loads(l) for l in (out / f"{name}.jsonl").read_text().splitlines() if l.strip()]
    ms = [l["latencyMs"] for l in lines]
    modes = {m: sum(1 for l in lines if l["mode"] == m) for m in ("online", "offline")}
    allowed = sum(1 for l in lines if l["decision"] == "allow")
    rows.append((name, len(lines), modes["online"], modes["offline"], allowed, q(ms, 50), q(ms, 90), q(ms, 99), max(ms)))
report = [f"# Gate decision latency ({out.name})", "",
          f"`loadtests/gate-latency/run.sh {n}` on {rev}, {cores} cores; citypass-gate run (Release) with the default 300 ms online budget,",
          "the server one process on embedded stores. Latency is the CLI's own `latencyMs`: from reading the line to the decision,",
          "the online call or the offline check and the journal's fsync included, before the JSON line is written.", "",
          "| phase | scans | online | offline | allowed | p50 ms | p90 ms | p99 ms | max ms |", "|---|---|---|---|---|---|---|---|---|"]
report += [f"| {r[0]} | {r[1]} | {r[2]} | {r[3]} | {r[4]} | {r[5]:.2f} | {r[6]:.2f} | {r[7]:.2f} | {r[8]:.2f} |" for r in rows]
report += ["", "- online: the server up; every scan a `POST /v1/scans` on a warm connection.",
           "- stalled: the server stopped (SIGSTOP): the first scan waits the whole budget and is decided offline; the next 5 s (`OfflineFor`) go straight offline, then one scan asks the server again and waits the budget again.",
           "- offline: the server killed: a refused connection costs next to nothing; each scan is a signature check, the policy and a synchronous SQLite commit."]
(out / "report.md").write_text("\n".join(report) + "\n")
print("\n".join(report))
PY

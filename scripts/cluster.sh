#!/usr/bin/env bash
# CityPass as a cluster on this machine, in the shape k8s/ deploys (docs/deployment.md): N server
# processes (default 3) forming one Orleans cluster, haproxy in front of them on one port, Redis as a
# primary and two replicas under three sentinels (AOF on), and PostgreSQL. Everything listens on
# 127.0.0.1; data, logs and pid files are in .data/cluster (CLUSTER_DIR; PostgreSQL logs in its pg/server.log).
#
#   scripts/cluster.sh up            builds the server (Release), starts what is not running, prints the URLs
#   scripts/cluster.sh down          stops everything (data kept); `down --wipe` also deletes .data/cluster
#   scripts/cluster.sh status        one line per process
#   scripts/cluster.sh env           the addresses and pids as KEY=value lines (for scripts and the load runner)
# Drills (what the load runner's --cluster scenarios do, one at a time):
#   kill I | stop I | start I | restart I   server I: SIGKILL (its supervisor starts it again, as a kubelet does) |
#                                     graceful (out of the balancer, SIGTERM, wait) | start | stop then start
#   rolling                          restart every server one by one, each back in the balancer before the next
#   kill-redis-primary               SIGKILL the Redis primary the sentinels name (they promote a replica); prints it
#   start-redis N                    start Redis node N again (it rejoins as a replica of the current primary)
#   stop-postgres | start-postgres   PostgreSQL stopped (fast) and started
#   cut I | heal I                   drop server I's packets to Redis and the sentinels (nftables, root only)
#
# Settings (environment): CLUSTER_SERVERS (3), CLUSTER_PORT (8080, the balancer), CLUSTER_PORT_BASE (18100:
# servers BASE+I, silos BASE+10+I, Redis BASE+20+N, sentinels BASE+30+N, PostgreSQL BASE+40, haproxy's
# stats page BASE+41), CLUSTER_DIR, CLUSTER_SERVER_DLL (a server build to run instead of building one).
# Every other variable in the environment reaches the servers: ASPNETCORE_ENVIRONMENT (Development unless
# set), Keys__KeySetJson, Sms__Gateway__Url, ... Development generates the keys once into CLUSTER_DIR/keys.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

dir="${CLUSTER_DIR:-$repo/.data/cluster}"
# The count `up` was given, for the commands after it.
servers="${CLUSTER_SERVERS:-$(cat "$dir/run/servers" 2>/dev/null || echo 3)}"
lb_port="${CLUSTER_PORT:-8080}"
base="${CLUSTER_PORT_BASE:-18100}"
run="$dir/run"
logs="$dir/logs"
pgbin=/usr/lib/postgresql/15/bin
pg_port=$((base + 40))
stats_port=$((base + 41))
service=citypass   # the sentinels' name for the primary
sentinels_csv=$(for n in 1 2 3; do printf '127.0.0.1:%d,' $((base + 30 + n)); done)
redis_connection="${sentinels_csv}serviceName=$service"
postgres_connection="Host=127.0.0.1;Port=$pg_port;Username=citypass;Database=citypass"

die() { echo "cluster: $*" >&2; exit 1; }
say() { echo "cluster: $*"; }
server_port() { echo $((base + $1)); }
silo_port() { echo $((base + 10 + $1)); }
redis_port() { echo $((base + 20 + $1)); }
sentinel_port() { echo $((base + 30 + $1)); }
# Each server runs with its own group id when we are root: the group is how `cut` finds its packets.
server_gid() { echo $((61000 + $1)); }
alive() { [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }
as_pg=()
if [[ $(id -u) -eq 0 ]]; then as_pg=(runuser -u postgres --); fi

check_server_index() {
  [[ "${1:-}" =~ ^[1-9]$ ]] && (($1 <= servers)) || die "server index is 1..$servers (CLUSTER_SERVERS)"
}

# --- Redis under Sentinel ------------------------------------------------------------------------

sentinel_primary_port() {
  local n addr
  for n in 1 2 3; do
    addr=$(redis-cli -p "$(sentinel_port "$n")" --raw sentinel get-master-addr-by-name "$service" 2>/dev/null | sed -n 2p) || true
    if [[ -n "$addr" ]]; then echo "$addr"; return 0; fi
  done
  return 1
}

start_redis() {
  local n=$1 port args=()
  port=$(redis_port "$n")
  if redis-cli -p "$port" ping >/dev/null 2>&1; then return 0; fi
  mkdir -p "$dir/redis-$n"
  # Node 1 is the first primary. A node started again follows whoever the sentinels name now (else it
  # would come back as a second primary until they turn it into a replica).
  local primary
  primary=$(sentinel_primary_port || true)
  if [[ -n "$primary" && "$primary" != "$port" ]]; then
    args=(--replicaof 127.0.0.1 "$primary")
  elif [[ -z "$primary" && "$n" != 1 ]]; then
    args=(--replicaof 127.0.0.1 "$(redis_port 1)")
  fi
  # As the manifests configure it (k8s/base/redis-scripts.yaml, docs/deployment.md): a primary that has lost
  # both replicas stops taking writes within 10 s, which bounds what a failover can throw away; nothing is evicted.
  redis-server --port "$port" --bind 127.0.0.1 --dir "$dir/redis-$n" --appendonly yes --appendfsync everysec \
    --no-appendfsync-on-rewrite yes --auto-aof-rewrite-percentage 400 --min-replicas-to-write 1 --min-replicas-max-lag 10 --maxmemory-policy noeviction \
    --save '' --daemonize yes --pidfile "$run/redis-$n.pid" --logfile "$logs/redis-$n.log" "${args[@]}"
}

start_sentinel() {
  local n=$1 port conf
  port=$(sentinel_port "$n")
  if redis-cli -p "$port" ping >/dev/null 2>&1; then return 0; fi
  mkdir -p "$dir/sentinel-$n"
  conf="$dir/sentinel-$n/sentinel.conf"
  # Written once: a sentinel rewrites its file with what it learns (the current primary, its peers).
  # The timings are the manifests' (k8s/base/redis-scripts.yaml), so a drill here measures what a pod would see.
  if [[ ! -f "$conf" ]]; then
    cat >"$conf" <<EOF
port $port
bind 127.0.0.1
dir $dir/sentinel-$n
sentinel monitor $service 127.0.0.1 $(redis_port 1) 2
sentinel down-after-milliseconds $service 5000
sentinel failover-timeout $service 60000
sentinel parallel-syncs $service 1
EOF
  fi
  redis-server "$conf" --sentinel --daemonize yes --pidfile "$run/sentinel-$n.pid" --logfile "$logs/sentinel-$n.log"
}

# --- PostgreSQL ------------------------------------------------------------------------------------

start_postgres() {
  if [[ ! -f "$dir/pg/PG_VERSION" ]]; then
    mkdir -p "$dir/pg"
    if [[ $(id -u) -eq 0 ]]; then chown postgres "$dir/pg"; fi
    "${as_pg[@]}" "$pgbin/initdb" -D "$dir/pg" -A trust -U citypass --locale=C.UTF-8 >/dev/null
  fi
  if ! "${as_pg[@]}" "$pgbin/pg_ctl" -D "$dir/pg" status >/dev/null 2>&1; then
    "${as_pg[@]}" "$pgbin/pg_ctl" -D "$dir/pg" -o "-p $pg_port -k $dir/pg -c listen_addresses=127.0.0.1 -c max_connections=300" \
      -l "$dir/pg/server.log" -w start >/dev/null
  fi
  if ! psql -h 127.0.0.1 -p "$pg_port" -U citypass -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'citypass'" | grep -q 1; then
    psql -h 127.0.0.1 -p "$pg_port" -U citypass -d postgres -qc "CREATE DATABASE citypass"
  fi
}

stop_postgres() { "${as_pg[@]}" "$pgbin/pg_ctl" -D "$dir/pg" -m fast -w stop >/dev/null 2>&1 || true; }

# --- Servers ---------------------------------------------------------------------------------------

server_dll() {
  if [[ -n "${CLUSTER_SERVER_DLL:-}" ]]; then echo "$CLUSTER_SERVER_DLL"; else echo "$repo/src/CityPass.Server/bin/Release/net10.0/CityPass.Server.dll"; fi
}

# Runs server I and starts it again whenever it ends, until `stop` leaves its stop file: a kubelet's
# restartPolicy Always. (The server ends itself when it has lost its cluster membership.)
supervise() {
  local i=$1 dll gid launch=()
  # The settings `up` was given, whichever command started this server (`start`, `restart`, `rolling`).
  if [[ -f "$run/server.env" ]]; then source "$run/server.env"; fi
  dll=$(server_dll)
  gid=$(server_gid "$i")
  if [[ $(id -u) -eq 0 ]]; then launch=(setpriv --regid "$gid" --clear-groups --); fi
  export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}"
  export ASPNETCORE_URLS="http://127.0.0.1:$(server_port "$i")"
  export Orleans__SiloPort="$(silo_port "$i")"
  export Orleans__SiloName="citypass-server-$i"
  export ConnectionStrings__Redis="$redis_connection"
  export ConnectionStrings__Postgres="$postgres_connection"
  export Keys__KeySetFile="$dir/keys/issuer-keys.json" Keys__ServerSecretFile="$dir/keys/server-secret.key"
  # One server seeds the demo data (a second, racing it, would only find it there); on real stores the
  # server seeds only when told to.
  if [[ "$i" == 1 ]]; then export Demo__Seed="${Demo__Seed:-true}"; else export Demo__Seed=false; fi
  # The content root is the project folder, where the console's libraries (node_modules) are.
  cd "$repo/src/CityPass.Server"
  while [[ ! -e "$run/server-$i.stopped" ]]; do
    echo "--- cluster: server $i starting at $(date -u +%FT%TZ)"
    "${launch[@]}" dotnet "$dll" &
    echo $! >"$run/server-$i.pid"
    local code=0
    wait $! || code=$?
    echo "--- cluster: server $i exited with $code at $(date -u +%FT%TZ)"
    [[ -e "$run/server-$i.stopped" ]] && break
    sleep 1
  done
  rm -f "$run/server-$i.pid" "$run/server-$i.supervisor.pid"
}

wait_ready() {
  local i=$1 port tries=0
  port=$(server_port "$i")
  until curl -fs -o /dev/null --max-time 2 "http://127.0.0.1:$port/health/ready"; do
    tries=$((tries + 1))
    ((tries < 360)) || die "server $i not ready after 90 s; see $logs/server-$i.log"
    alive "$run/server-$i.supervisor.pid" || die "server $i is not running; see $logs/server-$i.log"
    sleep 0.25
  done
}

haproxy_cmd() { echo "$1" | socat stdio "unix-connect:$run/haproxy.sock"; }

# Puts server I back in rotation (after `stop`) and waits until haproxy's health checks have it UP, so a
# rolling restart never has two out.
wait_in_balancer() {
  local i=$1 tries=0
  alive "$run/haproxy.pid" || return 0
  haproxy_cmd "set server servers/s$i state ready" >/dev/null
  until haproxy_cmd "show stat" | awk -F, -v s="s$i" '$1 == "servers" && $2 == s { print $18 }' | grep -qx 'UP'; do
    tries=$((tries + 1))
    ((tries < 120)) || die "haproxy did not take server $i back within 30 s"
    sleep 0.25
  done
}

# The start-up banner of server I's latest start: printed once it listens and has seeded the demo data.
latest_banner() {
  awk '/^--- cluster: server [0-9]+ starting/ { banner = ""; on = 0 } /^CityPass is running/ { on = 1 } on { banner = banner $0 "\n" }
       END { printf "%s", banner; exit banner == "" }' "$logs/server-$1.log"
}

start_server() {
  local i=$1
  if alive "$run/server-$i.supervisor.pid"; then return 0; fi
  rm -f "$run/server-$i.stopped"
  [[ -f "$(server_dll)" ]] || die "$(server_dll) is missing: run \`scripts/cluster.sh up\` (it builds it)"
  setsid nohup bash "$repo/scripts/cluster.sh" _supervise "$i" >>"$logs/server-$i.log" 2>&1 </dev/null &
  echo $! >"$run/server-$i.supervisor.pid"
}

# Graceful, as Kubernetes stops a pod: out of the balancer first (the endpoints controller), then SIGTERM,
# and the host hands its grains off before it exits (Orleans__ShutdownSeconds).
stop_server() {
  local i=$1
  alive "$run/server-$i.supervisor.pid" || return 0
  touch "$run/server-$i.stopped"
  if alive "$run/haproxy.pid"; then
    # Until `start` puts it back: a stopped server gets nothing, not even the health checks' first misses.
    haproxy_cmd "set server servers/s$i state maint" >/dev/null
    sleep 1   # requests haproxy already sent there finish
  fi
  if alive "$run/server-$i.pid"; then kill -TERM "$(cat "$run/server-$i.pid")" 2>/dev/null || true; fi
  wait_stopped "$i"
}

# Waits for server I (told to stop) and its supervisor to end; SIGKILL after 40 s, the pods' grace period.
wait_stopped() {
  local i=$1 tries=0
  while alive "$run/server-$i.supervisor.pid"; do
    tries=$((tries + 1))
    if ((tries == 160)); then kill -KILL "$(cat "$run/server-$i.pid" 2>/dev/null)" 2>/dev/null || true; fi
    sleep 0.25
  done
  rm -f "$run/server-$i.supervisor.pid"
}

# --- haproxy ---------------------------------------------------------------------------------------

start_haproxy() {
  if alive "$run/haproxy.pid"; then return 0; fi
  {
    cat <<EOF
global
  stats socket $run/haproxy.sock mode 600 level admin
  maxconn 5000

defaults
  mode http
  timeout connect 1s
  timeout client 60s
  timeout server 60s
  timeout http-keep-alive 60s
  # A request whose connection could not be made goes to another server (it never reached the first).
  # Nothing else is retried: a request that reached a server may have taken effect there.
  retries 2
  option redispatch

frontend citypass
  bind 127.0.0.1:$lb_port
  default_backend servers

backend servers
  balance roundrobin
  # The readiness probe: 503 while this server cannot reach Redis or is stopping.
  option httpchk GET /health/ready
  http-check expect status 200
  # A server back in rotation gets its share of requests over 5 s, not at once: its first seconds (JIT, cold
  # connections) are slow, and a full share would time out scans there.
  default-server inter 1s fastinter 500ms downinter 1s fall 2 rise 2 slowstart 5s
EOF
    for ((i = 1; i <= servers; i++)); do echo "  server s$i 127.0.0.1:$(server_port "$i") check"; done
    cat <<EOF

listen stats
  bind 127.0.0.1:$stats_port
  stats enable
  stats uri /
  stats refresh 2s
EOF
  } >"$dir/haproxy.cfg"
  haproxy -c -q -f "$dir/haproxy.cfg"
  haproxy -D -f "$dir/haproxy.cfg" -p "$run/haproxy.pid"
}

# --- Commands --------------------------------------------------------------------------------------

up() {
  bash scripts/install-deps.sh
  mkdir -p "$run" "$logs" "$dir/keys"
  echo "$servers" >"$run/servers"
  # The servers' settings from this environment, for every later start of a server (0600: it may hold keys).
  (umask 077; declare -px | grep -E '^declare -x (ASPNETCORE_|DOTNET_|[A-Za-z]+__)' | sed 's/^declare -x /declare -gx /' >"$run/server.env" || true)
  if [[ -z "${CLUSTER_SERVER_DLL:-}" ]]; then
    say "building the server (Release)"
    dotnet build src/CityPass.Server -c Release --nologo -v quiet -clp:ErrorsOnly
  fi
  for n in 1 2 3; do start_redis "$n"; done
  for n in 1 2 3; do start_sentinel "$n"; done
  # With min-replicas-to-write 1 the primary refuses writes until a replica is in sync: a server started
  # before that fails its first writes (Orleans' membership table among them) and starts again.
  local tries=0
  until redis-cli -p "$(sentinel_primary_port || redis_port 1)" info replication 2>/dev/null | grep -q 'state=online'; do
    tries=$((tries + 1))
    ((tries < 120)) || die "no Redis replica in sync with the primary after 30 s; see $logs/redis-*.log"
    sleep 0.25
  done
  start_postgres
  say "Redis (primary :$(redis_port 1), sentinels :$(sentinel_port 1)-$(sentinel_port 3)) and PostgreSQL (:$pg_port) are up"
  # The first server alone: it creates the schema, the development keys and the demo data the others use.
  start_server 1
  wait_ready 1
  local tries=0
  until latest_banner 1 >/dev/null; do
    tries=$((tries + 1))
    ((tries < 480)) || die "server 1 did not finish starting (its banner) within 2 minutes; see $logs/server-1.log"
    sleep 0.25
  done
  for ((i = 2; i <= servers; i++)); do start_server "$i"; done
  for ((i = 2; i <= servers; i++)); do wait_ready "$i"; done
  start_haproxy
  for ((i = 1; i <= servers; i++)); do wait_in_balancer "$i"; done
  cat <<EOF

CityPass cluster: $servers servers behind haproxy (data and logs in $dir)
  Through the balancer   http://127.0.0.1:$lb_port/   (/citizen/  /gate/  /admin  /public/  /docs/api  /health/ready)
  haproxy's stats page   http://127.0.0.1:$stats_port/
  Servers                $(for ((i = 1; i <= servers; i++)); do printf 'http://127.0.0.1:%d  ' "$(server_port "$i")"; done)
  Redis                  $redis_connection
  PostgreSQL             $postgres_connection
Logs: $logs (a citizen's one-time code is logged by the server that sent it: tail -f $logs/server-*.log)
Stop with: scripts/cluster.sh down
EOF
  # The demo sign-ins, as server 1 printed them (its URLs are one server's; use the balancer's above).
  latest_banner 1 | sed -n '/^Demo staff/,$p'
}

down() {
  if alive "$run/haproxy.pid"; then kill "$(cat "$run/haproxy.pid")"; fi
  rm -f "$run/haproxy.pid"
  for ((i = 1; i <= 9; i++)); do
    if [[ -f "$run/server-$i.supervisor.pid" ]]; then
      touch "$run/server-$i.stopped"
      if alive "$run/server-$i.pid"; then kill -TERM "$(cat "$run/server-$i.pid")" 2>/dev/null || true; fi
    fi
  done
  for ((i = 1; i <= 9; i++)); do wait_stopped "$i"; done
  for n in 1 2 3; do redis-cli -p "$(sentinel_port "$n")" shutdown >/dev/null 2>&1 || true; done
  for n in 1 2 3; do redis-cli -p "$(redis_port "$n")" shutdown >/dev/null 2>&1 || true; done
  stop_postgres
  for ((i = 1; i <= 9; i++)); do nft delete table inet "citypass_cut_$i" >/dev/null 2>&1 || true; done
  if [[ "${1:-}" == "--wipe" ]]; then rm -rf "$dir"; say "stopped; $dir deleted"; else say "stopped (data kept in $dir)"; fi
}

status() {
  local primary
  primary=$(sentinel_primary_port || true)
  for ((i = 1; i <= servers; i++)); do
    local state="down" ready=""
    if alive "$run/server-$i.pid"; then
      state="up (pid $(cat "$run/server-$i.pid"))"
      ready=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$(server_port "$i")/health/ready" || true)
      ready=" ready:$ready"
    fi
    printf 'server-%d    :%d silo :%d  %s%s\n' "$i" "$(server_port "$i")" "$(silo_port "$i")" "$state" "$ready"
  done
  for n in 1 2 3; do
    local port role
    port=$(redis_port "$n")
    role=$(redis-cli -p "$port" --raw role 2>/dev/null | head -n1 || true)
    printf 'redis-%d     :%d  %s%s\n' "$n" "$port" "${role:-down}" "$([[ "$port" == "$primary" ]] && echo ' (the sentinels name it primary)')"
  done
  for n in 1 2 3; do
    printf 'sentinel-%d  :%d  %s\n' "$n" "$(sentinel_port "$n")" "$(redis-cli -p "$(sentinel_port "$n")" ping 2>/dev/null || echo down)"
  done
  printf 'postgres    :%d  %s\n' "$pg_port" "$("${as_pg[@]}" "$pgbin/pg_ctl" -D "$dir/pg" status >/dev/null 2>&1 && echo up || echo down)"
  if alive "$run/haproxy.pid"; then
    printf 'haproxy     :%d  up; in rotation: %s\n' "$lb_port" \
      "$(haproxy_cmd "show stat" | awk -F, '$1 == "servers" && $2 ~ /^s[0-9]$/ { printf "%s=%s ", $2, $18 }')"
  else
    printf 'haproxy     :%d  down\n' "$lb_port"
  fi
}

print_env() {
  echo "CLUSTER_DIR=$dir"
  echo "CLUSTER_BALANCER_URL=http://127.0.0.1:$lb_port/"
  echo "CLUSTER_SERVERS=$servers"
  for ((i = 1; i <= servers; i++)); do
    echo "CLUSTER_SERVER_${i}_URL=http://127.0.0.1:$(server_port "$i")/"
    echo "CLUSTER_SERVER_${i}_PID=$(cat "$run/server-$i.pid" 2>/dev/null || true)"
  done
  echo "CLUSTER_REDIS=$redis_connection"
  for n in 1 2 3; do
    echo "CLUSTER_REDIS_${n}_PORT=$(redis_port "$n")"
    echo "CLUSTER_REDIS_${n}_PID=$(cat "$run/redis-$n.pid" 2>/dev/null || true)"
  done
  echo "CLUSTER_REDIS_PRIMARY_PORT=$(sentinel_primary_port || true)"
  for n in 1 2 3; do echo "CLUSTER_SENTINEL_${n}_PID=$(cat "$run/sentinel-$n.pid" 2>/dev/null || true)"; done
  echo "CLUSTER_POSTGRES=$postgres_connection"
  echo "CLUSTER_POSTGRES_PID=$(head -n1 "$dir/pg/postmaster.pid" 2>/dev/null || true)"
  echo "CLUSTER_HAPROXY_PID=$(cat "$run/haproxy.pid" 2>/dev/null || true)"
}

kill_redis_primary() {
  local primary n
  primary=$(sentinel_primary_port) || die "no sentinel answers"
  for n in 1 2 3; do
    if [[ "$(redis_port "$n")" == "$primary" ]]; then
      kill -KILL "$(cat "$run/redis-$n.pid")"
      rm -f "$run/redis-$n.pid"
      echo "$n"
      return 0
    fi
  done
  die "the sentinels name :$primary, which is not one of this cluster's nodes"
}

# A partition between server I and Redis: its packets to the Redis nodes and the sentinels are dropped
# (by the group id it runs with), while the balancer and the other silos still reach it.
cut() {
  local i=$1 ports
  [[ $(id -u) -eq 0 ]] || die "cut needs root (nftables, and the servers' own group ids)"
  command -v nft >/dev/null || die "nft is missing (bash scripts/install-deps.sh installs nftables)"
  ports=$(for n in 1 2 3; do printf '%d, %d, ' "$(redis_port "$n")" "$(sentinel_port "$n")"; done)
  nft -f - <<EOF
table inet citypass_cut_$i {
  chain output {
    type filter hook output priority 0; policy accept;
    meta skgid $(server_gid "$i") tcp dport { ${ports%, } } drop
  }
}
EOF
}

heal() { nft delete table inet "citypass_cut_$1" 2>/dev/null || true; }

case "${1:-}" in
  up) up ;;
  down) down "${2:-}" ;;
  status) status ;;
  env) print_env ;;
  kill) check_server_index "${2:-}"; kill -KILL "$(cat "$run/server-$2.pid")" ;;
  stop) check_server_index "${2:-}"; stop_server "$2" ;;
  start) check_server_index "${2:-}"; start_server "$2"; wait_ready "$2"; wait_in_balancer "$2" ;;
  restart) check_server_index "${2:-}"; stop_server "$2"; start_server "$2"; wait_ready "$2"; wait_in_balancer "$2" ;;
  rolling)
    for ((i = 1; i <= servers; i++)); do
      say "restarting server $i"
      stop_server "$i"; start_server "$i"; wait_ready "$i"; wait_in_balancer "$i"
    done ;;
  kill-redis-primary) kill_redis_primary ;;
  start-redis) [[ "${2:-}" =~ ^[1-3]$ ]] || die "start-redis N: N is 1..3"; start_redis "$2" ;;
  stop-postgres) stop_postgres ;;
  start-postgres) start_postgres ;;
  cut) check_server_index "${2:-}"; cut "$2" ;;
  heal) check_server_index "${2:-}"; heal "$2" ;;
  _supervise) supervise "$2" ;;
  *) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac

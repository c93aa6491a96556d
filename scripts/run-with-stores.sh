#!/usr/bin/env bash
# Runs CityPass on real Redis and PostgreSQL servers that this script starts on loopback, with
# their data in .data/stores (kept between runs). Stops them when the server stops.
#   REDIS_PORT (6390), PG_PORT (5440) and any ASP.NET setting as an environment variable apply
#   (ASPNETCORE_URLS, http://localhost:5080 by default). Outside Development, set Sms__Gateway__Url:
#   on real stores only Development may run without an SMS gateway.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh

data="$PWD/.data/stores"
redis_port="${REDIS_PORT:-6390}"
pg_port="${PG_PORT:-5440}"
pgbin=/usr/lib/postgresql/15/bin
mkdir -p "$data/redis"
# PostgreSQL refuses to run as root: as root, run it as the postgres user.
as_pg=()
if [[ $(id -u) -eq 0 ]]; then as_pg=(runuser -u postgres --); fi

stop() {
  redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
  "${as_pg[@]}" "$pgbin/pg_ctl" -D "$data/pg" -m fast stop >/dev/null 2>&1 || true
}
trap stop EXIT

redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$data/redis" --appendonly yes \
  --no-appendfsync-on-rewrite yes --auto-aof-rewrite-percentage 400 --save '' --daemonize yes --pidfile "$data/redis/redis.pid" --logfile "$data/redis/redis.log"

if [[ ! -f "$data/pg/PG_VERSION" ]]; then
  mkdir -p "$data/pg"
  if [[ $(id -u) -eq 0 ]]; then chown postgres "$data/pg"; fi
  "${as_pg[@]}" "$pgbin/initdb" -D "$data/pg" -A trust -U citypass --locale=C.UTF-8 >/dev/null
fi
"${as_pg[@]}" "$pgbin/pg_ctl" -D "$data/pg" -o "-p $pg_port -k $data/pg -c listen_addresses=127.0.0.1" -l "$data/pg/server.log" -w start >/dev/null
if ! psql -h 127.0.0.1 -p "$pg_port" -U citypass -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'citypass'" | grep -q 1; then
  psql -h 127.0.0.1 -p "$pg_port" -U citypass -d postgres -qc "CREATE DATABASE citypass"
fi

echo "Redis on 127.0.0.1:$redis_port, PostgreSQL on 127.0.0.1:$pg_port (data in .data/stores)"
export ConnectionStrings__Redis="127.0.0.1:$redis_port"
export ConnectionStrings__Postgres="Host=127.0.0.1;Port=$pg_port;Username=citypass;Database=citypass"
export Demo__Seed="${Demo__Seed:-true}"
export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}"
export ASPNETCORE_URLS="${ASPNETCORE_URLS:-http://localhost:5080}"
dotnet run --project src/CityPass.Server -- "$@"

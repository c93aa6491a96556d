#!/usr/bin/env bash
# Runs one more replica of CityPass beside ./scripts/run-with-stores.sh (which starts Redis and
# PostgreSQL and the first replica): the same stores and keys, its own HTTP port and silo port. Its
# silo joins the first one's through the membership table in Redis: the replicas are one Orleans
# cluster, and a citizen's grain lives on exactly one of them whichever replica is asked.
#   scripts/run-replica.sh N      replica N (2, 3, ...): http://localhost:508(N-1), silo port 1111(N)
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:?usage: scripts/run-replica.sh N   (N = 2, 3, ...; replica 1 is ./scripts/run-with-stores.sh)}"
if ! [[ "$n" =~ ^[2-9]$ ]]; then echo "run-replica: N is 2 to 9" >&2; exit 2; fi

redis_port="${REDIS_PORT:-6390}"
pg_port="${PG_PORT:-5440}"
if ! redis-cli -p "$redis_port" ping >/dev/null 2>&1; then
  echo "run-replica: no Redis on 127.0.0.1:$redis_port; start ./scripts/run-with-stores.sh first" >&2; exit 1
fi
export ConnectionStrings__Redis="127.0.0.1:$redis_port"
export ConnectionStrings__Postgres="Host=127.0.0.1;Port=$pg_port;Username=citypass;Database=citypass"
export Demo__Seed=false
export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}"
export ASPNETCORE_URLS="${ASPNETCORE_URLS:-http://localhost:$((5079 + n))}"
export Orleans__SiloPort="${Orleans__SiloPort:-$((11110 + n))}"
dotnet run --project src/CityPass.Server -- "$@"

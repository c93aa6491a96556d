#!/usr/bin/env bash
# How long migration 0022 holds writes to the citizens table: its ADD COLUMN (a constant default: no row rewritten)
# and its CREATE INDEX (changed_at, id), which the migration builds inside its transaction. On a PostgreSQL of its own
# (initdb in a temporary directory, shared_buffers 512 MB, the rest default), a citizens table of the schema before
# 0022 with CITIZENS rows and its unique indexes, each round from a checkpoint. Usage: loadtests/citizens-index/run.sh [CITIZENS] [ROUNDS]
set -euo pipefail
citizens=${1:-1000000}
rounds=${2:-2}
bin=$(ls -d /usr/lib/postgresql/*/bin 2> /dev/null | tail -1)
[[ -x "$bin/initdb" ]] || { echo "PostgreSQL's server is missing: scripts/install-deps.sh installs it" >&2; exit 2; }
dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_postgres() { if [[ $(id -u) == 0 ]]; then su postgres -c "$*"; else bash -c "$*"; fi; }
[[ $(id -u) == 0 ]] && chown postgres "$dir"
as_postgres "$bin/initdb -D $dir/data -A trust -U postgres" > /dev/null
as_postgres "$bin/pg_ctl -D $dir/data -o '-p $port -k $dir -c shared_buffers=512MB' -l $dir/log start" > /dev/null
trap 'as_postgres "$bin/pg_ctl -D $dir/data stop -m fast" > /dev/null 2>&1 || true; rm -rf "$dir"' EXIT
sql() { psql -h "$dir" -p "$port" -U postgres -q -v ON_ERROR_STOP=1 -c "$1"; }
seconds() { awk -v a="$1" -v b="$2" 'BEGIN { print b - a }'; }
sql "CREATE TABLE citizens (id uuid PRIMARY KEY, external_id text UNIQUE, phone text UNIQUE NOT NULL, full_name text NOT NULL,
  status_colour smallint NOT NULL, status_version bigint NOT NULL, status_reason text NOT NULL, status_since timestamptz NOT NULL,
  credentials integer NOT NULL, created_at timestamptz NOT NULL, birth_year integer)"
sql "INSERT INTO citizens SELECT gen_random_uuid(), 'ext-' || i, '+86139' || lpad(i::text, 9, '0'), '张三' || i, 0, 1, 'initial', now(), 1, now(), 1980
  FROM generate_series(1, $citizens) i"
sql "VACUUM ANALYZE citizens"
echo "| round | citizens | ADD COLUMN s | CREATE INDEX s |"
echo "|---|---:|---:|---:|"
for round in $(seq "$rounds"); do
  sql "DROP INDEX IF EXISTS citizens_by_change" 2> /dev/null
  sql "ALTER TABLE citizens DROP COLUMN IF EXISTS changed_at" 2> /dev/null
  sql "VACUUM FULL citizens" > /dev/null
  sql "CHECKPOINT"
  start=$(date +%s.%N)
  sql "ALTER TABLE citizens ADD COLUMN changed_at timestamptz NOT NULL DEFAULT '-infinity'; ALTER TABLE citizens ALTER COLUMN changed_at SET DEFAULT clock_timestamp()"
  added=$(date +%s.%N)
  sql "CREATE INDEX citizens_by_change ON citizens (changed_at, id)"
  indexed=$(date +%s.%N)
  printf '| %s | %s | %.3f | %.2f |\n' "$round" "$citizens" "$(seconds "$start" "$added")" "$(seconds "$added" "$indexed")"
done

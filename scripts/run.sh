#!/usr/bin/env bash
# Runs CityPass with no configuration: embedded in-process stores, generated development keys and
# demo data. Prints the URLs and the demo sign-ins when it is ready. Ctrl+C stops it.
# Listens on http://localhost:5080 unless ASPNETCORE_URLS says otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
export ASPNETCORE_URLS="${ASPNETCORE_URLS:-http://localhost:5080}"
exec dotnet run --project src/CityPass.Server -- "$@"

#!/usr/bin/env bash
# Runs CityPass with no configuration: embedded in-process stores, generated development keys and
# demo data. Prints the URLs and the demo sign-ins when it is ready. Ctrl+C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
exec dotnet run --project src/CityPass.Server -- "$@"

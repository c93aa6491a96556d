#!/usr/bin/env bash
# The scan-verify load test in one command (see loadtests/README.md):
#   loadtests/run.sh            full run (about 8 minutes): results in loadtests/results/<UTC timestamp>/
#   loadtests/run.sh --soak     plus a 10-minute soak at 50% of the maximum (--soak-minutes N for another length)
#   loadtests/run.sh --quick    small data, short steps: tries the runner, measures nothing
# Installs what is missing (Debian packages, dotnet-trace), builds Release, and runs the C# runner,
# which starts its own redis-server, PostgreSQL and CityPass server on loopback and stops them at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
export PATH="$PATH:$HOME/.dotnet/tools"
if ! command -v dotnet-trace >/dev/null 2>&1; then
  echo "run.sh: installing dotnet-trace (for the CPU profile)"
  dotnet tool install -g dotnet-trace --version 10.0.750501 >/dev/null || echo "run.sh: dotnet-trace could not be installed; the run goes on without a profile" >&2
fi

if pgrep -f chromium >/dev/null 2>&1; then
  echo "run.sh: Chromium is running (browser tests?): the load shares the machine with it; the report will say so." >&2
fi

dotnet build loadtests/CityPass.LoadTests -c Release --nologo -v quiet -clp:ErrorsOnly
exec dotnet loadtests/CityPass.LoadTests/bin/Release/net10.0/citypass-loadtests.dll "$@"

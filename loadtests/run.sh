#!/usr/bin/env bash
# The scan-verify load test in one command (see loadtests/README.md):
#   loadtests/run.sh            full run (about 8 minutes): results in loadtests/results/<UTC timestamp>/
#   loadtests/run.sh --soak     plus a 10-minute soak at 50% of the maximum (--soak-minutes N for another length)
#   loadtests/run.sh --quick    small data, short steps: tries the runner, measures nothing
#   loadtests/run.sh --ab REV   A/B instead: REV's server (built in a temporary worktree) against this tree's, in turns
#                               (--ab-patch FILE: REV with FILE applied, e.g. --ab HEAD --ab-patch loadtests/ab/without-roll-ups.patch
#                               measures what one part of the tree costs)
#   loadtests/run.sh --ab REV --archiver-apart   the archive alone: the server answers scans without archiving and a process of
#                               its own archives, REV's build and this tree's in turns at 50% of the maximum (what the archive
#                               costs each process a scan); results in loadtests/results/<UTC timestamp>-archiver/
#   loadtests/run.sh --grains   the citizen grains instead (about 8 minutes): GET /v1/me/pass on one server process and on three
#                               as one Orleans cluster, single and bulk status changes; results in loadtests/results/<UTC timestamp>-grains/
#                               (--grains --quick: short steps, tries the runner, measures nothing)
#   loadtests/run.sh --faults   stores failing under load instead (issue 12): scans at 50% of the maximum while redis-server is
#                               killed and restarted (with its AOF, then empty) and PostgreSQL is stopped for a minute; results in
#                               loadtests/results/<UTC timestamp>-faults/ (--faults --quick: short phases, measures nothing)
#   loadtests/run.sh --cluster  a cluster behind a load balancer instead (issue 13, about 12 minutes): scripts/cluster.sh's servers
#                               behind haproxy, scans and ping with 1, 2, 3 servers (CPU per scan per process kind), then drills
#                               under load (kill, rolling restart, Redis primary killed, PostgreSQL stopped, a server cut off
#                               from Redis); results in loadtests/results/<UTC timestamp>-cluster/ (--cluster --quick: short
#                               phases, measures nothing)
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

# --ab REV [--ab-patch FILE]: build REV's server (with FILE applied) in Release in a temporary git worktree (removed at
# exit) for the runner's --ab-baseline.
args=()
rev=""
patch=""
while (($#)); do
  case "$1" in
    --ab | --ab-patch)
      [[ $# -ge 2 ]] || { echo "run.sh: $1 needs an argument" >&2; exit 2; }
      if [[ "$1" == "--ab" ]]; then rev=$(git rev-parse --short "$2^{commit}"); else patch="$2"; fi
      shift 2 ;;
    *)
      args+=("$1")
      shift ;;
  esac
done
if [[ -n "$patch" && -z "$rev" ]]; then echo "run.sh: --ab-patch goes with --ab REV" >&2; exit 2; fi
if [[ -n "$rev" ]]; then
  baseline=$(mktemp -d -t citypass-ab-XXXXXX)
  trap 'git worktree remove --force "$baseline" >/dev/null 2>&1 || true; rm -rf "$baseline"' EXIT
  git worktree add --detach --quiet "$baseline" "$rev"
  name="$rev"
  if [[ -n "$patch" ]]; then
    git -C "$baseline" apply "$(realpath "$patch")"
    # The report's command line and title carry the patch: "against REV --ab-patch FILE".
    name="$rev --ab-patch $patch"
  fi
  echo "run.sh: building the baseline $name in $baseline"
  dotnet build "$baseline/src/CityPass.Server" -c Release --nologo -v quiet -clp:ErrorsOnly
  args+=(--ab-baseline "$baseline/src/CityPass.Server/bin/Release/net10.0/CityPass.Server.dll" --ab-name "$name")
fi

dotnet build loadtests/CityPass.LoadTests -c Release --nologo -v quiet -clp:ErrorsOnly
# Not exec: the trap removes the baseline's worktree when the runner ends.
dotnet loadtests/CityPass.LoadTests/bin/Release/net10.0/citypass-loadtests.dll "${args[@]}"

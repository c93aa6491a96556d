#!/usr/bin/env bash
# Runs CityPass on this machine with no configuration. Until the server lands (issue 4) that is
# the command-line demo: it issues a pass, prints it as a QR code, verifies it and decides at a gate.
set -euo pipefail
cd "$(dirname "$0")/.."
exec dotnet run --project src/CityPass.Cli -- demo "$@"

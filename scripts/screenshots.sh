#!/usr/bin/env bash
# Regenerates the screenshots of every page into docs/screenshots/ (the README shows them): runs the
# browser tour test (Playwright + Debian's Chromium) with CITYPASS_SCREENSHOTS pointing there.
# Needs chromium, zbar-tools and fonts-noto-cjk (scripts/install-deps.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
out="$PWD/docs/screenshots"
mkdir -p "$out"
CITYPASS_SCREENSHOTS="$out" dotnet test tests/CityPass.Pages.Tests --nologo --filter "FullyQualifiedName~PageTourTests.EveryPageRendersWithoutScriptOrCspErrors"
ls -1 "$out"

#!/usr/bin/env bash
# Installs the Debian packages that the tests, the load tests and local runs need, and only those
# that are missing, so a second run costs nothing. A fresh machine has none of them.
set -euo pipefail

packages=(
  openssl          # independent ES256/SM2 implementation the token tests check against
  redis-server     # integration tests start their own redis-server processes on loopback
  redis-tools      # redis-cli (cluster creation) and redis-benchmark (baseline)
  postgresql       # integration tests start a throwaway cluster on loopback
  zbar-tools       # zbarimg decodes the QR codes we render
  chromium         # browser tests (Playwright drives Debian's Chromium)
  fonts-noto-cjk   # so pages with Chinese text render glyphs, not boxes
  wrk              # load generator for loadtests/
  procps           # kill -TERM: the cluster tests stop a server process as Kubernetes stops a pod
  haproxy          # the load balancer in front of scripts/cluster.sh's servers
  socat            # scripts/cluster.sh talks to haproxy's runtime API (a server out of rotation while it restarts)
  nftables         # scripts/cluster.sh cut: a server's packets to Redis dropped (a partition drill)
  curl             # scripts/cluster.sh waits for each server's /health/ready
  jq               # loadtests/gate-latency/run.sh reads the API's answers
)
if [[ "${1:-}" == "--list" ]]; then printf '%s\n' "${packages[@]}"; exit 0; fi

# Not a Debian package: Debian 12's archive has no kubectl (bullseye's kubernetes-client, 1.20, is too old for the
# manifests' kustomize features). The development machines' image carries one; elsewhere, install it from
# https://pkgs.k8s.io before running tests/CityPass.Deployment.Tests.
if ! command -v kubectl >/dev/null 2>&1; then
  echo "install-deps: kubectl (1.27 or later) is not on PATH; tests/CityPass.Deployment.Tests will fail without it" >&2
fi

# npm packages the tests run, pinned by their committed lock files (Node.js and npm are on the machine image):
# the OpenAPI linters (Spectral, Redocly) of CityPass.Server.Tests' OpenApiContractTests, and axe-core, which
# CityPass.Pages.Tests' AccessibilityTests inject into each page.
root="$(cd "$(dirname "$0")/.." && pwd)"
npm_dirs=(tests/CityPass.Server.Tests/openapi tests/CityPass.Pages.Tests/axe)
for d in "${npm_dirs[@]}"; do
  if [[ ! -f "$root/$d/node_modules/.package-lock.json" ]]; then
    if command -v npm >/dev/null 2>&1; then
      echo "install-deps: npm ci in $d"
      (cd "$root/$d" && npm ci --no-audit --no-fund --loglevel=error)
    else
      echo "install-deps: npm is not on PATH; $d's tests will fail without it" >&2
    fi
  fi
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then exit 0; fi

echo "install-deps: installing ${missing[*]}"
sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts the packaged services; the tests start their own on other ports and need none of these.
for svc in redis-server postgresql haproxy; do
  if command -v systemctl >/dev/null 2>&1; then $sudo systemctl stop "$svc" >/dev/null 2>&1 || true; fi
  $sudo service "$svc" stop >/dev/null 2>&1 || true
done

#!/usr/bin/env bash
# Installs everything the tests need, then runs the whole suite (build, typecheck, lint,
# unit, property, end-to-end tests, and a smoke run of the benchmarks).
# This is the README's test command, and CI runs exactly this (.ci/run).
# Needs: Node >= 20.19 with npm. Installs Debian's `prometheus` (for promtool and the
# end-to-end tests) with apt-get when it is missing; that needs root or sudo.
set -euo pipefail
cd "$(dirname "$0")/.."

node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<19)) { console.error("rampart needs Node >= 20.19, found "+process.versions.node); process.exit(1) }'

if ! command -v promtool >/dev/null 2>&1 || ! command -v prometheus >/dev/null 2>&1; then
  echo "== installing Debian's prometheus package (prometheus + promtool) for the tests"
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "prometheus/promtool are missing and this user cannot apt-get install them; install the 'prometheus' package first" >&2
    exit 1
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi
# The Debian package starts a system Prometheus on :9090 where systemd runs; the tests start
# their own on free ports, so that one is neither needed nor in the way.

PNPM=(npx -y pnpm@10)
echo "== installing dependencies"
"${PNPM[@]}" install --frozen-lockfile

echo "== benchmark smoke run (must complete; timings are not judged here)"
"${PNPM[@]}" run bench --quick

echo "== tests"
"${PNPM[@]}" test

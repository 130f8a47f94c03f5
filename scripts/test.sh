#!/usr/bin/env bash
# Runs every test, unit and end-to-end, after making sure the prerequisites hold (Docker engine running,
# dependencies installed, code built, stack image present). Idempotent.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
source "$repo/scripts/prereqs.sh"
cd "$repo"
export PAAS_TEST_STACK_IMAGE=$PAAS_STACK_IMAGE

# The compose test runs the platform the way docker-compose users do, with the compose tool from apt.
if ! command -v docker-compose >/dev/null; then
  say "Installing docker-compose (for the compose test)"
  apt_install docker-compose
fi

say "Dependency rules"
node scripts/check-deps.mjs
if command -v systemd-analyze >/dev/null; then
  say "systemd units"
  systemd-analyze verify deploy/systemd/paas-router.socket deploy/systemd/paas-router.service deploy/systemd/paasd.service
fi
say "Unit and integration tests"
pnpm --silent test:unit
say "End-to-end tests (real CLI, control plane, router and Docker)"
pnpm --silent test:e2e

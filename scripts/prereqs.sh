#!/usr/bin/env bash
# Makes sure everything paas needs is installed, built and running, installing what is missing.
# Idempotent: a second run only checks. Sourced by up.sh and test.sh.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
say() { printf '\033[1m-----> %s\033[0m\n' "$*" >&2; }
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

apt_updated=
apt_install() {
  [[ -n $apt_updated ]] || { as_root apt-get update -qq >/dev/null; apt_updated=1; }
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# Docker engine: the CLI alone is not enough.
if ! command -v dockerd >/dev/null; then
  say "Installing the Docker engine (docker.io)"
  apt_install docker.io
fi
if ! docker info >/dev/null 2>&1; then
  say "Starting dockerd"
  if [[ -d /run/systemd/system ]]; then
    as_root systemctl start docker
  else
    as_root bash -c 'nohup dockerd >/var/log/paas-dockerd.log 2>&1 &'
  fi
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
  docker info >/dev/null 2>&1 || { echo "dockerd did not start; see /var/log/paas-dockerd.log" >&2; exit 1; }
fi

# The stack image is built from the host's apt mirror with debootstrap (there is no registry).
if ! command -v debootstrap >/dev/null; then
  say "Installing debootstrap"
  apt_install debootstrap
fi

if ! command -v pnpm >/dev/null || [[ $(pnpm --version | cut -d. -f1) != 10 ]]; then
  say "Installing pnpm 10"
  npm install -g pnpm@10 >/dev/null
fi

cd "$repo"
say "Installing dependencies"
pnpm install --frozen-lockfile --reporter=silent
say "Building"
pnpm --silent build

say "Checking the stack image (built on first run, about a minute)"
PAAS_STACK_IMAGE=$(pnpm --silent paasd stack:ensure)
export PAAS_STACK_IMAGE
say "Stack image $PAAS_STACK_IMAGE"

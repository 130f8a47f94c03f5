#!/usr/bin/env bash
# Brings up a running platform on this machine: prerequisites, then the control plane (paasd) and the
# router as two background processes. Idempotent: what already runs is left alone.
#
#   PAAS_DATA_DIR (default /var/lib/paas), PAAS_API_PORT (8070), PAAS_ROUTER_PORT (80), PAAS_DOMAIN (localhost)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
source "$repo/scripts/prereqs.sh"

export PAAS_DATA_DIR=${PAAS_DATA_DIR:-/var/lib/paas}
export PAAS_API_PORT=${PAAS_API_PORT:-8070}
export PAAS_ROUTER_PORT=${PAAS_ROUTER_PORT:-80}
export PAAS_DOMAIN=${PAAS_DOMAIN:-localhost}
export PAAS_API_URL=${PAAS_API_URL:-http://127.0.0.1:$PAAS_API_PORT}
logs=$PAAS_DATA_DIR/logs
mkdir -p "$logs"
chmod 700 "$PAAS_DATA_DIR"

api_up() { curl -fsS -o /dev/null --max-time 2 "$PAAS_API_URL/healthz" 2>/dev/null; }
router_up() { curl -sS -o /dev/null --max-time 2 "http://127.0.0.1:$PAAS_ROUTER_PORT/" 2>/dev/null; }

start() { # name, check, command...
  local name=$1 check=$2; shift 2
  if $check; then say "$name already running"; return; fi
  say "Starting $name (log: $logs/$name.log)"
  cd "$repo"
  setsid nohup "$@" >>"$logs/$name.log" 2>&1 </dev/null &
  echo $! >"$PAAS_DATA_DIR/$name.pid"
  for _ in $(seq 1 120); do $check && return; sleep 0.5; done
  echo "$name did not start; last lines of $logs/$name.log:" >&2
  tail -n 30 "$logs/$name.log" >&2
  exit 1
}

start paasd api_up node apps/paasd/dist/main.js
start router router_up node apps/router/dist/main.js

port_suffix=$([[ $PAAS_ROUTER_PORT == 80 ]] && echo "" || echo ":$PAAS_ROUTER_PORT")
cat <<INFO

paas is running.
  API:         $PAAS_API_URL
  Apps:        http://<app>.$PAAS_DOMAIN$port_suffix/
  Admin token: $PAAS_DATA_DIR/admin-token
  Logs:        $logs/

Log in and deploy:
  pnpm --silent paas login --api-url $PAAS_API_URL --token "\$(cat $PAAS_DATA_DIR/admin-token)"
  pnpm --silent paas apps:create myapp && pnpm --silent paas push
INFO

#!/usr/bin/env bash
# Installs paas on a bare VM as two systemd services (the alternative to docker-compose):
# prerequisites and build as for ./scripts/up.sh, then /opt/paas, /etc/paas/paas.env and the units.
#
#   sudo ./deploy/install-systemd.sh
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
[[ -d /run/systemd/system ]] || { echo "systemd is not running on this machine; use ./scripts/up.sh or docker-compose" >&2; exit 1; }
source "$repo/scripts/prereqs.sh"

say "Installing into /opt/paas"
mkdir -p /opt/paas
if [[ $repo != /opt/paas ]]; then
  tar -C "$repo" --exclude=.git -c . | tar -C /opt/paas -x
fi
mkdir -p /etc/paas
[[ -f /etc/paas/paas.env ]] || install -m 0600 "$repo/deploy/paas.env.example" /etc/paas/paas.env
install -m 0644 "$repo/deploy/systemd/paasd.service" "$repo/deploy/systemd/paas-router.service" "$repo/deploy/systemd/paas-router.socket" /etc/systemd/system/
systemctl daemon-reload
systemctl enable --now docker paas-router.socket paasd paas-router
say "paasd and paas-router are running: systemctl status paasd paas-router"
echo "Edit /etc/paas/paas.env (PAAS_DOMAIN, TLS port) and restart them; the admin token is in /var/lib/paas/admin-token."

#!/usr/bin/env bash
# Installs the `paas` CLI on this machine (a laptop or the server): one self-contained file bundled from
# this repository, plus bash completion. Needs Node 20+; nothing else from this repository at run time.
#
#   ./scripts/install-cli.sh            # into /usr/local (root) or ~/.local (others)
#   PREFIX=/opt/paas-cli ./scripts/install-cli.sh
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
if [[ -z ${PREFIX:-} ]]; then
  if [[ $(id -u) -eq 0 ]]; then PREFIX=/usr/local; else PREFIX=$HOME/.local; fi
fi

command -v pnpm >/dev/null || npm install -g pnpm@10 >/dev/null
cd "$repo"
pnpm install --frozen-lockfile --reporter=silent
pnpm --silent --filter paas-cli run bundle

install -d "$PREFIX/bin" "$PREFIX/share/bash-completion/completions"
install -m 0755 apps/cli/bundle/paas.mjs "$PREFIX/bin/paas"
"$PREFIX/bin/paas" completion bash >"$PREFIX/share/bash-completion/completions/paas"

echo "Installed $PREFIX/bin/paas ($("$PREFIX/bin/paas" --version)), with bash completion."
case ":$PATH:" in *":$PREFIX/bin:"*) ;; *) echo "Add $PREFIX/bin to your PATH." ;; esac
echo "zsh: add  source <(paas completion zsh)  to ~/.zshrc"
echo "Then: paas login --api-url http://YOUR-SERVER:8070 --token TOKEN"

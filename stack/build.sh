#!/usr/bin/env bash
# Builds the stack image without any container registry: a minimal Debian bookworm made by debootstrap
# from the host's apt mirror, plus the host's own Node.js (so dynos run the platform's Node major), an
# unprivileged `dyno` user, and the launcher. Imported with `docker import`.
#
#   stack/build.sh TAG
set -euo pipefail

tag=${1:?usage: build.sh TAG}
here=$(cd "$(dirname "$0")" && pwd)
suite=bookworm

mirror=${PAAS_STACK_MIRROR:-}
if [[ -z $mirror ]]; then
  # First Debian URI the host's apt uses (deb822 or one-line format).
  mirror=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v security | head -n1 || true)
  [[ -n $mirror ]] || mirror=$(grep -hs '^deb ' /etc/apt/sources.list | awk '{print $2}' | grep -v security | head -n1 || true)
  [[ -n $mirror ]] || mirror=http://deb.debian.org/debian
fi

command -v debootstrap >/dev/null || { echo "debootstrap is missing: apt-get install debootstrap" >&2; exit 1; }
node_bin=${PAAS_STACK_NODE:-$(command -v node)}
npm_dir=$(npm root -g)/npm
[[ -d $npm_dir ]] || { echo "npm not found at $npm_dir" >&2; exit 1; }

work=$(mktemp -d /var/tmp/paas-stack.XXXXXX)
trap 'rm -rf "$work"' EXIT
root=$work/rootfs

echo "-----> debootstrap $suite from $mirror"
debootstrap --variant=minbase \
  --include=bash,ca-certificates,python3,procps,netbase,libstdc++6,curl \
  "$suite" "$root" "$mirror" >"$work/debootstrap.log" 2>&1 || { tail -n 40 "$work/debootstrap.log" >&2; exit 1; }

echo "-----> Node.js $("$node_bin" --version) and npm from the host"
install -m 0755 "$node_bin" "$root/usr/local/bin/node"
mkdir -p "$root/usr/local/lib/node_modules"
cp -a "$npm_dir" "$root/usr/local/lib/node_modules/npm"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"

echo "-----> dyno user and launcher"
chroot "$root" groupadd --gid 1000 dyno
chroot "$root" useradd --uid 1000 --gid 1000 --home-dir /app --no-create-home --shell /bin/bash dyno
install -d -o 1000 -g 1000 -m 0755 "$root/app"
install -m 0755 "$here/files/paas-launch" "$root/usr/local/bin/paas-launch"

# Smaller image: package lists, docs and caches are of no use at run time.
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
  "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/var/log/*.log

echo "-----> docker import $tag"
tar -C "$root" --numeric-owner -c . | docker import \
  --change 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/bin:/usr/sbin:/bin:/sbin' \
  --change 'ENV HOME=/app' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'USER dyno' \
  --change 'WORKDIR /app' \
  --change 'LABEL paas.managed=1 paas.kind=stack' \
  --change 'CMD ["/bin/bash"]' \
  - "$tag" >/dev/null
echo "-----> stack image $tag ready"

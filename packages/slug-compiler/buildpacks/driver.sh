#!/usr/bin/env bash
# Runs inside the build container as the dyno user: applies Heroku's buildpack API to the app.
#   /app      BUILD_DIR (the source, becomes the slug)
#   /cache    CACHE_DIR, kept between builds of the app
#   /env      ENV_DIR, one file per config var
#   /out      results for the slug compiler: `buildpack` (the detected name), `release.yml` (bin/release
#             output) and, when the build fails, `failed` (the phase: detect, compile or release)
#   /buildpacks  the buildpacks and the `order` they are tried in
set -uo pipefail

build_dir=/app cache_dir=/cache env_dir=/env out_dir=/out buildpacks=/buildpacks

# A buildpack script that lost its executable bit (a checkout without file modes) still runs.
run() {
  local script=$1
  shift
  if [[ -x $script ]]; then "$script" "$@"; else bash "$script" "$@"; fi
}

failed() {
  rm -f "$out_dir/failed"
  printf '%s\n' "$1" >"$out_dir/failed"
  exit 1
}

echo "-----> Building on the ${STACK:-paas} stack"

selected='' name=''
while read -r bp; do
  [[ -z $bp || $bp == \#* ]] && continue
  [[ -f $buildpacks/$bp/bin/detect ]] || continue
  if detected=$(run "$buildpacks/$bp/bin/detect" "$build_dir"); then
    selected=$buildpacks/$bp
    name=$(printf '%s\n' "$detected" | head -n 1)
    name=${name:-$bp}
    break
  fi
done <"$buildpacks/order"

[[ -n $selected ]] || failed detect

rm -f "$out_dir/buildpack"
printf '%s\n' "$name" >"$out_dir/buildpack"
echo "-----> $name app detected"

# The build sees the same HOME as a dyno; buildpacks install into BUILD_DIR.
cd "$build_dir" || failed compile
run "$selected/bin/compile" "$build_dir" "$cache_dir" "$env_dir" || failed compile

rm -f "$out_dir/release.yml"
if [[ -f $selected/bin/release ]]; then
  run "$selected/bin/release" "$build_dir" >"$out_dir/release.yml" || failed release
fi
exit 0

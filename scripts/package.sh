#!/usr/bin/env bash
# Builds the Fastly Compute package (bin/main.wasm, pkg/ixora.tar.gz) with the Fastly CLI from npm.
# The CLI lives in .tools/fastly-cli (gitignored), installed once. The build needs no Fastly
# account and no network beyond the npm registry: metadata annotation (which may try to
# download wasm-tools) is off and -q skips the CLI's update check output.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

CLI_VERSION=16.1.0
cli_dir=.tools/fastly-cli
fastly="$cli_dir/node_modules/.bin/fastly"

if ! command -v npm >/dev/null 2>&1; then
  say "installing Node.js and npm (for the Fastly CLI)"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends nodejs npm
fi
if [ ! -x "$fastly" ] || ! "$fastly" version 2>/dev/null | grep -q "v$CLI_VERSION"; then
  say "installing the Fastly CLI $CLI_VERSION from npm into $cli_dir"
  mkdir -p "$cli_dir"
  npm install --prefix "$cli_dir" --no-audit --no-fund --loglevel=error "@fastly/cli@$CLI_VERSION"
fi

bash scripts/patch-rav1d.sh
bash scripts/patch-jpeg-decoder.sh
say "fastly compute build"
FASTLY_WASM_METADATA_DISABLE=true "$fastly" compute build --non-interactive --quiet --metadata-disable "$@"
test -s pkg/ixora.tar.gz
tar -tzf pkg/ixora.tar.gz | grep 'bin/main.wasm' >/dev/null
# Fastly refuses a package over 100 MB (docs.fastly.com/products/compute-resource-limits): the
# bundled fonts and the debug lines kept for profiling make it large, so the size is checked here.
limit=$((100 * 1000 * 1000))
size=$(stat -c %s pkg/ixora.tar.gz)
wasm=$(stat -c %s bin/main.wasm)
if [ "$size" -gt "$limit" ]; then
  echo "pkg/ixora.tar.gz is $size bytes: over Fastly's 100 MB package limit" >&2
  exit 1
fi
say "package: pkg/ixora.tar.gz ($size bytes, $((size * 100 / limit))% of Fastly's 100 MB; wasm $wasm bytes); CLI: $fastly"

#!/usr/bin/env bash
# `make bench`: installs the peers when missing, builds ixora (wasm + native) and local-origin,
# runs every case and writes docs/benchmarks.md from this run. See docs/benchmarks.md → Method.
#
# Environment: BENCH_RUNS (timed runs per cell, default 5, minimum 5 for the report),
# BENCH_QUICK=1 (one generated input, for trying the harness), BENCH_OUT (default docs/benchmarks.md),
# BENCH_NO_INSTALL=1 (never install peers; missing ones are reported as missing).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
root=$(pwd)
started=$(date +%s)

note() { echo "==> $*" >&2; }
notes=()

# ---- peers -------------------------------------------------------------------------------
if [ -z "${BENCH_NO_INSTALL:-}" ]; then
  if ! command -v vipsthumbnail >/dev/null; then
    note "installing libvips-tools (vipsthumbnail) with apt-get"
    if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libvips-tools; } >&2 \
        || notes+=("apt-get install libvips-tools failed")
    elif command -v apt-get >/dev/null && command -v sudo >/dev/null; then
      { sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libvips-tools; } >&2 \
        || notes+=("sudo apt-get install libvips-tools failed")
    else
      notes+=("no apt-get (or no root): vipsthumbnail not installed")
    fi
  fi
  if command -v npm >/dev/null; then
    if [ ! -d bench/node_modules/sharp ]; then
      note "installing sharp into bench/node_modules (npm)"
      (cd bench && npm install --no-audit --no-fund --loglevel=error >&2) || notes+=("npm install sharp failed")
    fi
  else
    notes+=("no npm: sharp not installed")
  fi
  if [ ! -x bench/.venv/bin/python ] || ! bench/.venv/bin/python -c 'import numpy, PIL, ssimulacra2' 2>/dev/null; then
    note "installing numpy, Pillow and ssimulacra2 into bench/.venv (pip)"
    { python3 -m venv bench/.venv && bench/.venv/bin/pip install -q -r bench/requirements.txt; } >&2 \
      || notes+=("pip install numpy Pillow failed: quality scores missing")
  fi
fi
py=python3
[ -x bench/.venv/bin/python ] && py=bench/.venv/bin/python

# ---- builds ------------------------------------------------------------------------------
note "building ixora (wasm32-wasip1 + native CLI) and local-origin, release"
build_start=$(date +%s)
bash scripts/patch-rav1d.sh
bash scripts/patch-jpeg-decoder.sh
rustup target list --installed 2>/dev/null | grep -qx wasm32-wasip1 || rustup target add wasm32-wasip1 >&2
command -v viceroy >/dev/null || cargo install --locked viceroy >&2
cargo build --release --bin ixora --target wasm32-wasip1 >&2
cargo build --release --bin ixora -p ixora >&2
cargo build --release -p local-origin >&2
build_secs=$(( $(date +%s) - build_start ))

# ---- run ---------------------------------------------------------------------------------
# Pixel-operation costs first: bench.py appends bench/ops.md to the report.
if [ -z "${BENCH_QUICK:-}" ]; then
  note "measuring pixel-operation costs (bench/ops.py)"
  "$py" bench/ops.py >&2 || notes+=("bench/ops.py failed: the pixel-operation table is from an earlier run")
  note "measuring the resize filters (bench/filters.py)"
  "$py" bench/filters.py >&2 || notes+=("bench/filters.py failed: the resize-filter table is from an earlier run")
fi
note "running the benchmark (bench/bench.py)"
printf '%s\n' "${notes[@]+"${notes[@]}"}" > "${TMPDIR:-/tmp}/ixora-bench-notes.$$"
BENCH_NOTES_FILE="${TMPDIR:-/tmp}/ixora-bench-notes.$$" BENCH_BUILD_SECS="$build_secs" BENCH_STARTED="$started" \
  "$py" bench/bench.py "$@"
rm -f "${TMPDIR:-/tmp}/ixora-bench-notes.$$"
note "done in $(( $(date +%s) - started )) s"

#!/usr/bin/env bash
# Installs what ixora needs and is missing: the C toolchain for libwebp (clang, lld, wasi-libc),
# the wasm32-wasip1 target and Viceroy.
# Safe to run again: every step checks first.
set -euo pipefail
export PATH="$HOME/.cargo/bin:$PATH"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

if ! command -v cargo >/dev/null 2>&1; then
  echo "cargo is missing: install Rust with rustup (https://rustup.rs), then run this again." >&2
  exit 1
fi

# rav1d with the #1497 fix, which Cargo.toml's [patch.crates-io] points at (no cargo command in
# this workspace works before it exists).
bash "$(dirname "$0")/patch-rav1d.sh"
# jpeg-decoder with compact progressive coefficients, likewise.
bash "$(dirname "$0")/patch-jpeg-decoder.sh"

# libwebp (lossy WebP) is C, compiled by the `cc` crate natively and for wasm32-wasip1.
# .cargo/config.toml points the wasm build at clang and the wasi-libc headers; libsimde-dev
# (header-only SIMDe, MIT) lets libwebp's SSE2 code compile to wasm simd128 (scripts/simde-shim).
# libvips-tools and imagemagick are the references the pixel-operation tests compare against;
# chromium is the independent renderer the text test compares ixora's glyphs with.
apt_packages=(clang lld llvm wasi-libc libclang-rt-14-dev-wasm32 libsimde-dev libvips-tools imagemagick chromium)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    say "installing ${missing[*]} (C toolchain for libwebp)"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"
  else
    echo "missing ${missing[*]}: install clang, lld and wasi-libc for your OS, then run this again." >&2
    exit 1
  fi
fi

if command -v rustup >/dev/null 2>&1; then
  if ! rustup target list --installed | grep -qx wasm32-wasip1; then
    say "adding the wasm32-wasip1 Rust target"
    rustup target add wasm32-wasip1
  fi
fi

if ! command -v viceroy >/dev/null 2>&1; then
  say "installing Viceroy, Fastly's local Compute runtime (a one-time build of several minutes)"
  cargo install --locked viceroy
fi

# The real imgix client (Python package `imgix`, BSD-2) signs URLs in the end-to-end tests.
# It goes into .cache/python (gitignored), so no system Python is modified.
root="$(cd "$(dirname "$0")/.." && pwd)"
if ! PYTHONPATH="$root/.cache/python" python3 -c 'import imgix' >/dev/null 2>&1; then
  if ! command -v python3 >/dev/null 2>&1 || ! python3 -m pip --version >/dev/null 2>&1; then
    say "installing python3 and pip (for the imgix client used by the tests)"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends python3 python3-pip
  fi
  say "installing the imgix Python client into .cache/python"
  python3 -m pip install --quiet --disable-pip-version-check --target "$root/.cache/python" 'imgix==4.0.0'
fi

# Pillow decodes outputs independently in the end-to-end format tests (they skip it when absent).
if command -v python3 >/dev/null 2>&1 && ! python3 -c 'import PIL' >/dev/null 2>&1; then
  say "installing Pillow for the format tests"
  python3 -m pip install --quiet pillow || echo "Pillow could not be installed; format tests use ixora's own decoders" >&2
fi

#!/usr/bin/env bash
# Installs what ixora needs and is missing: the wasm32-wasip1 target and Viceroy.
# Safe to run again: every step checks first.
set -euo pipefail
export PATH="$HOME/.cargo/bin:$PATH"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

if ! command -v cargo >/dev/null 2>&1; then
  echo "cargo is missing: install Rust with rustup (https://rustup.rs), then run this again." >&2
  exit 1
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

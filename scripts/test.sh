#!/usr/bin/env bash
# Every test: native unit and integration tests, then end-to-end tests against Viceroy.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
bash scripts/setup.sh

echo "==> building the edge wasm and local-origin (release)" >&2
cargo build --release --bin ixora --target wasm32-wasip1
cargo build --release -p local-origin

# The deploy package, exactly as an operator builds it (docs/operations.md): `fastly compute build`.
bash scripts/package.sh

echo "==> tests" >&2
IXORA_E2E_NO_BUILD=1 cargo test --workspace "$@"

#!/usr/bin/env bash
# Builds ixora, starts local-origin and Viceroy, prints URLs to try. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
bash scripts/setup.sh

EDGE_ADDR="${EDGE_ADDR:-127.0.0.1:7676}"
ORIGIN_PORT="${ORIGIN_PORT:-7677}"

echo "==> building the edge wasm and local-origin (release)" >&2
cargo build --release --bin ixora --target wasm32-wasip1
cargo build --release -p local-origin

pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

origin_args=(--port "$ORIGIN_PORT")
[ -n "${ORIGIN_DIR:-}" ] && origin_args+=(--dir "$ORIGIN_DIR")
target/release/local-origin "${origin_args[@]}" &
pids+=($!)
viceroy serve -C fastly.toml --addr "$EDGE_ADDR" target/wasm32-wasip1/release/ixora.wasm &
pids+=($!)

for _ in $(seq 1 600); do
  if (exec 3<>"/dev/tcp/${EDGE_ADDR%:*}/${EDGE_ADDR#*:}") 2>/dev/null; then break; fi
  sleep 0.2
done

base="http://$EDGE_ADDR"
cat <<MSG

ixora is serving on $base (originals from local-origin on 127.0.0.1:$ORIGIN_PORT). Try:
  $base/photo.jpg?w=800&fm=webp
  $base/photo.jpg?w=400&h=400&fit=crop&crop=top
  $base/exif-6.jpg?w=300
  $base/alpha.png?w=300&fit=fill&h=300&fill-color=skyblue&fm=png
  $base/photo.jpg?w=600&auto=format,compress
  curl -s -D - -o /dev/null '$base/photo.jpg?w=800&fm=webp'
Ctrl-C stops both servers.

MSG
wait -n "${pids[@]}"

#!/usr/bin/env bash
# rav1d 1.1.0 (the AV1 decoder behind AVIF input) aborts the process when a frame fails to decode
# with a single frame context, which is how ixora runs it: its error path unwraps a frame header
# that the decoder has already released (upstream memorysafety/rav1d issue #1497). In wasm an
# abort is a trap, so a corrupt AVIF would answer 500 instead of 422.
#
# Until a fixed release is on crates.io, Cargo.toml's [patch.crates-io] builds against a copy of
# the published 1.1.0 crate (checksum-verified) with that one check made to tolerate the missing
# header. The copy lives in .cache/ (gitignored); this script makes it, and is safe to run again.
# Remove it and the [patch] entry once rav1d > 1.1.0 fixes #1497.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version=1.1.0
sha256=1932f060d5e7bd49dc9f8b272c1dc5e9ce0ffe141c28be900265d3989b36c9ed
dest="$root/.cache/crates/rav1d-$version"
marker="$dest/.ixora-patched"

[ -f "$marker" ] && exit 0

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
. "$root/scripts/crate-source.sh"
crate_source rav1d "$version" "$sha256" "$tmp"
src="$tmp/rav1d-$version/src/decode.rs"
# The error path may run after the frame header was taken: treat "no header" as "no refresh".
before='if f.frame_hdr.as_ref().unwrap().refresh_context != 0 {'
after='if f.frame_hdr.as_ref().is_some_and(|hdr| hdr.refresh_context != 0) {'
[ "$(grep -cF "$before" "$src")" = 1 ] || { echo "patch-rav1d: expected line not found in $src" >&2; exit 1; }
sed -i "s/$(printf '%s' "$before" | sed 's/[][\.*^$/]/\\&/g')/$(printf '%s' "$after" | sed 's/[\&/|]/\\&/g')/" "$src"
grep -qF "$after" "$src" || { echo "patch-rav1d: the fix did not apply" >&2; exit 1; }
# A path dependency's warnings are not capped as a registry crate's are; keep builds quiet.
sed -i '1i #![allow(warnings)]' "$tmp/rav1d-$version/lib.rs"
touch "$tmp/rav1d-$version/.ixora-patched"

mkdir -p "$(dirname "$dest")"
rm -rf "$dest"
mv "$tmp/rav1d-$version" "$dest"
echo "==> rav1d $version patched for #1497 in .cache/crates" >&2

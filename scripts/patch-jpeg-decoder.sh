#!/usr/bin/env bash
# jpeg-decoder 0.3.2 keeps every coefficient of a progressive JPEG at full resolution (64 i16 a
# block) until the last scan, even when the output is decoded at 1/2, 1/4 or 1/8 scale: a 19 MP
# progressive 4:4:4 photo needs ~109 MB, over the decoder budget, and answered 413.
# scripts/jpeg-decoder-compact.patch keeps only the coefficients the scaled IDCT reads, plus one
# bit per position for refinement scans. Cargo.toml's [patch.crates-io] builds against the
# published crate (checksum-verified) with that patch, in .cache/ (gitignored); this script makes
# the copy and is safe to run again.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version=0.3.2
sha256=00810f1d8b74be64b13dbf3db89ac67740615d6c891f0e7b6179326533011a07
patch_file="$root/scripts/jpeg-decoder-compact.patch"
dest="$root/.cache/crates/jpeg-decoder-$version"
stamp="$(sha256sum "$patch_file" | cut -c1-16)"
marker="$dest/.ixora-patched-$stamp"

[ -f "$marker" ] && exit 0

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
. "$root/scripts/crate-source.sh"
crate_source jpeg-decoder "$version" "$sha256" "$tmp"
(cd "$tmp/jpeg-decoder-$version" && git apply -p1 "$patch_file") \
  || { echo "patch-jpeg-decoder: $patch_file does not apply" >&2; exit 1; }
# A path dependency's warnings are not capped as a registry crate's are; keep builds quiet.
sed -i '1i #![allow(warnings)]' "$tmp/jpeg-decoder-$version/src/lib.rs"
touch "$tmp/jpeg-decoder-$version/.ixora-patched-$stamp"

mkdir -p "$(dirname "$dest")"
rm -rf "$dest"
mv "$tmp/jpeg-decoder-$version" "$dest"
echo "==> jpeg-decoder $version patched (compact progressive coefficients) in .cache/crates" >&2

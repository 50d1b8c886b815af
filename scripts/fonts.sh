#!/usr/bin/env bash
# Rebuilds fonts/ (committed, so a build needs none of this) from the packages the faces come
# from: Debian's font packages and npm's @fontsource/noto-emoji. Files are copied unmodified,
# except Noto Emoji, whose WOFF is unwrapped to plain sfnt (same tables, no recompile).
# Each family's licence (the package's copyright file or LICENSE) sits beside its faces.
set -euo pipefail
cd "$(dirname "$0")/.."
out=fonts
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
debs=(fonts-liberation2 fonts-dejavu-core fonts-noto-core fonts-droid-fallback fonts-comic-neue)
(cd "$work" && apt-get download "${debs[@]}" >/dev/null)
for d in "$work"/*.deb; do dpkg-deb -x "$d" "$work/x"; done
x="$work/x/usr/share"
copy() { # dir licence files...
  local dir=$1 licence=$2; shift 2
  mkdir -p "$out/$dir"
  cp "$licence" "$out/$dir/LICENSE"
  for f in "$@"; do cp "$f" "$out/$dir/"; done
}
copy liberation "$x/doc/fonts-liberation2/copyright" "$x"/fonts/truetype/liberation2/Liberation{Sans,Serif,Mono}-{Regular,Bold,Italic,BoldItalic}.ttf
copy dejavu "$x/doc/fonts-dejavu-core/copyright" "$x"/fonts/truetype/dejavu/DejaVuSans{,-Bold}.ttf
noto=()
for s in Arabic Hebrew Devanagari Thai Armenian Georgian Bengali Tamil; do
  noto+=("$x/fonts/truetype/noto/NotoSans$s-Regular.ttf" "$x/fonts/truetype/noto/NotoSans$s-Bold.ttf")
done
copy noto "$x/doc/fonts-noto-core/copyright" "${noto[@]}"
copy droid "$x/doc/fonts-droid-fallback/copyright" "$x/fonts-droid-fallback/truetype/DroidSansFallback.ttf"
copy comic-neue "$x/doc/fonts-comic-neue/copyright" "$x"/fonts/opentype/comic-neue/ComicNeue-{Regular,Bold,Italic,BoldItalic}.otf
(cd "$work" && npm pack --silent @fontsource/noto-emoji@5.3.2 >/dev/null && tar xzf fontsource-noto-emoji-*.tgz)
mkdir -p "$out/noto-emoji"
cp "$work/package/LICENSE" "$out/noto-emoji/LICENSE"
python3 -m pip install --quiet fonttools >/dev/null 2>&1 || true
python3 - "$work/package/files/noto-emoji-emoji-400-normal.woff" "$out/noto-emoji/NotoEmoji-Regular.ttf" <<'PY'
# fontsource's "emoji" subset is the whole font (its numbered subsets are slices of it).
import sys
from fontTools.ttLib import TTFont
font = TTFont(sys.argv[1])
font.flavor = None
font.save(sys.argv[2])
PY
du -sh "$out"

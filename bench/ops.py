#!/usr/bin/env python3
"""Cost of each pixel operation in ixora's wasm (Viceroy), on the 2 MP generated photo.

For every operation: the median `transform` time from Server-Timing over RUNS requests of
`/photo-2mp.jpg?fm=png&<op>` (no resize, so the operation runs on all 2.2 MP), minus the median of
the same request without the operation. Writes bench/ops.md, which `make bench` appends to
docs/benchmarks.md. Expects the release wasm and local-origin to be built (bench/run.sh does it).
"""

import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench as b  # noqa: E402  (the harness: Edge, paths)

# BENCH_WASM measures another build (e.g. a saved copy of main's) under the same conditions.
if os.environ.get("BENCH_WASM"):
    b.WASM = Path(os.environ["BENCH_WASM"])

OPS = [
    ("bri=30", "tone curve (one lookup table: bri, con, exp, gam, high, shad, invert)"),
    ("con=30&exp=20&gam=20&high=-30&shad=30", "all tone terms at once (same table)"),
    ("sat=40", "saturation"),
    ("vib=40", "vibrance"),
    ("hue=90", "hue rotation (HSL)"),
    ("sharp=50", "luminance sharpening (unsharp, sigma 1)"),
    ("usm=50&usmrad=3", "unsharp mask, sigma 3"),
    ("nr=40&nrs=40", "noise reduction"),
    ("blur=4", "Gaussian blur, sigma 2 (exact kernel)"),
    ("blur=40", "Gaussian blur, sigma 20 (three box passes)"),
    ("blur=2000", "Gaussian blur, sigma 1000 (three box passes)"),
    ("sepia=80", "sepia"),
    ("mono=ff8000", "monochrome"),
    ("duotone=000080,ffcc00", "duotone"),
    ("px=12", "pixelate"),
    ("htn=8", "halftone"),
    ("auto=enhance", "automatic levels"),
    ("rot=10", "rotate 10 degrees (straighten)"),
    ("mask=ellipse", "ellipse mask"),
    ("border=20,000000&border-radius=40", "border with rounded corners"),
    ("w=900&h=900&fit=crop&crop=entropy", "entropy crop (plus the resize it needs)"),
    ("w=900&h=900&fit=crop", "centre crop, for comparison with the entropy crop"),
]
RUNS = 5


def median_transform(edge, query):
    values = []
    for i in range(RUNS + 1):
        r = edge.run("photo-2mp.jpg", query, Path(tempfile.gettempdir()) / "ixora-ops.png")
        if "error" in r:
            return None, r["error"]
        if i:  # the first run warms up
            values.append(r["transform"])
    return statistics.median(values), None


def main():
    # `bench/ops.py WORD...` measures only the operations whose parameters contain a WORD and
    # prints them, leaving bench/ops.md alone (for trying a change).
    only = sys.argv[1:]
    ops = [op for op in OPS if not only or any(w in op[0] for w in only)]
    with tempfile.TemporaryDirectory() as tmp:
        edge = b.Edge(tmp)
        try:
            base, err = median_transform(edge, "fm=png")
            if err:
                sys.exit(f"baseline failed: {err}")
            rows = []
            for query, what in ops:
                t, err = median_transform(edge, f"fm=png&{query}")
                rows.append((query, what, t, err))
                b.log(f"ops {query}: {t}")
        finally:
            edge.close()
    lines = [
        "## Pixel operation costs (issue 5)",
        "",
        "`bench/ops.py`: ixora's wasm in Viceroy, `photo-2mp.jpg` (1800x1200) at full size as PNG;",
        f"median `transform` over {RUNS} runs after a warm-up, minus the median without the operation",
        f"({base:.1f} ms: with no operation and no resize nothing is transformed). Same machine and caveats as above.",
        "",
        "| parameters | operation | transform ms | cost ms | within 50 ms? |",
        "|---|---|---:|---:|---|",
    ]
    for query, what, t, err in rows:
        if err:
            lines.append(f"| `{query}` | {what} | error: {err[:80]} | | |")
        else:
            lines.append(f"| `{query}` | {what} | {t:.1f} | {t - base:.1f} | {'yes' if t - base <= 50 else 'no'} |")
    lines += [
        "",
        "Operations marked \"no\" are scalar f32 code today (a pass per channel, no SIMD) and are the",
        "next speed work. `trim` is not listed: its cost is the full-size decode it needs. On the usual",
        "800 px outputs (0.5 MP) each operation costs about a quarter of these figures.",
    ]
    if only:
        print("\n".join(lines[6:-5]))
        return
    (b.BENCH / "ops.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

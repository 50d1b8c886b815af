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
    ("w=900&h=900&fit=crop&crop=faces", "face detection (480 px analysis; no face here, so the centre crop) plus the resize (timed with the load)"),
    ("auto=redeye", "face detection plus red-eye removal in the faces found (timed with the load)"),
    ("border=20,000000&border-stroke-size=4&border-stroke-color=ff0000", "border with an outline stroke"),
    ("mask=/alpha.png", "image mask fetched from the origin (800x600 PNG, stretched)"),
    # Layers (issue 15).
    ("mark=/mark.png&mark-scale=25", "watermark fetched, scaled to a quarter of the width, drawn bottom right"),
    ("mark=/mark.png&mark-w=40&mark-tile=grid", "watermark 40 px wide tiled over the whole image (~900 copies)"),
    ("mark=/mark.png&mark-scale=25&mark-rot=30&mark-gradient=ff0000ff,00000000&mark-drop-shadow=4", "watermark turned 30 degrees with its own gradient and shadow"),
    ("blend=2050C0&blend-mode=multiply", "colour blend, multiply"),
    ("blend=/alpha.png&blend-size=inherit&blend-mode=overlay", "image blend stretched over the image, overlay (separable mode)"),
    ("blend=/alpha.png&blend-size=inherit&blend-mode=hue", "image blend stretched over the image, hue (non-separable mode)"),
    ("append=/mark.png&append-side=bottom", "append the watermark below (canvas grows)"),
    ("gradient=00000000,cc000000", "linear gradient scrim (sRGB)"),
    ("gradient=00000000,00000000,bb000000&gradient-type=radial&gradient-cs=oklch", "radial vignette mixed in OKLCh"),
    ("fade=0.2", "fade all four edges to transparent"),
    ("drop-shadow=10", "flat drop shadow, sigma 10 (canvas grows 30 px a side)"),
    ("drop-shadow=10&drop-shadow-type=inset", "inset shadow"),
    ("drop-shadow=10&drop-shadow-type=float", "float shadow (oval pool)"),
    ("drop-shadow=4&drop-shadow-type=cast", "cast shadow of the whole opaque picture (default light, softness 50)"),
    ("face-blur=50", "face detection plus blurring the faces found (none in this photo: detection only; timed with the load)"),
    ("face-pixel=50", "face detection plus pixelating the faces found (detection only here; timed with the load)"),
    # Text (issue 16).
    ("txt=Golden%20hour%2C%201987&txt-font=Helvetica%2Cbold&txt-size=48&txt-color=fff&txt-bg=99000000&txt-pad=12&txt-radius=8&txt-align=bottom%2Cleft", "text: a 48 px bold caption on a rounded translucent box"),
    ("txt=Golden%20hour&txt-size=64&txt-color=fff&txt-shad=6", "text: 64 px with a soft halo (blurred outline)"),
    ("txt=Outlined&txt-font=Georgia%2Citalic&txt-size=160&txt-color=ffd54f&txt-line=4&txt-line-color=222", "text: 160 px serif italic with a 4 px outline"),
    (f"txt={'The%20quick%20brown%20fox%20jumps%20over%20the%20lazy%20dog.%20' * 8}&txt-size=32&txt-fit=wrap&txt-width=1000&txt-align=middle%2Ccenter", "text: 360 characters wrapped into 1000 px lines at 32 px"),
    ("txt=%D9%85%D8%B1%D8%AD%D8%A8%D8%A7%20%D7%A9%D7%9C%D7%95%D7%9D%20%E0%A4%A8%E0%A4%AE%E0%A4%B8%E0%A5%8D%E0%A4%A4%E0%A5%87%20%CE%9A%CE%B1%CE%BB%CE%B7%CE%BC%CE%AD%CF%81%CE%B1%20%E4%BD%A0%E5%A5%BD&txt-size=56&txt-color=fff&txt-shad=4&txt-align=middle%2Ccenter", "text: Arabic, Hebrew, Devanagari, Greek and CJK at 56 px with a halo (five faces)"),
    ("txt=CUT%20OUT&txt-size=200&txt-font=Arial%2Cbold&txt-blend-mode=destination-out&txt-align=middle%2Ccenter", "text: 200 px cut out of the picture (destination-out)"),
    ("mark=%2F~text%3Ftxt%3D%E2%82%AC%2019%2C99%26txt-size%3D48%26txt-color%3Dfff%26txt-bg%3Dd32f2f%26txt-pad%3D12%26txt-width%3D260&mark-align=top%2Cright", "text: a price tag from /~text drawn as a mark (typeset, fetched back, drawn)"),
]
# /~text alone: the whole request is the text (no photo), so these are timed whole.
TYPESET = [
    ("txt=Hello%2C%20world&txt-size=32", "a 200 px wide line at 32 px (the default width)"),
    (f"txt={'The%20quick%20brown%20fox%20jumps%20over%20the%20lazy%20dog.%20' * 8}&txt-size=24&txt-width=800", "360 characters wrapped into an 800 px wide picture at 24 px"),
    ("txt=Sale&txt-size=400&txt-width=1200&txt-color=fff&txt-bg=d32f2f&txt-pad=40&txt-radius=40", "400 px on a 1200 px red box"),
]
RUNS = 5


def viceroy_cpu_ms(edge):
    """CPU time Viceroy's threads have run so far (Linux schedstat, nanoseconds → ms)."""
    pid = edge.procs[1].pid
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                total += int(f.read().split()[0])
        except OSError:  # a thread that just ended
            pass
    return total / 1e6


def median_transform(edge, query, with_load=False, name="photo-2mp.jpg", whole=False):
    """Medians of the `transform` time (wall clock, from Server-Timing) and of the CPU time it
    stands for. On a shared machine the wall clock includes waiting for a core; Viceroy's CPU
    time over the request divided by the request's wall time (`total` − `fetch`) says how much of
    it was running, and the transform's share of CPU is its wall time scaled by that ratio."""
    values, cpu = [], []
    for i in range(RUNS + 1):
        before = viceroy_cpu_ms(edge)
        r = edge.run(name, query, Path(tempfile.gettempdir()) / "ixora-ops.png")
        if "error" in r:
            return None, None, r["error"]
        if i:  # the first run warms up
            # Face detection runs while the picture is loaded: those operations count the load too
            # (and so does the baseline they are compared with).
            t = r["ms"] if whole else r["transform"] + ((r["decode"] or 0.0) if with_load else 0.0)
            values.append(t)
            cpu.append(t * (viceroy_cpu_ms(edge) - before) / max(r["ms"], 1e-3))
    return statistics.median(values), statistics.median(cpu), None


def main():
    # `bench/ops.py WORD...` measures only the operations whose parameters contain a WORD and
    # prints them, leaving bench/ops.md alone (for trying a change).
    only = sys.argv[1:]
    ops = [op for op in OPS if not only or any(w in op[0] for w in only)]
    with tempfile.TemporaryDirectory() as tmp:
        edge = b.Edge(tmp)
        try:
            base, base_cpu, err = median_transform(edge, "fm=png")
            if err:
                sys.exit(f"baseline failed: {err}")
            load_base, load_base_cpu, _ = median_transform(edge, "fm=png", with_load=True)
            rows = []
            for query, what in ops:
                with_load = "timed with the load" in what
                t, cpu, err = median_transform(edge, f"fm=png&{query}", with_load)
                if not err and with_load:
                    # Reported against the baseline below, which does not count the load.
                    t, cpu = t - load_base + base, cpu - load_base_cpu + base_cpu
                rows.append((query, what, t, cpu, err))
                b.log(f"ops {query}: {t} ms, CPU {cpu} ms")
            typeset = []
            for query, what in TYPESET if not only or any(w in "~text" for w in only) else []:
                t, cpu, err = median_transform(edge, f"fm=png&{query}", name="~text", whole=True)
                typeset.append((query, what, t, cpu, err))
                b.log(f"~text {query}: {t} ms, CPU {cpu} ms")
        finally:
            edge.close()
    load = "/".join(f"{v:.1f}" for v in os.getloadavg())
    lines = [
        "## Pixel operation costs (issues 5, 15 and 16)",
        "",
        "`bench/ops.py`: ixora's wasm in Viceroy, `photo-2mp.jpg` (1800x1200) at full size as PNG;",
        f"medians over {RUNS} runs after a warm-up. \"transform ms\" is the `transform` time from",
        f"Server-Timing (wall clock; {base:.1f} ms without an operation, as nothing is transformed).",
        "On a busy machine the wall clock includes waiting for a core, so \"CPU ms\" scales it by the",
        "share of the request Viceroy's threads spent running (their CPU time, from Linux schedstat,",
        "over the request's wall time); \"within 50 ms?\" is judged on that. Load average (1/5/15 min)",
        f"when the run ended: {load}.",
        "",
        "| parameters | operation | transform ms | CPU ms | within 50 ms? |",
        "|---|---|---:|---:|---|",
    ]
    for query, what, t, cpu, err in rows:
        if err:
            lines.append(f"| `{query}` | {what} | error: {err[:80]} | | |")
        else:
            lines.append(f"| `{query}` | {what} | {t - base:.1f} | {cpu - base_cpu:.1f} | {'yes' if cpu - base_cpu <= 50 else 'no'} |")
    lines += [
        "",
        "How they run (`src/ops/`): blur, sharpening and noise reduction are separable f32 passes in",
        "wasm SIMD (`ops::simd`, simd128 with a bit-identical scalar fallback) — an exact kernel below",
        "sigma 3, three running-sum box passes above, on whole rows, 64-column strips and transposed",
        "16-row strips — with one rounding to 8 bits between the directions; `sharp` blurs luma only,",
        "and `usm`/`nr` combine with the original row by row instead of cloning the image. Hue,",
        "saturation and vibrance need no HSL round trip (a hue turn keeps max and min); rotation",
        "interpolates in fixed point with incremental coordinates; rounded corners get coverage only",
        "in their corner squares. `trim` is not listed: its cost is the full-size decode it needs. On",
        "the usual 800 px outputs (0.5 MP) each operation costs about a quarter of these figures.",
        "Text rows are the layer's whole cost (layout, shaping, coverage, compositing), which",
        "depends on the text's size rather than the photo's.",
        "",
        "### `/~text` (issue 16)",
        "",
        "The typesetting endpoint alone, as PNG: the request's whole time (`total` − `fetch` from",
        "Server-Timing, wall clock) and the CPU it stands for, as above.",
        "",
        "| parameters | picture | ms | CPU ms | within 50 ms? |",
        "|---|---|---:|---:|---|",
    ]
    for query, what, t, cpu, err in typeset:
        if err:
            lines.append(f"| `{query}` | {what} | error: {err[:80]} | | |")
        else:
            lines.append(f"| `{query}` | {what} | {t:.1f} | {cpu:.1f} | {'yes' if cpu <= 50 else 'no'} |")
    if only:
        print("\n".join(line for line in lines if line.startswith("|")))
        return
    (b.BENCH / "ops.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

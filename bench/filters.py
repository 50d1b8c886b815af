#!/usr/bin/env python3
"""Which `resize-filter` should be ixora's default? Speed and SSIMULACRA2 of each filter.

For each JPEG photo in ../shared/bench and a 2 MP version of it (made at run time with Pillow's
Lanczos in a temporary folder, never kept), ixora's wasm in Viceroy renders
`/<name>?w=<W>&fm=png&resize-filter=<f>` for W in 800, 1600 and the filters below. Lossless PNG,
so only the resize differs between filters. Speed: medians over RUNS rounds (after a warm-up
round; the filters' order rotates each round) of Server-Timing's `transform` and of the CPU time
it stands for (Viceroy's schedstat, as bench/ops.py). Quality: SSIMULACRA2 (PyPI `ssimulacra2`)
of each output against (a) a linear-light area-average (box) downscale of the full-resolution
decode, computed here with numpy, and (b) vipsthumbnail's Lanczos3, when installed.
Writes bench/filters.md, which `make bench` appends to docs/benchmarks.md.

Environment: BENCH_WASM (another wasm build, see bench/ops.py), BENCH_PHOTOS (the photo folder,
default ../shared/bench), BENCH_RUNS (timed rounds, default 5).
"""

import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench as b  # noqa: E402  (the harness: Edge, paths, load, busy_processes)
import ops  # noqa: E402  (viceroy_cpu_ms; importing it also applies BENCH_WASM to b.WASM)

FILTERS = ["lanczos2", "lanczos3", "bicubic", "mitchell", "bilinear"]
WIDTHS = [800, 1600]
RUNS = b.RUNS
TWO_MP = 2_000_000
# A difference below this many SSIMULACRA2 points is taken as no difference (the metric's own
# scale puts ~10 points between quality bands: 90 very high, 80 high, 70 medium, 50 low).
POINTS = 1.0


# ---- references ---------------------------------------------------------------------------


def srgb_to_linear(a):
    a = a / 255.0
    return np.where(a <= 0.04045, a / 12.92, ((a + 0.055) / 1.055) ** 2.4)


def linear_to_srgb8(a):
    a = np.clip(a, 0.0, 1.0)
    s = np.where(a <= 0.0031308, a * 12.92, 1.055 * np.power(a, 1 / 2.4) - 0.055)
    return np.clip(np.rint(s * 255.0), 0, 255).astype(np.uint8)


def area_weights(n_in, n_out):
    """Sparse n_out x n_in matrix: each output pixel's exact share of every input pixel it covers."""
    scale = n_in / n_out
    rows, cols, vals = [], [], []
    for i in range(n_out):
        lo, hi = i * scale, (i + 1) * scale
        for j in range(int(math.floor(lo)), min(int(math.ceil(hi)), n_in)):
            w = min(hi, j + 1) - max(lo, j)
            if w > 1e-12:
                rows.append(i)
                cols.append(j)
                vals.append(w / scale)
    return sparse.csr_matrix((vals, (rows, cols)), shape=(n_out, n_in), dtype=np.float32)


def box_reference(linear, w, h, out):
    """Linear-light area average of the whole image to w x h, written as 8-bit sRGB PNG."""
    H, W, _ = linear.shape
    wy, wx = area_weights(H, h), area_weights(W, w)
    res = np.empty((h, w, 3), dtype=np.float32)
    for c in range(3):
        t = wy @ linear[:, :, c]  # h x W
        res[:, :, c] = (wx @ t.T).T
    Image.fromarray(linear_to_srgb8(res)).save(out)


def vips_reference(src, w, h, out):
    """vipsthumbnail (Lanczos3, its own shrink-on-load) to exactly w x h; None when missing."""
    exe = shutil.which("vipsthumbnail")
    if not exe:
        return None
    # -o must be absolute: a bare name is written next to the input.
    p = subprocess.run([exe, str(src), "-s", f"{w}x{h}!", "-o", f"{out.resolve()}[strip]"],
                       capture_output=True, text=True, env=dict(os.environ, VIPS_CONCURRENCY="1"))
    if p.returncode != 0 or not out.exists():
        b.log(f"vipsthumbnail failed: {p.stderr.strip()[-200:]}")
        return None
    return out


# ---- measuring ----------------------------------------------------------------------------


def jpeg_decode_width(width, height, target_w):
    """The width ixora's JPEG decoder hands the resizer (src/codec/jpeg.rs choose_scale: the
    smallest of 1/8, 2/8, 4/8, 8/8 at least the output size)."""
    target_h = round(height * target_w / width)
    for s in (1, 2, 4, 8):
        if -(-width * s // 8) >= target_w and -(-height * s // 8) >= target_h:
            return -(-width * s // 8)
    return width


def measure(edge, name, outdir):
    """{(W, filter): {"transform": [...], "cpu": [...], "decode": [...], "out": path}} for one input."""
    cells = {(w, f): {"transform": [], "cpu": [], "decode": [], "out": None} for w in WIDTHS for f in FILTERS}
    cells.update({(w, "default"): {"transform": [], "cpu": [], "decode": [], "out": None} for w in WIDTHS})
    keys = list(cells)
    # The first request for an input brings its bytes into the origin's page cache and Viceroy's
    # instance pool warm; it and the whole first round are left out of the medians.
    edge.run(name, "w=800&fm=png", outdir / "warm.png")
    for rnd in range(RUNS + 1):
        k = rnd % len(keys)
        for w, f in keys[k:] + keys[:k]:
            q = f"w={w}&fm=png" + ("" if f == "default" else f"&resize-filter={f}")
            out = outdir / f"{Path(name).stem}.w{w}.{f}.png"
            before = ops.viceroy_cpu_ms(edge)
            r = edge.run(name, q, out)
            if "error" in r:
                raise SystemExit(f"{name}?{q}: {r['error']}")
            cpu = ops.viceroy_cpu_ms(edge) - before
            c = cells[(w, f)]
            c["out"] = out
            if rnd:
                c["transform"].append(r["transform"])
                c["decode"].append(r["decode"])
                # The transform's CPU share: its wall time scaled by CPU / wall over the request.
                c["cpu"].append(r["transform"] * cpu / max(r["ms"], 1e-3))
    return cells


def main():
    photos = sorted(b.PHOTOS.glob("*.jpg")) if b.PHOTOS.is_dir() else []
    if not photos:
        print(f"bench/filters.py: no JPEG photos in {b.PHOTOS}; skipped (bench/filters.md left as it was)")
        return
    load_before = b.load()
    tmp = Path(tempfile.mkdtemp(prefix="ixora-filters-"))
    small_dir, outdir, refdir = tmp / "2mp", tmp / "out", tmp / "ref"
    for d in (small_dir, outdir, refdir):
        d.mkdir()
    try:
        # Inputs: (label, file, folder local-origin serves it from, size).
        inputs = []
        for p in photos:
            with Image.open(p) as im:
                w, h = im.size
                k = math.sqrt(TWO_MP / (w * h))
                small = small_dir / f"{p.stem}-2mp.jpg"
                im.convert("RGB").resize((round(w * k), round(h * k)), Image.LANCZOS).save(small, quality=95)
            inputs.append((p.name, p, b.PHOTOS, (w, h)))
            inputs.append((small.name, small, small_dir, (round(w * k), round(h * k))))

        # Timing, one Edge per served folder (the harness serves one --dir); nothing else runs.
        results, busy = {}, None
        for folder in (b.PHOTOS, small_dir):
            b.PHOTOS = folder
            edge = b.Edge(tmp)
            try:
                if busy is None:
                    busy = b.busy_processes({os.getpid()} | {p.pid for p in edge.procs})
                for label, path, served, size in inputs:
                    if served == folder:
                        b.log(f"filters: timing {label}")
                        results[label] = measure(edge, label, outdir)
            finally:
                edge.close()
        load_after = b.load()

        # Quality, after the timing (scoring is heavy and would disturb it).
        rows, notes = [], []
        for label, path, _, size in inputs:
            b.log(f"filters: scoring {label}")
            with Image.open(path) as im:
                linear = srgb_to_linear(np.asarray(im.convert("RGB"), dtype=np.float32)).astype(np.float32)
            for w in WIDTHS:
                if w > size[0]:
                    notes.append(f"{label} is {size[0]} px wide: `w={w}` would enlarge it; left out")
                    continue
                cells = results[label]
                first = cells[(w, FILTERS[0])]["out"]
                with Image.open(first) as o:
                    ow, oh = o.size
                box = refdir / f"{Path(label).stem}.w{w}.box.png"
                box_reference(linear, ow, oh, box)
                vips = vips_reference(path, ow, oh, refdir / f"{Path(label).stem}.w{w}.vips.png")
                same = cells[(w, "default")]["out"].read_bytes() == cells[(w, "lanczos3")]["out"].read_bytes()
                src_w = jpeg_decode_width(size[0], size[1], ow)
                for f in FILTERS:
                    c = cells[(w, f)]
                    rows.append({
                        "input": label, "size": f"{ow}x{oh}", "from": src_w, "filter": f,
                        "t": statistics.median(c["transform"]), "tmin": min(c["transform"]),
                        "tmax": max(c["transform"]), "cpu": statistics.median(c["cpu"]),
                        "decode": statistics.median(c["decode"]),
                        "box": compute_ssimulacra2(str(box), str(c["out"])),
                        "vips": compute_ssimulacra2(str(vips), str(c["out"])) if vips else None,
                        "default_is_l3": same,
                    })
                if vips:
                    rows.append({"input": label, "size": f"{ow}x{oh}", "from": None, "filter": "vipsthumbnail",
                                 "box": compute_ssimulacra2(str(box), str(vips)), "vips": 100.0})
            del linear
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    lines = report(rows, notes, load_before, load_after, busy or [])
    (b.BENCH / "filters.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


# ---- report -------------------------------------------------------------------------------


def fmt(v, nd=1):
    return "–" if v is None else f"{v:.{nd}f}"


def report(rows, notes, load_before, load_after, busy):
    vips_version = None
    if shutil.which("vipsthumbnail"):
        vips_version = subprocess.run(["vipsthumbnail", "--vips-version"], capture_output=True, text=True).stdout.strip()
    L = [
        "## Resize filters: which default? (lanczos2 vs lanczos3)",
        "",
        "`bench/filters.py`: ixora's wasm in Viceroy renders `/<photo>?w=<W>&fm=png&resize-filter=<f>` for",
        "each photo in `../shared/bench` and a 2 MP version of it (Pillow Lanczos, JPEG q95, made at run time).",
        f"Lossless PNG, so only the resize differs. **transform ms**: median over {RUNS} rounds (after a warm-up",
        "request and a warm-up round; the filters' order rotates each round, so all share the same warm",
        "state) of Server-Timing's `transform` (wall clock), with the min–max over the rounds; **CPU ms**: the",
        "same scaled by Viceroy's CPU time (schedstat) over the request's wall time, as in bench/ops.py.",
        "**from**: the width the resizer starts from — ixora's JPEG decoder shrinks on load by 1/2, 1/4 or 1/8",
        "while staying at least the output size, so the filter itself only resamples by 1.0–1.9x here.",
        "**SSIMULACRA2** (PyPI `ssimulacra2`, a Python port; higher is better, 100 = identical) of each output",
        "against **box**: a linear-light area-average downscale of the full-resolution Pillow decode to the",
        "output's size (numpy; alias-free but soft, a neutral reference), and **vips**: `vipsthumbnail -s WxH!`",
        f"({vips_version or 'missing'}; Lanczos3, so it leans towards ixora's lanczos3). The `vipsthumbnail` rows",
        "score that reference itself against the box one. Machine load (1/5/15 min): "
        f"{load_before[0]:.2f}/{load_before[1]:.2f}/{load_before[2]:.2f} before, "
        f"{load_after[0]:.2f}/{load_after[1]:.2f}/{load_after[2]:.2f} after; "
        + ("other processes busy at the start: " + ", ".join(busy) + "." if busy else "no other process used ≥ 10 % CPU at the start."),
        "",
        "| input | size | from | filter | transform ms (min–max) | CPU ms | SSIMULACRA2 vs box | vs vips |",
        "|---|---|---:|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        if r["filter"] == "vipsthumbnail":
            L.append(f"| {r['input']} | {r['size']} | | *vipsthumbnail* | | | {fmt(r['box'], 2)} | |")
            continue
        name = f"**{r['filter']}**" if r["filter"] in ("lanczos2", "lanczos3") else r["filter"]
        L.append(
            f"| {r['input']} | {r['size']} | {r['from']} | {name} | {fmt(r['t'])} ({fmt(r['tmin'])}–{fmt(r['tmax'])}) "
            f"| {fmt(r['cpu'])} | {fmt(r['box'], 2)} | {fmt(r['vips'], 2)} |"
        )
    L.append("")
    for n in notes:
        L.append(f"- Note: {n}.")
    if not all(r.get("default_is_l3", True) for r in rows):
        L.append("- Note: the output without `resize-filter` differed from `resize-filter=lanczos3` for some cell.")
    else:
        L.append("- The output without `resize-filter` was byte-identical to `resize-filter=lanczos3` in every cell (the current default).")

    # lanczos2 − lanczos3, cell by cell.
    pairs = []
    for r in rows:
        if r["filter"] == "lanczos2":
            o = next(x for x in rows if x["filter"] == "lanczos3" and x["input"] == r["input"] and x["size"] == r["size"])
            pairs.append((r, o))
    if not pairs:
        return L
    dbox = [a["box"] - c["box"] for a, c in pairs]
    dvips = [a["vips"] - c["vips"] for a, c in pairs if a["vips"] is not None]
    dt = [a["t"] - c["t"] for a, c in pairs]
    dcpu = [a["cpu"] - c["cpu"] for a, c in pairs]
    # Run-to-run noise of a cell: half its min–max spread, the larger of the two filters'.
    noise = [max(a["tmax"] - a["tmin"], c["tmax"] - c["tmin"]) / 2 for a, c in pairs]
    faster = sum(1 for d, n in zip(dt, noise) if d < -n)
    slower = sum(1 for d, n in zip(dt, noise) if d > n)
    mean = statistics.mean
    L += [
        "",
        "| lanczos2 − lanczos3 | mean | per cell |",
        "|---|---:|---|",
        f"| SSIMULACRA2 vs box (points) | {mean(dbox):+.2f} | " + ", ".join(f"{d:+.2f}" for d in dbox) + " |",
        f"| SSIMULACRA2 vs vips (points) | {fmt(mean(dvips) if dvips else None, 2)} | " + ", ".join(f"{d:+.2f}" for d in dvips) + " |",
        f"| transform ms | {mean(dt):+.1f} | " + ", ".join(f"{d:+.1f} (±{n:.1f})" for d, n in zip(dt, noise)) + " |",
        f"| CPU ms | {mean(dcpu):+.1f} | " + ", ".join(f"{d:+.1f}" for d in dcpu) + " |",
        "",
    ]
    q_box = "better" if mean(dbox) >= POINTS else "worse" if mean(dbox) <= -POINTS else "the same"
    q_vips = "better" if dvips and mean(dvips) >= POINTS else "worse" if dvips and mean(dvips) <= -POINTS else "the same"
    speed = (f"faster by {-mean(dt):.1f} ms ({-mean(dcpu):.1f} CPU ms) on average, beyond the run-to-run spread in {faster} of {len(dt)} cells"
             if faster > len(dt) / 2 else
             f"slower by {mean(dt):.1f} ms on average" if slower > len(dt) / 2 else
             f"{mean(dt):+.1f} ms on average, within the run-to-run spread in most cells")
    if q_box == "worse":
        verdict = "keep lanczos3: lanczos2 loses quality against the neutral reference"
    elif q_box == "better" and q_vips != "worse":
        verdict = "adopt lanczos2: it scores higher against the neutral reference"
    elif faster > len(dt) / 2 and q_box == "the same":
        verdict = "adopt lanczos2: equal quality, measurably faster, and imgix's own default"
    else:
        verdict = "keep lanczos3: the measurements give no reason to change"
    L += [
        f"Conclusion (generated from the numbers above): against the box reference lanczos2 scores "
        f"{mean(dbox):+.2f} points versus lanczos3 on average ({min(dbox):+.2f} to {max(dbox):+.2f}), "
        f"which is {q_box} by the {POINTS:.0f}-point threshold used here; against vipsthumbnail's Lanczos3 "
        f"{fmt(mean(dvips) if dvips else None, 2)} ({q_vips}; that reference shares lanczos3's kernel, so it "
        f"favours it). In speed lanczos2 is {speed}. Verdict: **{verdict}**.",
    ]
    return L


if __name__ == "__main__":
    try:
        import numpy as np
        from PIL import Image
        from scipy import sparse
        from ssimulacra2 import compute_ssimulacra2
    except ImportError as e:
        sys.exit(f"bench/filters.py needs numpy, Pillow, scipy and ssimulacra2 (bench/requirements.txt): {e}")
    Image.MAX_IMAGE_PIXELS = None
    main()

#!/usr/bin/env python3
"""ixora's benchmark: the same transforms through ixora's wasm in Viceroy, ixora's native CLI,
vipsthumbnail and sharp, in one run; writes docs/benchmarks.md. Started by bench/run.sh (`make bench`),
which installs the peers and builds the binaries first.
"""

import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
OUT = BENCH / "out"
WASM = ROOT / "target/wasm32-wasip1/release/ixora.wasm"
NATIVE = ROOT / "target/release/ixora"
ORIGIN = ROOT / "target/release/local-origin"
PHOTOS = Path(os.environ.get("BENCH_PHOTOS", ROOT.parent / "shared/bench"))
RUNS = max(5, int(os.environ.get("BENCH_RUNS", "5")))
QUICK = os.environ.get("BENCH_QUICK") == "1"
REPORT = Path(os.environ.get("BENCH_OUT", ROOT / "docs/benchmarks.md"))
WARMUP = 1

# (id, ixora query, width, height, crop, format, quality)
CASES = [
    ("w800-jpeg", "w=800&fm=jpg&q=75", 800, None, False, "jpeg", 75),
    ("w800-webp", "w=800&fm=webp&q=75", 800, None, False, "webp", 75),
    ("crop400-jpeg", "w=400&h=400&fit=crop&fm=jpg&q=75", 400, 400, True, "jpeg", 75),
    ("w1600-jpeg", "w=1600&fm=jpg&q=75", 1600, None, False, "jpeg", 75),
    ("w800-avif", "w=800&fm=avif&q=75", 800, None, False, "avif", 75),
]
EXT = {"jpeg": "jpg", "webp": "webp", "avif": "avif"}
# Generated inputs: (name on local-origin, description).
GENERATED = [
    ("photo.jpg", "generated, 4000x3000 (12 MP) baseline JPEG q90, 4.0 MB"),
    ("photo-2mp.jpg", "generated, 1800x1200 (2.2 MP) baseline JPEG q90"),
    ("progressive.jpg", "generated, 1920x1080 (2.1 MP) progressive JPEG q85"),
]
TOOLS = ["wasm", "native", "vips", "sharp"]


def log(msg):
    print(f"  {msg}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(port, proc, what, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{what} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{what} did not come up on port {port}")


def load():
    try:
        return os.getloadavg()
    except OSError:
        return (0.0, 0.0, 0.0)


def busy_processes(exclude):
    """Other processes using CPU right now (one `top` sample), for the report's load note."""
    try:
        out = subprocess.run(["top", "-b", "-n", "2", "-d", "1", "-w", "200"], capture_output=True, text=True).stdout
    except OSError:
        return []
    last = out.split("\n\n\n")[-1] if "\n\n\n" in out else out
    rows, header = [], False
    for line in last.splitlines():
        if line.strip().startswith("PID"):
            header = True
            continue
        if not header or not line.strip():
            continue
        f = line.split(None, 11)
        if len(f) < 12:
            continue
        try:
            pid, cpu = int(f[0]), float(f[8].replace(",", "."))
        except ValueError:
            continue
        if cpu >= 10 and pid not in exclude and f[11] not in ("top",):
            rows.append(f"{f[11][:40]} {cpu:.0f}%")
    return rows


def jpeg_kind(path):
    """'WxH (N MP) baseline|progressive' from the JPEG frame header."""
    b = path.read_bytes()[:1 << 20]
    i = 2
    while i + 9 < len(b):
        if b[i] != 0xFF:
            i += 1
            continue
        m = b[i + 1]
        if m in (0xC0, 0xC1, 0xC2):
            h, w = int.from_bytes(b[i + 5 : i + 7], "big"), int.from_bytes(b[i + 7 : i + 9], "big")
            return f"{w}x{h} ({w * h / 1e6:.0f} MP) {'progressive' if m == 0xC2 else 'baseline'}"
        if m in (0xD8, 0x01) or 0xD0 <= m <= 0xD7 or m == 0xFF:
            i += 2 if m != 0xFF else 1
            continue
        i += 2 + int.from_bytes(b[i + 2 : i + 4], "big")
    return "unparsed"


# ---- tools -------------------------------------------------------------------------------


class Edge:
    """local-origin + Viceroy running ixora's wasm; derivatives uncached (source ttl 0)."""

    def __init__(self, tmp):
        self.procs = []
        self.origin_port, self.edge_port = free_port(), free_port()
        args = [str(ORIGIN), "--port", str(self.origin_port)]
        if PHOTOS.is_dir():
            args += ["--dir", str(PHOTOS)]
        self.procs.append(subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_up(self.origin_port, self.procs[-1], "local-origin")
        manifest = Path(tmp) / "fastly.toml"
        manifest.write_text(
            'manifest_version = 3\nname = "ixora-bench"\nlanguage = "rust"\n\n'
            f'[local_server.backends.origin]\nurl = "http://127.0.0.1:{self.origin_port}/"\n\n'
            "[local_server.config_stores.ixora_settings]\nformat = \"inline-toml\"\n"
            "[local_server.config_stores.ixora_settings.contents]\norigin_timeout_ms = \"60000\"\n"
            # The heap columns read X-Ixora-Heap-Peak/-Mib, sent only with this setting.
            "debug_headers = \"true\"\n\n"
            "[local_server.config_stores.ixora_sources]\nformat = \"inline-toml\"\n"
            "[local_server.config_stores.ixora_sources.contents]\n"
            '"*" = \'{"backend":"origin","ttl":0}\'\n'
        )
        viceroy = shutil.which("viceroy") or str(Path.home() / ".cargo/bin/viceroy")
        self.log = open(Path(tmp) / "viceroy.log", "w")
        self.procs.append(
            subprocess.Popen(
                [viceroy, "serve", "-C", str(manifest), "--addr", f"127.0.0.1:{self.edge_port}", str(WASM)],
                stdout=self.log,
                stderr=self.log,
            )
        )
        wait_up(self.edge_port, self.procs[-1], "viceroy")
        self.get("/_health")  # first request compiles the module

    def get(self, path):
        url = f"http://127.0.0.1:{self.edge_port}{path}"
        t0 = time.perf_counter()
        try:
            with urllib.request.urlopen(url, timeout=300) as r:
                body, status, headers = r.read(), r.status, r.headers
        except urllib.error.HTTPError as e:
            body, status, headers = e.read(), e.code, e.headers
        return status, headers, body, (time.perf_counter() - t0) * 1000

    def origin_bytes(self, name):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.origin_port}/{name}", timeout=60) as r:
            return r.read()

    def run(self, name, query, out):
        status, h, body, wall = self.get(f"/{name}?{query}")
        if status != 200:
            return {"error": f"HTTP {status}: {body[:200].decode('utf-8', 'replace')}", "status": status}
        timing = {}
        for item in (h.get("Server-Timing") or "").split(","):
            m = re.match(r"\s*([\w-]+);dur=([\d.]+)", item)
            if m:
                timing[m.group(1)] = float(m.group(2))
        out.write_bytes(body)
        return {
            "ms": timing.get("total", 0) - timing.get("fetch", 0),
            "cpu": timing.get("cpu"),
            "fetch": timing.get("fetch"),
            "decode": timing.get("decode"),
            "transform": timing.get("transform"),
            "encode": timing.get("encode"),
            "heap": int(h.get("X-Ixora-Heap-Peak") or 0) or None,
            "heap_mib": int(h.get("X-Ixora-Heap-Mib") or 0) or None,
            "cache": h.get("X-Cache"),
            "bytes": len(body),
            "client_ms": wall,
        }

    def close(self):
        for p in reversed(self.procs):
            p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        self.log.close()


NATIVE_RE = re.compile(
    r"decode ([\d.]+) ms, transform ([\d.]+) ms, encode ([\d.]+) ms(?:, heap peak ([\d.]+) MiB)?"
)


def run_native(src, query, out):
    p = subprocess.run([str(NATIVE), "render", str(src), query, "-o", str(out)], capture_output=True, text=True)
    if p.returncode != 0:
        return {"error": p.stderr.strip()[-200:]}
    m = NATIVE_RE.search(p.stderr)
    if not m:
        return {"error": f"unexpected CLI output: {p.stderr.strip()[-200:]}"}
    d, t, e = (float(m.group(i)) for i in (1, 2, 3))
    heap = float(m.group(4)) * 1024 * 1024 if m.group(4) else None
    return {"ms": d + t + e, "decode": d, "transform": t, "encode": e, "heap": heap, "bytes": out.stat().st_size}


class Vips:
    """vipsthumbnail, one thread. Its time is the process's wall time minus the median start-up
    cost (the same command on a 16x16 JPEG), i.e. the transform alone."""

    def __init__(self, tmp, tiny_source):
        self.exe = shutil.which("vipsthumbnail")
        self.version = None
        self.startup = 0.0
        if not self.exe:
            return
        self.version = subprocess.run([self.exe, "--vips-version"], capture_output=True, text=True).stdout.strip()
        tiny = Path(tmp) / "tiny.jpg"
        # A 16x16 JPEG from ixora's own engine (no Python imaging needed): photo-2mp at 16 px.
        subprocess.run([str(NATIVE), "render", str(tiny_source), "w=16&h=16&fit=crop&fm=jpg", "-o", str(tiny)],
                       capture_output=True, check=True)
        times = []
        for _ in range(7):
            times.append(self._time([str(tiny), "-s", "8x", "-o", f"{tmp}/tiny-out.jpg[Q=75]"])[0])
        self.startup = statistics.median(times)

    def _time(self, args):
        env = dict(os.environ, VIPS_CONCURRENCY="1")
        t0 = time.perf_counter()
        p = subprocess.run([self.exe, *args], capture_output=True, text=True, env=env)
        return (time.perf_counter() - t0) * 1000, p

    def run(self, src, case, out):
        _, _, w, h, crop, fmt, q = case
        size = f"{w}x{h}" if h else f"{w}x"
        args = [str(src), "-s", size, "-o", f"{out}[Q={q},strip]"]
        if crop:
            args += ["--smartcrop", "centre"]
        wall, p = self._time(args)
        if p.returncode != 0 or not out.exists():
            return {"error": (p.stderr or "no output").strip()[-200:]}
        return {"ms": max(wall - self.startup, 0.0), "wall": wall, "bytes": out.stat().st_size}


class Sharp:
    def __init__(self):
        self.proc = None
        self.version = None
        self.why = None
        node = shutil.which("node")
        if not node:
            self.why = "node is not installed"
            return
        if not (BENCH / "node_modules/sharp").is_dir():
            self.why = "sharp is not installed (npm install failed or BENCH_NO_INSTALL)"
            return
        self.proc = subprocess.Popen(
            [node, str(BENCH / "sharp-worker.mjs")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=BENCH,
            env=dict(os.environ, UV_THREADPOOL_SIZE="1"),
        )
        hello = json.loads(self.proc.stdout.readline() or "{}")
        if not hello.get("ready"):
            self.why = "sharp failed to load"
            self.proc = None
            return
        self.version = f"sharp {hello['sharp']} (libvips {hello['vips']})"

    def run(self, src, case, out):
        _, _, w, h, crop, fmt, q = case
        job = {"input": str(src), "output": str(out), "width": w, "height": h, "crop": crop, "format": fmt, "quality": q}
        self.proc.stdin.write(json.dumps(job) + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self):
        if self.proc:
            self.proc.stdin.close()
            self.proc.wait(timeout=10)


# ---- report ------------------------------------------------------------------------------


def med(runs, key):
    vals = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(vals) if vals else None


def f1(v):
    return "–" if v is None else f"{v:.1f}"


def f0(v):
    return "–" if v is None else f"{v:.0f}"


def kb(v):
    return "–" if v is None else f"{v / 1024:.1f} KB"


def mb(v):
    return "–" if v is None else f"{v / 1024 / 1024:.1f} MB"


def main():
    started = float(os.environ.get("BENCH_STARTED", time.time()))
    OUT.mkdir(exist_ok=True)
    notes = [n for n in Path(os.environ["BENCH_NOTES_FILE"]).read_text().splitlines() if n.strip()] if os.environ.get(
        "BENCH_NOTES_FILE"
    ) else []
    try:
        import ssim as ssim_mod  # noqa: PLC0415
    except ImportError as e:
        ssim_mod = None
        notes.append(f"quality scores missing: {e}")
    load_before = load()
    tmp = tempfile.mkdtemp(prefix="ixora-bench-")
    edge = Edge(tmp)
    indir = OUT / "inputs"
    indir.mkdir(exist_ok=True)
    tiny_source = indir / "photo-2mp.jpg"
    tiny_source.write_bytes(edge.origin_bytes("photo-2mp.jpg"))
    vips = Vips(tmp, tiny_source)
    sharp = Sharp()
    busy = busy_processes({os.getpid()} | {p.pid for p in edge.procs})
    missing = {}
    if not vips.exe:
        missing["vips"] = "vipsthumbnail is not installed (Debian package libvips-tools)"
    if not sharp.proc:
        missing["sharp"] = sharp.why

    inputs = []  # (label, path, about)
    for name, about in GENERATED[:1] if QUICK else GENERATED:
        path = indir / name
        path.write_bytes(edge.origin_bytes(name))
        inputs.append((name, path, about))
    if PHOTOS.is_dir() and not QUICK:
        for p in sorted(PHOTOS.glob("*.jpg")):
            about = f"../shared/bench, {jpeg_kind(p)} JPEG, {p.stat().st_size / 1e6:.1f} MB"
            # Served by local-origin --dir; read in place by the native tools (never copied).
            inputs.append((p.name, p, about))
    elif QUICK:
        notes.append("BENCH_QUICK=1: one generated input only")
    else:
        notes.append(f"{PHOTOS} not present: only generated inputs were measured")

    # For trying things: BENCH_INPUTS / BENCH_CASES narrow the run (comma-separated names / case ids).
    if os.environ.get("BENCH_INPUTS"):
        keep = os.environ["BENCH_INPUTS"].split(",")
        inputs = [i for i in inputs if i[0] in keep]
        notes.append(f"BENCH_INPUTS={os.environ['BENCH_INPUTS']}: a partial run")
    cases = CASES
    if os.environ.get("BENCH_CASES"):
        cases = [c for c in CASES if c[0] in os.environ["BENCH_CASES"].split(",")]
        notes.append(f"BENCH_CASES={os.environ['BENCH_CASES']}: a partial run")

    results = {}  # (input, case) -> tool -> list of runs
    for label, path, _ in inputs:
        for case in cases:
            cid = case[0]
            cell = {t: [] for t in TOOLS}
            stem = f"{Path(label).stem}.{cid}"
            log(f"{label} {case[1]}")
            # AVIF encodes take seconds per run; their warm-up would cost more than it tells.
            warm = 0 if case[5] == "avif" else WARMUP
            for i in range(warm + RUNS):
                outs = {t: OUT / f"{stem}.{t}.{EXT[case[5]]}" for t in TOOLS}
                r = {"wasm": edge.run(label, case[1], outs["wasm"]), "native": run_native(path, case[1], outs["native"])}
                if vips.exe:
                    r["vips"] = vips.run(path, case, outs["vips"])
                if sharp.proc:
                    r["sharp"] = sharp.run(path, case, outs["sharp"])
                if i >= warm:
                    for t, v in r.items():
                        cell[t].append(v)
                # A case every tool refuses costs nothing to repeat, but one failing tool should not
                # be retried RUNS times with the others: stop early only when all failed.
                if all("error" in v for v in r.values()):
                    for t, v in r.items():
                        cell[t] = [v]
                    break
            if ssim_mod:
                for t in TOOLS:
                    ok = [x for x in cell[t] if "error" not in x]
                    if ok:
                        ok[-1]["ssim"] = ssim_mod.score(path, outs[t], case[4])
            results[(label, cid)] = cell
    load_after = load()
    hits = sum(1 for c in results.values() for x in c["wasm"] if x.get("cache") == "HIT")
    if hits:
        notes.append(f"{hits} wasm responses were cache HITs (the ttl-0 source did not bypass the cache)")
    edge.close()
    sharp.close()
    shutil.rmtree(tmp, ignore_errors=True)
    elapsed = time.time() - started
    REPORT.write_text(
        report(inputs, results, vips, sharp, missing, notes, load_before, load_after, busy, elapsed)
    )
    log(f"wrote {REPORT}")


def cell_summary(runs):
    ok = [x for x in runs if "error" not in x]
    if not ok:
        err = runs[0].get("error", "failed") if runs else "not run"
        return {"error": err, "status": runs[0].get("status") if runs else None}
    s = {k: med(ok, k) for k in ("ms", "cpu", "fetch", "decode", "transform", "encode", "heap", "heap_mib", "bytes")}
    s["ssim"] = ok[-1].get("ssim")
    s["n"] = len(ok)
    return s


def unsupported(s):
    return "error" in s


def refusal(s):
    """How a failed ixora cell reads: "not supported yet" for an output format ixora does not
    know (400 on fm), else the status it answered (e.g. a 413 from the decoder budget)."""
    err = s.get("error", "")
    m = re.search(r"\b(4\d\d|5\d\d)\b", err)
    code = m.group(1) if m else None
    if code == "400" and "fm" in err:
        return "not supported yet"
    return f"refused ({code})" if code else "failed"


def report(inputs, results, vips, sharp, missing, notes, load_before, load_after, busy, elapsed):
    L = []
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    viceroy = subprocess.run(["viceroy", "--version"], capture_output=True, text=True).stdout.strip()
    rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
    L += [
        "# Benchmarks",
        "",
        "<!-- Generated by `make bench` (bench/run.sh → bench/bench.py). Do not edit by hand: edit",
        "     bench/profile.md or bench/history.md (appended verbatim) or the harness, and re-run. -->",
        "",
        f"Run: {now}, {os.cpu_count()} vCPU ({cpu}), {viceroy}, {rustc}, "
        f"vipsthumbnail {vips.version or 'missing'}, {sharp.version or 'sharp missing'}. "
        f"{RUNS} timed runs per cell after {WARMUP} warm-up (none for AVIF), median reported; whole run {elapsed / 60:.1f} min "
        f"(builds {os.environ.get('BENCH_BUILD_SECS', '?')} s of it).",
        "",
        f"Machine load (1/5/15-min averages): {load_before[0]:.2f}/{load_before[1]:.2f}/{load_before[2]:.2f} "
        f"before, {load_after[0]:.2f}/{load_after[1]:.2f}/{load_after[2]:.2f} after. "
        + (
            "Other processes busy when the run started: " + ", ".join(busy) + "."
            if busy
            else "No other process was using ≥ 10 % CPU when the run started."
        ),
        "",
    ]
    for tool, why in missing.items():
        L.append(f"- **{tool} missing**: {why} — its columns read “missing”.")
    for n in notes:
        L.append(f"- Note: {n}")
    if missing or notes:
        L.append("")

    L += [
        "## Targets (issue 7)",
        "",
    ]
    L += targets(inputs, results)
    L += ["", "## Results", ""]
    L += [
        "Times are milliseconds for decode + resize + encode of one request, one thread:",
        "**wasm** = ixora in Viceroy, guest-side `Server-Timing` total minus fetch (the origin fetch",
        "from local-origin is reported separately); **cpu** = `Server-Timing` cpu (vCPU ms of the",
        "whole request, integer); **native** = the `ixora render` CLI's in-process time;",
        "**vips** = `vipsthumbnail` process wall time minus its start-up "
        f"({vips.startup:.1f} ms, measured on a 16x16 JPEG), `VIPS_CONCURRENCY=1`;",
        "**sharp** = in-process time of `sharp(buf).resize().jpeg|webp|avif().toBuffer()` with",
        "`sharp.concurrency(1)`, `sharp.cache(false)`. **heap** = ixora wasm's peak live heap (counting",
        "allocator, `X-Ixora-Heap-Peak`; includes the 1 copy of the original) / the wasm linear memory the",
        "runtime reports (`X-Ixora-Heap-Mib`). **wasm/vips** = the ratio of the first and fourth columns.",
        "",
    ]
    for label, path, about in inputs:
        L += [f"### {label} — {about}", ""]
        L.append(
            "| case | wasm ms | cpu ms | fetch ms | native ms | vips ms | sharp ms | wasm/vips | heap peak |"
        )
        L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for case in CASES:
            if (label, case[0]) not in results:
                continue
            cell = results[(label, case[0])]
            s = {t: cell_summary(cell[t]) if cell[t] else None for t in TOOLS}

            def t(tool, key="ms"):
                if tool in missing:
                    return "missing"
                v = s[tool]
                if v is None:
                    return "–"
                if unsupported(v):
                    return refusal(v) if tool in ("wasm", "native") else "failed"
                return f1(v.get(key))

            w = s["wasm"]
            ratio = "–"
            if w and not unsupported(w) and s.get("vips") and not unsupported(s["vips"]) and s["vips"]["ms"]:
                ratio = f"{w['ms'] / s['vips']['ms']:.2f}×"
            heap = "–"
            if w and not unsupported(w):
                heap = f"{mb(w['heap'])} / {w['heap_mib'] if w['heap_mib'] is not None else '–'} MiB"
            cpu_v = "–" if (not w or unsupported(w)) else f0(w["cpu"])
            fetch_v = "–" if (not w or unsupported(w)) else f1(w["fetch"])
            L.append(
                f"| `{case[1]}` | {t('wasm')} | {cpu_v} | {fetch_v} | {t('native')} | {t('vips')} | {t('sharp')} | {ratio} | {heap} |"
            )
        L.append("")
        L.append("| case | bytes ixora | bytes vips | bytes sharp | ixora/sharp bytes | SSIM ixora | SSIM vips | SSIM sharp | wasm decode / transform / encode ms |")
        L.append("|---|---:|---:|---:|---:|---:|---:|---:|---|")
        for case in CASES:
            if (label, case[0]) not in results:
                continue
            cell = results[(label, case[0])]
            s = {t: cell_summary(cell[t]) if cell[t] else None for t in TOOLS}

            def b(tool):
                if tool in missing:
                    return "missing"
                v = s[tool]
                if v is None:
                    return "–"
                if unsupported(v):
                    return refusal(v) if tool in ("wasm", "native") else "failed"
                return kb(v["bytes"])

            def q(tool):
                if tool in missing:
                    return "missing"
                v = s[tool]
                if v is None or unsupported(v) or v.get("ssim") is None:
                    return "–"
                return f"{v['ssim']:.4f}"

            w, sh = s["wasm"], s.get("sharp")
            ratio = "–"
            if w and not unsupported(w) and sh and not unsupported(sh):
                ratio = f"{w['bytes'] / sh['bytes']:.2f}×"
            stages = "–"
            if w and not unsupported(w):
                stages = f"{f1(w['decode'])} / {f1(w['transform'])} / {f1(w['encode'])}"
            L.append(
                f"| `{case[1]}` | {b('wasm')} | {b('vips')} | {b('sharp')} | {ratio} | {q('wasm')} | {q('vips')} | {q('sharp')} | {stages} |"
            )
        errs = []
        for case in CASES:
            for tool in TOOLS:
                if (label, case[0]) not in results:
                    continue
                runs = results[(label, case[0])][tool]
                if runs and all("error" in x for x in runs):
                    errs.append(f"`{case[1]}` {tool}: {runs[0]['error'].splitlines()[0][:160]}")
        if errs:
            L.append("")
            L.append("Refusals: " + "; ".join(errs) + ".")
        L.append("")

    L += [
        "## Method",
        "",
        "- Inputs: local-origin's generated samples (`photo.jpg`, `photo-2mp.jpg`, `progressive.jpg`) and,",
        "  when `../shared/bench` exists, its photos (served by local-origin `--dir` for the wasm, read in",
        "  place by the other tools, never copied into the project).",
        "- Every tool gets the same input file, output width/box and quality; JPEG 4:2:0 at q75 is every",
        "  tool's default subsampling there; crops are centred covers (`fit=crop`, sharp `fit: cover`,",
        "  vipsthumbnail `--smartcrop centre`). Runs interleave the tools, so load spikes hit all of them.",
        "- The wasm is the release build (`+simd128`) of `target/wasm32-wasip1/release/ixora.wasm`, served",
        "  by Viceroy with a source whose `ttl` is 0, so every request is a cache miss that fetches and renders.",
        "- Quality: SSIM (Wang et al. 2004; luma, 11-tap Gaussian σ 1.5, valid region) of each output",
        "  against the original decoded at full resolution and resampled with Pillow's Lanczos3 straight",
        "  to that output's size (bench/ssim.py). Higher is better; 1.0 is identical to the reference.",
        "- Heap: `X-Ixora-Heap-Peak` is the high-water mark of live bytes in ixora's counting global",
        "  allocator (src/measure.rs) for the request; `X-Ixora-Heap-Mib` is",
        "  `fastly::compute_runtime::heap_memory_snapshot_mib()` at the end of the request.",
        "",
    ]
    for extra in ("profile.md", "ops.md", "filters.md", "history.md"):
        if (BENCH / extra).exists():
            L += [(BENCH / extra).read_text().rstrip(), ""]
    return "\n".join(L)


def targets(inputs, results):
    L = ["| target | input | measured | met? |", "|---|---|---|---|"]

    def s(label, cid, tool):
        runs = results.get((label, cid), {}).get(tool) or []
        return cell_summary(runs) if runs else None

    shared = [l for l, p, a in inputs if "shared/bench" in a]
    big = shared or ["photo.jpg"]
    for label in big:
        w, v = s(label, "w800-jpeg", "wasm"), s(label, "w800-jpeg", "vips")
        proxy = "" if shared else " (baseline stand-in: ../shared/bench absent)"
        if w and v and not unsupported(w) and not unsupported(v):
            r = w["ms"] / v["ms"]
            L.append(
                f"| 12–19 MP photo → `w=800` JPEG: wasm ≤ 1.0× vipsthumbnail | {label}{proxy} | "
                f"{w['ms']:.1f} ms vs {v['ms']:.1f} ms = {r:.2f}× | {'yes' if r <= 1.0 else 'no'} |"
            )
        else:
            L.append(f"| 12–19 MP photo → `w=800` JPEG: wasm ≤ 1.0× vipsthumbnail | {label} | not measurable | no |")
    w = s("photo-2mp.jpg", "w800-jpeg", "wasm")
    if w and not unsupported(w):
        L.append(
            f"| 2 MP baseline → `w=800` JPEG: wasm CPU ≤ 50 ms | photo-2mp.jpg | cpu {f0(w['cpu'])} ms "
            f"(render {w['ms']:.1f} ms) | {'yes' if w['cpu'] is not None and w['cpu'] <= 50 else 'no'} |"
        )
    peak, where = 0, None
    for (label, cid), cell in results.items():
        x = cell_summary(cell["wasm"]) if cell["wasm"] else None
        if x and not unsupported(x) and x["heap"] and x["heap"] > peak:
            peak, where = x["heap"], f"{label} `{cid}`"
    if where:
        L.append(
            f"| peak wasm heap ≤ 64 MB, every input | worst: {where} | {mb(peak)} | {'yes' if peak <= 64 * 1024 * 1024 else 'no'} |"
        )
    for cid, limit, what in (("w800-jpeg", 1.10, "JPEG"), ("w800-webp", 1.05, "WebP")):
        for label, _, _ in inputs:
            w, sh = s(label, cid, "wasm"), s(label, cid, "sharp")
            if not (w and sh) or unsupported(w) or unsupported(sh):
                L.append(f"| `w=800` {what} bytes ≤ {limit:.2f}× sharp, SSIM no lower | {label} | not measurable | no |")
                continue
            r = w["bytes"] / sh["bytes"]
            qa, qb = w.get("ssim"), sh.get("ssim")
            qtxt = f", SSIM {qa:.4f} vs {qb:.4f}" if qa is not None and qb is not None else ""
            ok = r <= limit and (qa is None or qb is None or qa >= qb)
            L.append(
                f"| `w=800` {what} bytes ≤ {limit:.2f}× sharp, SSIM no lower | {label} | "
                f"{kb(w['bytes'])} vs {kb(sh['bytes'])} = {r:.2f}×{qtxt} | {'yes' if ok else 'no'} |"
            )
    return L


if __name__ == "__main__":
    main()

// How `cs` variants look in a real browser (docs/formats.md, "What no `cs` means").
//
// Renders corpus originals at w=400 with no cs, cs=origin, cs=srgb and cs=strip, as JPEG, PNG,
// WebP and AVIF, puts each next to the original in one page, and screenshots it in headless
// Chromium twice: with a wide-gamut display (--force-color-profile=display-p3-d65) and with an
// sRGB one. For every variant it prints the mean and max CIELAB ΔE76 against the original as the
// same browser shows it, and, for the Display P3 colour ring, how much of the ring/background
// difference survives (it only exists on a wide-gamut display when the P3 numbers are honoured).
//
// Not part of `make test`. Needs Node, playwright-core and a Chromium:
//   cargo build --release --bin ixora
//   mkdir -p /tmp/cslook && (cd /tmp/cslook && npm install playwright-core)
//   NODE_PATH=/tmp/cslook/node_modules node bench/cs-look.mjs
// Environment: IXORA (binary, default target/release/ixora), CORPUS (default ../shared/corpus),
// CHROMIUM (default /usr/bin/chromium), OUT (scratch folder, default /tmp/cs-look).

import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";

const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const IXORA = process.env.IXORA ?? path.join(root, "target/release/ixora");
const CORPUS = process.env.CORPUS ?? path.join(root, "../shared/corpus");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const OUT = process.env.OUT ?? "/tmp/cs-look";
const W = 400;

const SOURCES = [
  "wgt__P3-sRGB-color-ring.jpg", // Display P3 ICC
  "sharp__prophoto.png", // ProPhoto ICC, one pixel (shown as a 400x400 patch)
  "ljt__monkey16.png", // sRGB2014 ICC, 16-bit
  "Landscape_1.jpg", // photo without ICC
].filter((f) => fs.existsSync(path.join(CORPUS, f)));
const CS = ["none", "origin", "srgb", "strip"];
const FM = ["jpg", "png", "webp", "avif"];
const DISPLAYS = { p3: "display-p3-d65", srgb: "srgb" };

if (SOURCES.length === 0) {
  console.log(`skipped: no corpus files in ${CORPUS}`);
  process.exit(0);
}
fs.mkdirSync(OUT, { recursive: true });

// --- render every variant -------------------------------------------------------------------
const variants = []; // { src, cs, fm, file, bytes }
for (const src of SOURCES) {
  fs.copyFileSync(path.join(CORPUS, src), path.join(OUT, src));
  for (const fm of FM) {
    for (const cs of CS) {
      const query = `w=${W}&fm=${fm}` + (cs === "none" ? "" : `&cs=${cs}`);
      const file = `${src}.${cs}.${fm}`;
      execFileSync(IXORA, ["render", path.join(CORPUS, src), query, "-o", path.join(OUT, file)], { stdio: "ignore" });
      variants.push({ src, cs, fm, file, bytes: fs.statSync(path.join(OUT, file)).size });
    }
  }
}

// --- minimal PNG reader for Chromium's screenshots (8-bit RGB/RGBA, not interlaced) ----------
function readPng(buf) {
  let pos = 8;
  let width, height, type;
  const idat = [];
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos);
    const kind = buf.toString("latin1", pos + 4, pos + 8);
    const data = buf.subarray(pos + 8, pos + 8 + len);
    if (kind === "IHDR") {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      if (data[8] !== 8 || data[12] !== 0) throw new Error("only 8-bit non-interlaced PNG");
      type = data[9];
    } else if (kind === "IDAT") idat.push(data);
    pos += 12 + len;
  }
  const bpp = { 2: 3, 6: 4 }[type];
  if (!bpp) throw new Error(`PNG colour type ${type}`);
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = width * bpp;
  const px = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? px[y * stride + x - bpp] : 0;
      const b = y > 0 ? px[(y - 1) * stride + x] : 0;
      const c = x >= bpp && y > 0 ? px[(y - 1) * stride + x - bpp] : 0;
      let p = line[x];
      if (f === 1) p += a;
      else if (f === 2) p += b;
      else if (f === 3) p += (a + b) >> 1;
      else if (f === 4) {
        const pa = Math.abs(b - c), pb = Math.abs(a - c), pc = Math.abs(a + b - 2 * c);
        p += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      px[y * stride + x] = p & 255;
    }
  }
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) for (let k = 0; k < 3; k++) rgb[i * 3 + k] = px[i * bpp + k];
  return { width, height, rgb };
}

// --- colour: screenshot numbers are in the display's space -----------------------------------
const toXyz = {
  // linear RGB → XYZ (D65)
  srgb: [0.4124, 0.3576, 0.1805, 0.2126, 0.7152, 0.0722, 0.0193, 0.1192, 0.9505],
  p3: [0.4866, 0.2657, 0.1982, 0.2290, 0.6917, 0.0793, 0.0, 0.0451, 1.0439],
};
const lin = (v) => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4); // both use the sRGB curve
function lab(display, r, g, b) {
  const m = toXyz[display];
  const [R, G, B] = [r, g, b].map((v) => lin(v / 255));
  const xyz = [m[0] * R + m[1] * G + m[2] * B, m[3] * R + m[4] * G + m[5] * B, m[6] * R + m[7] * G + m[8] * B];
  const white = [0.95047, 1.0, 1.08883];
  const f = (t) => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 * t + 16) / 116);
  const [fx, fy, fz] = xyz.map((v, i) => f(v / white[i]));
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}
function deltaE(display, a, b) {
  let sum = 0, max = 0;
  const n = a.length / 3;
  for (let i = 0; i < n; i++) {
    const p = lab(display, a[3 * i], a[3 * i + 1], a[3 * i + 2]);
    const q = lab(display, b[3 * i], b[3 * i + 1], b[3 * i + 2]);
    const d = Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
    sum += d;
    max = Math.max(max, d);
  }
  return { mean: sum / n, max };
}

// The colour ring (1000x1000 original): the P3 ring spans radii 0.33–0.41 of the width, sRGB
// background inside and outside it. Per 2° sector, the mean ring colour against the mean of the
// background bands just inside and outside; the mean absolute difference over channels and sectors.
function ringContrast({ width, height, rgb }) {
  const bins = 180;
  const sums = { ring: [], bg: [] };
  for (const k of ["ring", "bg"]) for (let i = 0; i < bins; i++) sums[k].push([0, 0, 0, 0]);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const dx = (x + 0.5) / width - 0.5, dy = (y + 0.5) / height - 0.5;
      const r = Math.hypot(dx, dy);
      const k = r > 0.345 && r < 0.395 ? "ring" : (r > 0.26 && r < 0.31) || (r > 0.43 && r < 0.48) ? "bg" : null;
      if (!k) continue;
      const bin = Math.min(bins - 1, Math.floor(((Math.atan2(dy, dx) + Math.PI) / (2 * Math.PI)) * bins));
      const s = sums[k][bin];
      for (let c = 0; c < 3; c++) s[c] += rgb[(y * width + x) * 3 + c];
      s[3]++;
    }
  }
  let total = 0;
  for (let i = 0; i < bins; i++) {
    const a = sums.ring[i], b = sums.bg[i];
    for (let c = 0; c < 3; c++) total += Math.abs(a[c] / a[3] - b[c] / b[3]);
  }
  return total / (bins * 3);
}

// --- screenshot -----------------------------------------------------------------------------
const results = {}; // file → display → { dE, ring }
const originals = {}; // src → display → { ring }
for (const [display, flag] of Object.entries(DISPLAYS)) {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    // Software compositing rasters in sRGB and clips P3 colours before the screenshot; GPU
    // raster on SwiftShader keeps the display space.
    args: [`--force-color-profile=${flag}`, "--enable-gpu-rasterization", "--use-gl=angle", "--use-angle=swiftshader", "--no-sandbox"],
  });
  const page = await browser.newPage({ viewport: { width: 1000, height: 1000 }, deviceScaleFactor: 1 });
  for (const src of SOURCES) {
    const mine = variants.filter((v) => v.src === src);
    const imgs = [src, ...mine.map((v) => v.file)]
      .map((f, i) => `<img id="i${i}" src="${encodeURI(f)}" width="${W}">`)
      .join("");
    const html = path.join(OUT, `${src}.html`);
    fs.writeFileSync(html, `<!doctype html><style>body{margin:0;background:#777}img{display:block}</style>${imgs}`);
    await page.goto(`file://${html}`);
    await page.waitForFunction(() => [...document.images].every((i) => i.complete && i.naturalWidth > 0));
    // Every image at the rendered variants' size, so the original and each variant cover the
    // same pixels (a fractional height would shift rows).
    await page.evaluate((w) => {
      const [, first] = document.images;
      for (const i of document.images) i.style.height = `${Math.round((w * first.naturalHeight) / first.naturalWidth)}px`;
    }, W);
    const shot = async (i) => readPng(await page.locator(`#i${i}`).screenshot({ animations: "disabled" }));
    const reference = await shot(0);
    originals[src] ??= {};
    originals[src][display] = { ring: src.includes("color-ring") ? ringContrast(reference) : null };
    for (let i = 0; i < mine.length; i++) {
      const got = await shot(i + 1);
      results[mine[i].file] ??= {};
      results[mine[i].file][display] = {
        dE: deltaE(display, got.rgb, reference.rgb),
        ring: src.includes("color-ring") ? ringContrast(got) : null,
      };
    }
  }
  await browser.close();
}

// --- report ---------------------------------------------------------------------------------
const f = (v, d = 2) => (v === null || v === undefined ? "" : v.toFixed(d));
for (const src of SOURCES) {
  const o = originals[src];
  console.log(`\n${src}` + (o.p3.ring !== null ? `  (original: ring contrast ${f(o.p3.ring)} on P3, ${f(o.srgb.ring)} on sRGB)` : ""));
  console.log("| fm | cs | bytes | P3 display: mean / max ΔE vs original | ring contrast (P3) | sRGB display: mean / max ΔE |");
  console.log("|---|---|---:|---:|---:|---:|");
  for (const v of variants.filter((v) => v.src === src)) {
    const r = results[v.file];
    console.log(
      `| ${v.fm} | ${v.cs} | ${v.bytes} | ${f(r.p3.dE.mean)} / ${f(r.p3.dE.max, 1)} | ${f(r.p3.ring)} | ${f(r.srgb.dE.mean)} / ${f(r.srgb.dE.max, 1)} |`,
    );
  }
}

// sharp, driven by bench/bench.py: one JSON job per stdin line, one JSON answer per stdout line.
// Job: {"input": path, "output": path, "width": n, "height": n|null, "crop": bool, "format": "jpeg"|"webp"|"avif", "quality": n}
// Answer: {"ms": in-process milliseconds for decode+resize+encode, "bytes": n} or {"error": "..."}.
// One thread (sharp.concurrency(1)), no operation cache; inputs are read once and kept in memory,
// so the time is the transform alone, as Server-Timing's decode+transform+encode is for ixora.
import { createRequire } from "node:module";
import { readFileSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";

const require = createRequire(import.meta.url);
const sharp = require("sharp");
sharp.concurrency(1);
sharp.cache(false);

const inputs = new Map();
const read = (p) => {
  if (!inputs.has(p)) inputs.set(p, readFileSync(p));
  return inputs.get(p);
};

async function run(job) {
  const buf = read(job.input);
  const t0 = process.hrtime.bigint();
  let img = sharp(buf);
  img = job.crop
    ? img.resize(job.width, job.height, { fit: "cover", position: "centre" })
    : img.resize({ width: job.width });
  if (job.format === "jpeg") img = img.jpeg({ quality: job.quality });
  else if (job.format === "webp") img = img.webp({ quality: job.quality });
  else if (job.format === "avif") img = img.avif({ quality: job.quality });
  else throw new Error(`format ${job.format}`);
  const out = await img.toBuffer();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  writeFileSync(job.output, out);
  return { ms, bytes: out.length };
}

process.stdout.write(JSON.stringify({ ready: true, sharp: sharp.versions.sharp, vips: sharp.versions.vips }) + "\n");
const rl = createInterface({ input: process.stdin });
for await (const line of rl) {
  if (!line.trim()) continue;
  let answer;
  try {
    answer = await run(JSON.parse(line));
  } catch (e) {
    answer = { error: String(e && e.message ? e.message : e) };
  }
  process.stdout.write(JSON.stringify(answer) + "\n");
}

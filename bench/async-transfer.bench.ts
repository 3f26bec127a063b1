/**
 * The cost of closing the async transfer gap (native/addon/async_staging.h), for the gradient
 * toolkit's *Async calls: the same call on JS-owned memory (`new Float32Array`: copied into
 * scratch, copied back on settling) and on exported memory (`createParamStore`: pinned,
 * zero-copy), at several sizes, with the sync form as the floor. Variants alternate call by call
 * in one process, so load drifts hit them alike; each row is the median of per-call times
 * (steady state: the scratch blocks come from the pool after the first call).
 * The last rows take a list of many small tensors (the per-tensor cost of staging).
 * Columns: median µs per call for each variant, the copy's extra µs (user − exported) and the
 * ratio user / exported. `clipGradNormAsync` is given a maxNorm that makes it scale (read + write),
 * `getTotalNormAsync` only reads (its copy is not written back).
 * Run: npx tsx bench/async-transfer.bench.ts [--quick]
 */
import { backendInfo, clipGradNorm, clipGradNormAsync, createParamStore, getTotalNorm, getTotalNormAsync, nativeAvailable, useBackend } from '../lib/index.js';

const QUICK = process.argv.includes('--quick');
const SIZES = QUICK ? [1024, 262_144] : [256, 4096, 65_536, 262_144, 1_048_576, 4_194_304, 16_777_216];

type Grads = Float32Array | Float32Array[];
type Call = (g: Grads) => unknown;
const OPS: { name: string; sync: Call; async: (g: Grads) => Promise<unknown> }[] = [
  { name: 'getTotalNormAsync', sync: (g) => getTotalNorm(g), async: (g) => getTotalNormAsync(g) },
  // maxNorm below the norm: every call scales (the values shrink towards 0 but stay normal for
  // the few hundred calls of a run, and the work per call is the same).
  { name: 'clipGradNormAsync', sync: (g) => clipGradNorm(g, 1e-3), async: (g) => clipGradNormAsync(g, 1e-3) },
];

const now = (): number => Number(process.hrtime.bigint()) / 1e3; // µs
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function row(op: (typeof OPS)[number], n: number): Promise<string> {
  const user = new Float32Array(n).fill(1);
  const store = createParamStore([[n]]);
  const exported = store.grads.views[0].fill(1);
  const calls = Math.max(QUICK ? 10 : 30, Math.min(QUICK ? 60 : 400, Math.floor(4e7 / n)));
  const t = { sync: [] as number[], exported: [] as number[], user: [] as number[] };
  // Warm-up: first touch of the scratch blocks and of both arrays.
  await op.async(user);
  await op.async(exported);
  for (let i = 0; i < calls; ++i) {
    for (const which of ['user', 'exported', 'sync'] as const) {
      const g = which === 'user' ? user : exported;
      const t0 = now();
      if (which === 'sync') op.sync(g);
      else await op.async(g);
      t[which].push(now() - t0);
    }
    if (i % 50 === 49) {
      user.fill(1);
      exported.fill(1);
    }
  }
  const [s, e, u] = [median(t.sync), median(t.exported), median(t.user)];
  const mb = (n * 4) / 1e6;
  return `| ${op.name} | ${n.toLocaleString('en')} (${mb < 1 ? mb.toFixed(3) : mb.toFixed(1)} MB) | ${s.toFixed(1)} | ${e.toFixed(1)} | ${u.toFixed(1)} | ${(u - e).toFixed(1)} | ${(u / e).toFixed(2)} | ${calls} |`;
}

/** A list of many small tensors: the per-tensor cost of staging (one scratch view each). */
async function listRow(op: (typeof OPS)[number], tensors: number, n: number): Promise<string> {
  const user = Array.from({ length: tensors }, () => new Float32Array(n).fill(1));
  const store = createParamStore(Array.from({ length: tensors }, () => [n]));
  const exported = store.grads.views.map((v) => v.fill(1));
  const calls = QUICK ? 10 : 60;
  const t = { exported: [] as number[], user: [] as number[] };
  const run = (g: Float32Array[]): Promise<unknown> => op.async(g);
  await run(user);
  await run(exported);
  for (let i = 0; i < calls; ++i) {
    for (const which of ['user', 'exported'] as const) {
      const t0 = now();
      await run(which === 'user' ? user : exported);
      t[which].push(now() - t0);
    }
  }
  const [e, u] = [median(t.exported), median(t.user)];
  return `| ${op.name} | ${tensors} tensors × ${n} | – | ${e.toFixed(1)} | ${u.toFixed(1)} | ${(u - e).toFixed(1)} | ${(u / e).toFixed(2)} | ${calls} |`;
}

async function main(): Promise<void> {
  if (!nativeAvailable()) {
    console.log('async-transfer bench: the native addon is not available; nothing to measure');
    return;
  }
  useBackend('native');
  const info = backendInfo();
  console.log(`\n## *Async copy cost: JS-owned (copied) vs exported (pinned, zero-copy) memory — native/${info.isa}, ${info.threads} threads`);
  console.log('| call | floats | sync µs | exported µs | user µs | copy extra µs | user / exported | calls |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const op of OPS) for (const n of SIZES) console.log(await row(op, n));
  for (const op of OPS) console.log(await listRow(op, QUICK ? 100 : 1000, 256));
}

void main();

// SGEMM and Linear forward+backward: GFLOP/s, fraction of the peak FMA rate measured in the same run
// by a register-only FMA loop, and ratios to the pure-TS backend and to @tensorflow/tfjs (CPU and
// wasm backends). One factory per contender; the shapes are listed once here (issue 3).
// Then SGEMM against OpenBLAS in the same run (issue 15 §3): bench/c/sgemm_openblas.c, compiled here
// with cc and run as a child per measurement (OPENBLAS_NUM_THREADS = the thread count), interleaved
// with gradguard's runs over several rounds; each round prints GFLOP/s, % of the FMA peak measured
// in this run, the ratio to OpenBLAS and the 2-thread scaling, and the blocking gradguard ran with.
// Run: npx tsx bench/linalg.bench.ts [--quick]   (part of npm run bench)
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { spawnSync } from 'node:child_process';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDevtools } from '../scripts/devtools.js';
import { backendInfo, getNumThreads, ops, setNumThreads, useBackend } from '../lib/index.js';
import { measure } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');
const GEMM_SHAPES: [number, number, number][] = [[64, 256, 256], [256, 1024, 1024], [1024, 1024, 1024], [32, 4096, 4096]];
const LINEAR_SHAPES: [number, number, number][] = [[64, 256, 256], [256, 1024, 1024], [32, 4096, 4096]];

const fill = (n: number, seed: number) => {
  const a = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) a[i] = ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) - 0.5;
  return a;
};

type Contender = { name: string; prepare: (m: number, n: number, k: number) => () => void; slow?: boolean };

/** C = A·B (SGEMM) per contender. */
const gemmContenders = (threadCounts: number[]): Contender[] => [
  ...threadCounts.map((t) => ({
    name: `native ${t}t`,
    prepare: (m: number, n: number, k: number) => {
      const a = fill(m * k, 1), b = fill(k * n, 2), c = new Float32Array(m * n);
      return () => {
        useBackend('native');
        setNumThreads(t);
        ops.matmul(a, b, c, { m, n, k });
      };
    },
  })),
  {
    name: 'pure-TS',
    slow: true,
    prepare: (m, n, k) => {
      const a = fill(m * k, 1), b = fill(k * n, 2), c = new Float32Array(m * n);
      return () => {
        useBackend('js');
        ops.matmul(a, b, c, { m, n, k });
      };
    },
  },
  ...(['cpu', 'wasm'] as const).map((backend) => ({
    name: `tfjs-${backend}`,
    slow: backend === 'cpu',
    prepare: (m: number, n: number, k: number) => {
      const a = tf.tensor2d(fill(m * k, 1), [m, k]), b = tf.tensor2d(fill(k * n, 2), [k, n]);
      return () => {
        if (tf.getBackend() !== backend) tf.setBackend(backend);
        const c = tf.matMul(a, b);
        c.dataSync();
        c.dispose();
      };
    },
  })),
];

/** Linear forward + backward (dx, dW, db) per contender: 6·batch·in·out flops. */
const linearContenders = (threadCounts: number[]): Contender[] => [
  ...[...threadCounts.map((t) => ['native', t] as const), ['js', 1] as const].map(([backend, t]) => ({
    name: backend === 'native' ? `native ${t}t` : 'pure-TS',
    slow: backend === 'js',
    prepare: (batch: number, inF: number, outF: number) => {
      const x = fill(batch * inF, 1), w = fill(outF * inF, 2), b = fill(outF, 3), y = new Float32Array(batch * outF);
      const gy = fill(batch * outF, 4), gx = new Float32Array(batch * inF), gw = new Float32Array(outF * inF), gb = new Float32Array(outF);
      const shape = { batch, inFeatures: inF, outFeatures: outF };
      return () => {
        useBackend(backend);
        if (backend === 'native') setNumThreads(t);
        ops.linearForward(x, w, b, y, shape);
        ops.linearBackward(x, w, gy, { gradX: gx, gradWeight: gw, gradBias: gb }, shape);
      };
    },
  })),
];

async function main(): Promise<void> {
  setWasmPaths(join(here, '..', 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist') + '/');
  await tf.setBackend('wasm');
  await tf.ready();
  const probes = loadDevtools();
  const all = getNumThreads();
  const threadCounts = [...new Set([1, all])];
  const info = backendInfo();
  console.log(`\ngradguard linalg bench — ${cpus()[0]?.model ?? 'cpu'}, ${cpus().length} cores, ISA ${info.isa}, Node ${process.version}`);
  const peak = new Map<number, number>();
  for (const t of threadCounts) {
    setNumThreads(t);
    let flops = 0;
    // Short calls, median of single calls: on a shared machine a long call is preempted more often.
    const seconds = perCallMedian(() => void (flops = probes.fmaPeak(2e6, t, info.isa)), 1);
    peak.set(t, flops / seconds / 1e9);
    console.log(`peak FMA rate, ${t} thread(s): ${peak.get(t)!.toFixed(1)} GFLOP/s (register-only ${info.isa} FMA loop)`);
  }
  const table = (title: string, shapes: [number, number, number][], contenders: Contender[], flopsOf: (s: [number, number, number]) => number) => {
    console.log(`\n${title}\n| shape | contender | median ms | GFLOP/s | % peak | × pure-TS | × tfjs-cpu | × tfjs-wasm |\n|---|---|---|---|---|---|---|---|`);
    for (const s of shapes) {
      const times = new Map<string, number>();
      for (const c of contenders) {
        if (quick && c.slow) continue;
        const fn = c.prepare(...s);
        times.set(c.name, measure(`${title} ${s} ${c.name}`, fn, c.slow ? { maxTime: 0.5, minSamples: 2 } : { maxTime: 1 }).median);
      }
      for (const [name, t] of times) {
        const threads = /native (\d+)t/.exec(name);
        const pk = threads ? peak.get(Number(threads[1])) : undefined;
        const ratio = (other: string) => (times.has(other) && name.startsWith('native') ? (times.get(other)! / t).toFixed(1) : '—');
        const gf = flopsOf(s) / t / 1e9;
        console.log(`| ${s.join('×')} | ${name} | ${(t * 1e3).toFixed(2)} | ${gf.toFixed(1)} | ${pk ? ((100 * gf) / pk).toFixed(0) + '%' : '—'} | ${ratio('pure-TS')} | ${ratio('tfjs-cpu')} | ${ratio('tfjs-wasm')} |`);
      }
    }
  };
  table('SGEMM C = A·B, (m, n, k)', GEMM_SHAPES, gemmContenders(threadCounts), ([m, n, k]) => 2 * m * n * k);
  table('Linear forward + backward, (batch, in, out)', LINEAR_SHAPES, linearContenders(threadCounts), ([b, i, o]) => 6 * b * i * o);
  openblasComparison(threadCounts, peak, info.isa, probes);
  if (threadCounts.length > 1) alternatingScaling(threadCounts);
  gemmBreakdown(info.isa, probes);
  if (threadCounts.length > 1) pausedScaling(threadCounts);
  setNumThreads(all);
}

/** The q-quantile (lower) of xs, not modifying xs: median = quantile(xs, 0.5). */
const quantile = (xs: number[], q: number): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length * q)]!;
const median = (xs: number[]): number => quantile(xs, 0.5);

const OPENBLAS_SHAPES: [number, number, number][] = [[1024, 1024, 1024], [64, 256, 256]];

/** Compiles bench/c/sgemm_openblas.c against -lopenblas; the binary, or why it could not. */
function buildOpenblasHarness(): { bin: string } | { missing: string } {
  const bin = join(tmpdir(), `gradguard-sgemm-openblas-${process.pid}`);
  const cc = spawnSync('cc', ['-O2', '-o', bin, join(here, 'c', 'sgemm_openblas.c'), '-lopenblas'], { encoding: 'utf8' });
  if (cc.error || cc.status !== 0) return { missing: (cc.error?.message ?? cc.stderr).split('\n')[0] ?? 'cc failed' };
  return { bin };
}

/** One OpenBLAS median (seconds) for a shape at `threads`, from a child process. */
function openblasMedian(bin: string, [m, n, k]: [number, number, number], threads: number, seconds: number): { median: number; core: string } {
  const r = spawnSync(bin, [String(seconds), String(m), String(n), String(k)], {
    encoding: 'utf8',
    env: { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) },
  });
  if (r.status !== 0) throw new Error(`sgemm_openblas ${m} ${n} ${k} failed: ${r.stderr}`);
  const row = JSON.parse(r.stdout.trim().split('\n')[0]!) as { median: number; core: string; threads: number };
  if (row.threads !== threads) throw new Error(`sgemm_openblas ran ${row.threads} threads, asked ${threads}`);
  return row;
}

/** Median seconds of single calls (a warm-up call, then calls until `seconds` have passed, at least
 *  5): timed exactly as bench/c/sgemm_openblas.c times OpenBLAS, so the two compare like for like.
 *  (benchmark.js's samples are means over many calls, which a preempted call on a busy machine
 *  inflates; a median of single calls is robust to that, and the C side cannot use benchmark.js.) */
function perCallMedian(fn: () => void, seconds: number): number {
  fn();
  const times: number[] = [];
  const end = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
  while (times.length < 5 || process.hrtime.bigint() < end) {
    const t0 = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  times.sort((x, y) => x - y);
  return times[Math.floor(times.length / 2)]!;
}

/** gradguard vs OpenBLAS on the same shapes, interleaved (gradguard, OpenBLAS, next thread count...)
 *  over several rounds: every row is a same-run comparison. */
function openblasComparison(threadCounts: number[], peak: Map<number, number>, isa: string, probes: ReturnType<typeof loadDevtools>): void {
  const blk = probes.gemmBlocking(isa);
  const kib = (b: number) => (b ? `${Math.round(b / 1024)} KiB` : 'not reported');
  console.log(
    `\nSGEMM blocking (${isa}): ${blk.mr}×${blk.nr} micro-tile, kc ${blk.kc}, mc ${blk.mc}, nc ${blk.nc}, mo ${blk.mo} ` +
      `(from L1d ${kib(blk.l1d)}, L2 ${kib(blk.l2)}${blk.l2Sharing > 1 ? ` / ${blk.l2Sharing} CPUs` : ''}, ` +
      `L3 ${kib(blk.l3)}${blk.l3Sharing > 1 ? ` / ${blk.l3Sharing} CPUs` : ''})`,
  );
  const rounds = quick ? 1 : 3;
  const seconds = quick ? 0.3 : 1;
  const harness = buildOpenblasHarness();
  console.log(`\nSGEMM vs OpenBLAS, same run, interleaved, ${rounds} round(s)\n| round | shape | threads | gradguard GFLOP/s | % peak | OpenBLAS GFLOP/s | OpenBLAS % peak | gradguard ÷ OpenBLAS | gradguard ${threadCounts.at(-1)}t ÷ 1t |\n|---|---|---|---|---|---|---|---|---|`);
  if ('missing' in harness) console.log(`| — | — | — | — | — | OpenBLAS not installed (apt-get install libopenblas-dev): ${harness.missing} | — | — | — |`);
  const worst = new Map<string, number>();
  const worstScaling = new Map<string, number>();
  for (let round = 1; round <= rounds; round++) {
    for (const shape of OPENBLAS_SHAPES) {
      const [m, n, k] = shape;
      const a = fill(m * k, 1), b = fill(k * n, 2), c = new Float32Array(m * n);
      const flops = 2 * m * n * k;
      const gg = new Map<number, number>();
      for (const t of threadCounts) {
        useBackend('native');
        setNumThreads(t);
        gg.set(t, flops / perCallMedian(() => ops.matmul(a, b, c, { m, n, k }), seconds) / 1e9);
        const ob = 'bin' in harness ? flops / openblasMedian(harness.bin, shape, t, seconds).median / 1e9 : undefined;
        const pk = peak.get(t)!;
        const g = gg.get(t)!;
        const last = t === threadCounts.at(-1) && t > 1;
        const scaling = last ? `${(g / gg.get(1)!).toFixed(2)}×` : '—';
        if (last) worstScaling.set(shape.join('×'), Math.min(worstScaling.get(shape.join('×')) ?? Infinity, g / gg.get(1)!));
        if (ob !== undefined) {
          const key = `${shape.join('×')} ${t}t`;
          worst.set(key, Math.min(worst.get(key) ?? Infinity, g / ob));
        }
        console.log(
          `| ${round} | ${shape.join('×')} | ${t} | ${g.toFixed(1)} | ${((100 * g) / pk).toFixed(0)}% | ${ob?.toFixed(1) ?? 'not installed'} | ${ob ? ((100 * ob) / pk).toFixed(0) + '%' : '—'} | ${ob ? (g / ob).toFixed(2) : '—'} | ${scaling} |`,
        );
      }
    }
  }
  for (const [key, r] of worst) console.log(`worst same-run ratio to OpenBLAS, ${key}: ${r.toFixed(2)}`);
  for (const [key, r] of worstScaling) console.log(`worst ${threadCounts.at(-1)}-thread scaling over the rounds, ${key}: ${r.toFixed(2)}×`);
}

const SMALL = [64, 256, 256] as const;

/** Alternating 50 ms blocks of 1-thread and `many`-thread calls of the small product, each call
 *  after `pauseNs` of busy work on this thread (0n: back to back; the pause is not timed): every
 *  call's seconds per thread count, and the ratio of per-call medians of each block pair, sorted. */
function smallProductPairs(many: number, pauseNs: bigint): { pairs: number; block: number; all1: number[]; allN: number[]; ratios: number[] } {
  const [m, n, k] = SMALL;
  const a = fill(m * k, 1), b = fill(k * n, 2), c = new Float32Array(m * n);
  const pairs = quick ? 5 : 20;
  const block = 0.05;
  const busy = (ns: bigint) => {
    const end = process.hrtime.bigint() + ns;
    while (process.hrtime.bigint() < end);
  };
  const blockTimes = (t: number): number[] => {
    setNumThreads(t);
    ops.matmul(a, b, c, { m, n, k });
    const times: number[] = [];
    const end = process.hrtime.bigint() + BigInt(Math.round(block * 1e9));
    while (times.length < 5 || process.hrtime.bigint() < end) {
      if (pauseNs > 0n) busy(pauseNs);
      const t0 = process.hrtime.bigint();
      ops.matmul(a, b, c, { m, n, k });
      times.push(Number(process.hrtime.bigint() - t0) / 1e9);
    }
    return times;
  };
  useBackend('native');
  const all1: number[] = [], allN: number[] = [], ratios: number[] = [];
  for (let p = 0; p < pairs; p++) {
    const one = blockTimes(1), nt = blockTimes(many);
    all1.push(...one);
    allN.push(...nt);
    ratios.push(median(one) / median(nt));
  }
  ratios.sort((x, y) => x - y);
  return { pairs, block, all1, allN, ratios };
}

/** The small product's scaling (issue 15 §3: 64×256×256 at the pool's size ≥ 1.6× one thread, in
 *  every run) from alternating short blocks of 1-thread and n-thread calls, so both counts see the
 *  same machine state (the table above measures them a second or more apart, with OpenBLAS children
 *  between). One call takes ~60 µs, so a block is hundreds of calls; each block pair gives a ratio of
 *  per-call medians, and the worst pair says whether the target held throughout. */
function alternatingScaling(threadCounts: number[]): void {
  const [m, n, k] = SMALL;
  const many = threadCounts.at(-1)!;
  const { pairs, block, all1, allN, ratios } = smallProductPairs(many, 0n);
  const gf = (s: number) => ((2 * m * n * k) / s / 1e9).toFixed(1);
  console.log(
    `
SGEMM ${m}×${n}×${k}, ${pairs} alternating ${block * 1e3} ms blocks of 1 and ${many} threads: ` +
      `per-call medians ${gf(median(all1))} / ${gf(median(allN))} GFLOP/s, ${many}t ÷ 1t ${(median(all1) / median(allN)).toFixed(2)}×; ` +
      `block pairs: worst ${ratios[0]!.toFixed(2)}×, median ${ratios[Math.floor(ratios.length / 2)]!.toFixed(2)}×, best ${ratios.at(-1)!.toFixed(2)}× (target ≥ 1.6×)`,
  );
}

/** Where 1024³ loses to the 1-thread peak (issue 15 §3), in steps measured interleaved over rounds
 *  on one thread: the peak FMA loop, the micro-kernel alone on L1-resident panels (its own ceiling),
 *  the driver's compute loop nest without packing (adds A from L2 and C tiles from memory: cache and
 *  TLB), then the whole sgemm (adds packing and the driver). Each row's last column is the share of
 *  its time that its step added over the row above. Timed in process CPU time, medians of single
 *  calls: at one thread the pool is idle, so that is this thread's time, and a machine shared with
 *  other jobs (which preempt and stretch wall-clock time) barely moves it. */
function gemmBreakdown(isa: string, probes: ReturnType<typeof loadDevtools>): void {
  const [m, n, k] = [1024, 1024, 1024];
  const a = fill(m * k, 1), b = fill(k * n, 2), c = new Float32Array(m * n);
  const rounds = quick ? 3 : 7;
  const seconds = quick ? 0.1 : 0.3;
  const cpuSeconds = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  /** Flops per CPU second: median over single calls of fn (which returns the flops it did). */
  const rate = (fn: () => number): number => {
    fn();
    const rates: number[] = [];
    const end = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
    while (rates.length < 5 || process.hrtime.bigint() < end) {
      const t0 = cpuSeconds();
      const flops = fn();
      const dt = cpuSeconds() - t0;
      if (dt > 0) rates.push(flops / dt);
    }
    rates.sort((x, y) => x - y);
    return rates[Math.floor(rates.length / 2)]!;
  };
  useBackend('native');
  setNumThreads(1);
  const rows: [string, () => number][] = [
    ['peak FMA loop', () => probes.fmaPeak(2e6, 1, isa)],
    ['micro-kernel alone, L1-resident panels', () => probes.gemmKernelProbe(isa, 'l1', 2000)],
    ['kernel sweep, 1024×1024 C, A from L2, no packing', () => probes.gemmKernelProbe(isa, 'sweep', 2000)],
    ['full sgemm 1024³', () => (ops.matmul(a, b, c, { m, n, k }), 2 * m * n * k)],
  ];
  const got = rows.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) rows.forEach(([, fn], i) => got[i]!.push(rate(fn) / 1e9));
  const peak = median(got[0]!);
  console.log(`\nSGEMM 1024³ breakdown, 1 thread, ${isa}, CPU-time medians of ${rounds} interleaved rounds\n| step | GFLOP/s | % peak | share of the time this step added |\n|---|---|---|---|`);
  let prev = peak;
  rows.forEach(([name], i) => {
    const g = median(got[i]!);
    // Time per flop grows from 1/prev to 1/g: the fraction of this row's time the step added.
    console.log(`| ${name} | ${g.toFixed(1)} | ${((100 * g) / peak).toFixed(0)}% | ${i === 0 ? '—' : (100 * (1 - g / prev)).toFixed(0) + '%'} |`);
    prev = g;
  });
}

/** The small product's scaling when every call follows a pause, as between the steps of an RNN
 *  (issue 15 §3's diagnosis: after 100–300 µs of serial work the pool's worker had gone to sleep,
 *  and the woken worker could take the caller's core: a 2-thread call then took ~2× a 1-thread
 *  one). Alternating blocks as above, each call preceded by 200 µs of busy work on the calling
 *  thread (not timed); worst/median/best block pairs and the slow tail (90th percentile). Then the
 *  CPU time the process uses while the pool idles (its workers poll for a bounded time after a
 *  job, then sleep): should be ~0. */
function pausedScaling(threadCounts: number[]): void {
  const [m, n, k] = SMALL;
  const many = threadCounts.at(-1)!;
  const pauseNs = 200_000n;
  const { pairs, block, all1, allN, ratios } = smallProductPairs(many, pauseNs);
  const us = (s: number) => (s * 1e6).toFixed(1);
  console.log(
    `SGEMM ${m}×${n}×${k} after ${Number(pauseNs) / 1e3} µs pauses, ${pairs} alternating ${block * 1e3} ms blocks of 1 and ${many} threads: ` +
      `per-call median ${us(median(all1))} / ${us(median(allN))} µs (90th percentile ${us(quantile(all1, 0.9))} / ${us(quantile(allN, 0.9))} µs), ${many}t ÷ 1t ${(median(all1) / median(allN)).toFixed(2)}×; ` +
      `block pairs: worst ${ratios[0]!.toFixed(2)}×, median ${ratios[Math.floor(ratios.length / 2)]!.toFixed(2)}×, best ${ratios.at(-1)!.toFixed(2)}×`,
  );
  // Idle: 50 ms for the workers' polling budget to run out, then the process's CPU time over 500 ms
  // of this thread blocked (Atomics.wait: no event-loop work either).
  const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  sleep(50);
  const before = process.cpuUsage();
  sleep(500);
  const used = process.cpuUsage(before);
  console.log(`idle pool (${many} threads): ${((used.user + used.system) / 1e3).toFixed(1)} ms of CPU in 500 ms`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

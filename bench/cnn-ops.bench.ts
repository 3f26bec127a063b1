/**
 * CNN ops throughput on a ResNet-sized activation (32, 64, 28, 28): MaxPool2d 3×3 stride 2 pad 1
 * (forward with indices + backward) and BatchNorm2d training (forward + backward), plus dropout
 * (mask draw in TS + multiply, forward + backward), native (active ISA, 1 and all threads) vs the
 * pure-TS backend. GB/s counts the bytes each algorithm must move (below) and is compared with
 * the read+write (copy) bandwidth measured in the same run.
 * Run: npx tsx bench/cnn-ops.bench.ts [--quick]
 */
import { cpus } from 'node:os';
import { backendInfo, getNumThreads, nativeAvailable, ops, Rng, setNumThreads, useBackend } from '../lib/index.js';
import { bandwidth, measure } from './harness.js';

const QUICK = process.argv.includes('--quick');
const [N, C, H, W] = [32, 64, 28, 28];
const IN = N * C * H * W;
const pool = { batch: N, channels: C, height: H, width: W, kernelSize: 3, stride: 2, padding: 1 };
const [OH, OW] = ops.maxPool2dOutputSize(pool);
const OUT = N * C * OH * OW;

const x = new Float32Array(IN).map((_, i) => Math.sin(i * 0.37) * 2);
const gyIn = new Float32Array(IN).map((_, i) => Math.cos(i * 0.11));

interface Case {
  name: string;
  /** Bytes the op must move: every read and write of the algorithm's passes. */
  bytes: number;
  run: () => void;
}

function cases(): Case[] {
  const y = new Float32Array(OUT);
  const idx = new Int32Array(OUT);
  const gyOut = gyIn.subarray(0, OUT);
  const gx = new Float32Array(IN);
  const shape = [N, C, H, W] as [number, number, number, number];
  const weight = new Float32Array(C).fill(1);
  const bias = new Float32Array(C);
  const rm = new Float32Array(C);
  const rv = new Float32Array(C).fill(1);
  const out = new Float32Array(IN);
  const mask = new Uint8Array(IN);
  const rng = new Rng(1);
  return [
    {
      // forward: read x, write y + indices; backward: zero + scatter gradX, read gradY + indices.
      name: 'MaxPool2d 3×3/2 p1 fwd+bwd',
      bytes: 4 * IN + 8 * OUT + 8 * OUT + 4 * IN,
      run: () => {
        ops.maxPool2dForward(x, y, idx, pool);
        ops.maxPool2dBackward(gyOut, idx, gx, pool);
      },
    },
    {
      // forward: mean pass, variance pass, apply (read x, write y); backward: sums (read gy, x),
      // dx (read gy, x, write dx).
      name: 'BatchNorm2d train fwd+bwd',
      bytes: 4 * IN * (1 + 1 + 2) + 4 * IN * (2 + 3),
      run: () => {
        const f = ops.batchNorm2d(x, shape, { weight, bias, runningMean: rm, runningVar: rv, out });
        ops.batchNorm2dBackward(gyIn, x, shape, f, { weight, gradX: gx });
      },
    },
    {
      // forward: mask written, x read, y written; backward: mask + gradY read, gradX written.
      name: 'Dropout p=0.5 fwd+bwd',
      bytes: IN + 8 * IN + IN + 8 * IN,
      run: () => {
        ops.dropout(x, out, mask, { p: 0.5, rng });
        ops.dropoutBackward(gyIn, mask, gx, { p: 0.5 });
      },
    },
  ];
}

const allThreads = nativeAvailable() ? getNumThreads() : 1;
const threadCounts = [...new Set([1, allThreads])];
const bw = new Map(nativeAvailable() ? threadCounts.map((t) => [t, bandwidth(t)] as const) : []);
console.log(`\nCNN ops on (${N}, ${C}, ${H}, ${W}); ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}, ISA ${nativeAvailable() ? backendInfo().isa : 'js'}`);
for (const [t, b] of bw) if (b) console.log(`memory bandwidth, ${t} thread(s): read ${b.read.toFixed(1)} GB/s, copy (read+write) ${b.copy.toFixed(1)} GB/s`);
console.log('\n| op | backend | threads | median ms | GB/s | % copy bandwidth | × pure-TS |\n|---|---|---|---|---|---|---|');
const opts = QUICK ? { maxTime: 0.5, minSamples: 3 } : { maxTime: 2, minSamples: 5 };
for (const c of cases()) {
  useBackend('js');
  const js = measure(`${c.name} js`, c.run, { maxTime: QUICK ? 0.5 : 1, minSamples: 3 }).median;
  const row = (backend: string, threads: number, s: number, copy: number | undefined) =>
    console.log(`| ${c.name} | ${backend} | ${threads} | ${(s * 1e3).toFixed(2)} | ${(c.bytes / s / 1e9).toFixed(1)} | ${copy ? ((100 * c.bytes) / s / 1e9 / copy).toFixed(0) + '%' : '—'} | ${(js / s).toFixed(1)} |`);
  if (nativeAvailable()) {
    useBackend('native');
    for (const t of threadCounts) {
      setNumThreads(t);
      row(`native/${backendInfo().isa}`, t, measure(`${c.name} native ${t}t`, c.run, opts).median, bw.get(t)?.copy);
    }
    setNumThreads(allThreads);
  }
  row('pure-TS', 1, js, undefined);
}
console.log('\nGB/s: the bytes each algorithm reads and writes (see the cases) over the median time; dropout includes drawing the mask in TypeScript.');

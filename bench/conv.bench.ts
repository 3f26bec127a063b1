// Conv2d forward + backward (y, gradX, gradWeight, gradBias): GFLOP/s, fraction of the peak FMA rate
// measured in the same run (register-only FMA loop of the devtools addon), the ratio to the pure-TS
// backend, and to PyTorch 1.13 on one thread (issue 13's figures: 18.9 ms, 35.2 ms and 22 ms on
// this class of machine). Shapes: two ResNet-like layers, the LeNet-like first layer, and ResNet's
// stride-2 downsampling layer (no PyTorch figure; the strided path's row).
// Run: npx tsx bench/conv.bench.ts [--quick]   (part of npm run bench)
import { cpus } from 'node:os';
import { loadDevtools } from '../scripts/devtools.js';
import { backendInfo, getNumThreads, ops, setNumThreads, useBackend } from '../lib/index.js';
import { measure } from './harness.js';

const quick = process.argv.includes('--quick');

interface Layer {
  name: string;
  options: ops.Conv2dOptions;
  /** PyTorch 1.13, one thread, forward + backward (issue 13), ms; absent where not measured. */
  torchMs?: number;
}

const LAYERS: Layer[] = [
  { name: 'ResNet 32→32, 28×28, 3×3 pad 1, batch 32', options: { batch: 32, inChannels: 32, outChannels: 32, height: 28, width: 28, kernelSize: 3, padding: 1 }, torchMs: 18.9 },
  { name: 'ResNet 64→64, 28×28, 3×3 pad 1, batch 16', options: { batch: 16, inChannels: 64, outChannels: 64, height: 28, width: 28, kernelSize: 3, padding: 1 }, torchMs: 35.2 },
  { name: 'LeNet 1→8, 28×28, 5×5, batch 64', options: { batch: 64, inChannels: 1, outChannels: 8, height: 28, width: 28, kernelSize: 5 }, torchMs: 22 },
  // ResNet's downsampling conv: stride 2 is not the unit-stride path (implicit GEMM + col2im).
  { name: 'ResNet 32→64 stride 2, 28×28, 3×3 pad 1, batch 32', options: { batch: 32, inChannels: 32, outChannels: 64, height: 28, width: 28, kernelSize: 3, padding: 1, stride: 2 } },
];

const fill = (n: number, seed: number) => {
  const a = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) a[i] = ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) - 0.5;
  return a;
};

/** Multiply-adds of one direction times 2, times 3 directions (y, gradX, gradWeight). */
function flops(o: ops.Conv2dOptions): number {
  const [oh, ow] = ops.conv2dOutputSize(o);
  const k = typeof o.kernelSize === 'number' ? o.kernelSize * o.kernelSize : o.kernelSize[0] * o.kernelSize[1];
  return 3 * 2 * o.batch * o.outChannels * oh * ow * (o.inChannels / (o.groups ?? 1)) * k;
}

type Part = 'forward' | 'gradX' | 'gradWeight + gradBias';
const PARTS: Part[] = ['forward', 'gradX', 'gradWeight + gradBias'];

/** One direction of the step alone (a third of its multiply-adds): where the time goes. */
function part(o: ops.Conv2dOptions, which: Part): () => void {
  const [oh, ow] = ops.conv2dOutputSize(o);
  const k = typeof o.kernelSize === 'number' ? o.kernelSize * o.kernelSize : o.kernelSize[0] * o.kernelSize[1];
  const x = fill(o.batch * o.inChannels * o.height * o.width, 1);
  const w = fill(o.outChannels * (o.inChannels / (o.groups ?? 1)) * k, 2);
  const b = fill(o.outChannels, 3);
  const y = new Float32Array(o.batch * o.outChannels * oh * ow);
  const gy = fill(y.length, 4);
  if (which === 'forward') return () => ops.conv2dForward(x, w, b, y, o);
  const grads = which === 'gradX' ? { gradX: new Float32Array(x.length) } : { gradWeight: new Float32Array(w.length), gradBias: new Float32Array(o.outChannels) };
  return () => ops.conv2dBackward(x, w, gy, grads, o);
}

function step(o: ops.Conv2dOptions): () => void {
  const [oh, ow] = ops.conv2dOutputSize(o);
  const k = typeof o.kernelSize === 'number' ? o.kernelSize * o.kernelSize : o.kernelSize[0] * o.kernelSize[1];
  const x = fill(o.batch * o.inChannels * o.height * o.width, 1);
  const w = fill(o.outChannels * (o.inChannels / (o.groups ?? 1)) * k, 2);
  const b = fill(o.outChannels, 3);
  const y = new Float32Array(o.batch * o.outChannels * oh * ow);
  const gy = fill(y.length, 4);
  const grads = { gradX: new Float32Array(x.length), gradWeight: new Float32Array(w.length), gradBias: new Float32Array(o.outChannels) };
  return () => {
    ops.conv2dForward(x, w, b, y, o);
    ops.conv2dBackward(x, w, gy, grads, o);
  };
}

/** Process CPU seconds per call (user + system, every thread) over `reps` calls: on a shared
 *  machine the wall-clock median also counts the time other processes hold the cores. */
function cpuPerCall(fn: () => void, reps: number): number {
  fn();
  const c0 = process.cpuUsage();
  for (let r = 0; r < reps; r++) fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6 / reps;
}

function main(): void {
  const probes = loadDevtools();
  const all = getNumThreads();
  const threadCounts = [...new Set([1, Math.min(2, all)])];
  const info = backendInfo();
  console.log(`\ngradguard conv bench — ${cpus()[0]?.model ?? 'cpu'}, ${cpus().length} cores, ISA ${info.isa}, Node ${process.version}`);
  const peak = new Map<number, number>();
  for (const t of threadCounts) {
    setNumThreads(t);
    let f = 0;
    const timing = measure(`peak ${t}t`, () => void (f = probes.fmaPeak(2e7, t, info.isa)), { maxTime: 1 });
    peak.set(t, f / timing.median / 1e9);
    console.log(`peak FMA rate, ${t} thread(s): ${peak.get(t)!.toFixed(1)} GFLOP/s (register-only ${info.isa} FMA loop)`);
  }
  // The same loop in process CPU time, for the CPU-time columns (wall clock also counts the time
  // other processes hold the core).
  setNumThreads(1);
  let pf = 0;
  const peakCpu1 = ((pf = probes.fmaPeak(2e7, 1, info.isa)), pf / cpuPerCall(() => void probes.fmaPeak(2e7, 1, info.isa), quick ? 5 : 20) / 1e9);
  console.log(`peak FMA rate, 1 thread, per CPU second: ${peakCpu1.toFixed(1)} GFLOP/s`);
  console.log('\nConv2d forward + backward (y, gradX, gradWeight, gradBias)\n| layer | contender | median ms | GFLOP/s | % peak | × pure-TS | × PyTorch 1t | CPU ms/call | GFLOP/s per CPU s |\n|---|---|---|---|---|---|---|---|---|');
  for (const layer of LAYERS) {
    const fn = step(layer.options);
    const times = new Map<string, number>();
    const cpu = new Map<string, number>();
    for (const t of threadCounts) {
      useBackend('native');
      setNumThreads(t);
      times.set(`native ${t}t`, measure(`${layer.name} native ${t}t`, fn, { maxTime: quick ? 0.5 : 2 }).median);
      cpu.set(`native ${t}t`, cpuPerCall(fn, quick ? 5 : 20));
    }
    if (!quick) {
      useBackend('js');
      times.set('pure-TS', measure(`${layer.name} pure-TS`, fn, { maxTime: 1, minSamples: 2 }).median);
      useBackend('native');
    }
    for (const [name, sec] of times) {
      const threads = /native (\d+)t/.exec(name);
      const pk = threads ? peak.get(Number(threads[1])) : undefined;
      const gf = flops(layer.options) / sec / 1e9;
      const vsJs = times.has('pure-TS') && threads ? (times.get('pure-TS')! / sec).toFixed(1) : '—';
      const vsTorch = threads && layer.torchMs !== undefined ? (layer.torchMs / 1e3 / sec).toFixed(2) : '—';
      const c = cpu.get(name);
      const cpuCols = c ? `${(c * 1e3).toFixed(2)} | ${(flops(layer.options) / c / 1e9).toFixed(1)}` : '— | —';
      console.log(`| ${layer.name} | ${name} | ${(sec * 1e3).toFixed(2)} | ${gf.toFixed(1)} | ${pk ? ((100 * gf) / pk).toFixed(0) + '%' : '—'} | ${vsJs} | ${vsTorch} | ${cpuCols} |`);
    }
  }
  // Per direction, native on one thread, in CPU time (the shared-machine-proof column): the
  // unit-stride path's forward and gradX against its gradWeight.
  console.log('\nPer direction, native 1 thread (CPU time per call)\n| layer | direction | CPU ms/call | GFLOP/s per CPU s | % peak per CPU s |\n|---|---|---|---|---|');
  useBackend('native');
  setNumThreads(1);
  for (const layer of LAYERS) {
    for (const which of PARTS) {
      // 20 calls even when quick: 5 were too few (one row read 5-9 ms for a 4 ms call).
      const c = cpuPerCall(part(layer.options, which), 20);
      const gf = flops(layer.options) / 3 / c / 1e9;
      console.log(`| ${layer.name} | ${which} | ${(c * 1e3).toFixed(2)} | ${gf.toFixed(1)} | ${((100 * gf) / peakCpu1).toFixed(0)}% |`);
    }
  }
  setNumThreads(all);
}

main();

// LSTM forward + backward (one layer, PyTorch layout) for the shapes of issue 4, native on 1 and all
// threads vs the pure-TS backend, with all buffers (outputs, workspace, gradients) allocated once.
// Run: npx tsx bench/lstm.bench.ts [--quick]   (part of npm run bench)
import { cpus } from 'node:os';
import { backendInfo, getNumThreads, nativeAvailable, ops, setNumThreads, useBackend } from '../lib/index.js';
import { measure } from './harness.js';

const quick = process.argv.includes('--quick');
/** (inputSize, hiddenSize, seqLen, batch) */
const SHAPES: [number, number, number, number][] = [[128, 256, 100, 32], [32, 64, 200, 8]];

const fill = (n: number, seed: number, scale = 0.1) => {
  const a = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) a[i] = (((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) - 0.5) * scale;
  return a;
};

/** One training step's LSTM work on preallocated buffers. */
function lstmStep(I: number, H: number, T: number, B: number): () => void {
  const shape = { seqLen: T, batch: B, inputSize: I, hiddenSize: H };
  const input = fill(T * B * I, 1, 1);
  const weights = { weightIh: fill(4 * H * I, 2), weightHh: fill(4 * H * H, 3), biasIh: fill(4 * H, 4), biasHh: fill(4 * H, 5) };
  const output = new Float32Array(T * B * H), hN = new Float32Array(B * H), cN = new Float32Array(B * H);
  const workspace = new Float32Array(ops.lstmWorkspaceSize(T, B, H));
  const gradOutput = fill(T * B * H, 6);
  const grads = {
    gradInput: new Float32Array(T * B * I), gradH0: new Float32Array(B * H), gradC0: new Float32Array(B * H),
    gradWeightIh: new Float32Array(4 * H * I), gradWeightHh: new Float32Array(4 * H * H),
    gradBiasIh: new Float32Array(4 * H), gradBiasHh: new Float32Array(4 * H),
  };
  return () => {
    ops.lstmForward(input, weights, shape, { output, hN, cN, workspace });
    ops.lstmBackward(input, weights, shape, workspace, { gradOutput, grads });
  };
}

const all = nativeAvailable() ? getNumThreads() : 1;
console.log(`\nLSTM forward+backward — ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}, ISA ${backendInfo().isa}`);
console.log('| input→hidden, seq, batch | contender | median ms | GFLOP/s | × pure-TS |\n|---|---|---|---|---|');
for (const [I, H, T, B] of SHAPES) {
  // forward 2·T·B·4H·(I+H), backward about twice that
  const flops = 3 * 2 * T * B * 4 * H * (I + H);
  const step = lstmStep(I, H, T, B);
  useBackend('js');
  const js = quick ? undefined : measure(`lstm js ${I}`, step, { maxTime: 0.5, minSamples: 2 }).median;
  const runs: [string, number][] = js ? [['pure-TS', js]] : [];
  if (nativeAvailable()) {
    for (const t of [...new Set([1, all])]) {
      useBackend('native');
      setNumThreads(t);
      runs.push([`native ${t}t`, measure(`lstm native ${I} ${t}t`, step, { maxTime: 2, minSamples: 5 }).median]);
    }
    setNumThreads(all);
  }
  for (const [name, t] of runs) {
    console.log(`| ${I}→${H}, ${T}, ${B} | ${name} | ${(t * 1e3).toFixed(1)} | ${(flops / t / 1e9).toFixed(1)} | ${js ? (js / t).toFixed(1) : '—'} |`);
  }
}

// A whole training step — LSTM 128→256 (seq 100, batch 32) → last step → Linear head, MSE loss:
// zeroGrad, forward, loss, backward, norm clipping folded into Adam — through Trainer.step, native on
// 1 and all threads vs the pure-TS backend; beside the LSTM kernels alone (ops forward + backward on the
// same buffers), so the loop's own cost shows. Steady state allocates nothing.
// Run: npx tsx bench/train.bench.ts [--quick]   (part of npm run bench; --quick skips pure-TS)
import { cpus } from 'node:os';
import { Adam, backendInfo, getNumThreads, nativeAvailable, nn, ops, setNumThreads, Trainer, useBackend } from '../lib/index.js';
import type { Timing } from './harness.js';

const quick = process.argv.includes('--quick');
const [I, H, T, B] = [128, 256, 100, 32];

const fill = (n: number, seed: number, scale = 1): Float32Array => {
  const a = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) a[i] = ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32 - 0.5) * scale;
  return a;
};

function setup(): { trainer: Trainer; batch: { input: nn.Tensor; target: nn.Tensor }; lstm: nn.LSTM } {
  const lstm = new nn.LSTM(I, H, { seed: 1 });
  const model = new nn.Sequential(lstm, new nn.LastTimeStep(), new nn.Linear(H, 1, { seed: 2 }));
  const trainer = new Trainer({ model, loss: new nn.MSELoss(), optimizer: (p) => new Adam(p, { lr: 1e-3 }), clip: { maxNorm: 1 }, silent: true, handleSigint: false });
  return { trainer, batch: { input: nn.tensor(fill(T * B * I, 3), [T, B, I]), target: nn.tensor(fill(B, 4), [B, 1]) }, lstm };
}

/** The LSTM kernels alone on preallocated buffers (what the step cannot go below). */
function kernelsOnly(lstm: nn.LSTM, input: Float32Array): () => void {
  const shape = { seqLen: T, batch: B, inputSize: I, hiddenSize: H };
  const w = { weightIh: lstm.weightIh.data, weightHh: lstm.weightHh.data, biasIh: lstm.biasIh!.data, biasHh: lstm.biasHh!.data };
  const output = new Float32Array(T * B * H), hN = new Float32Array(B * H), cN = new Float32Array(B * H);
  const workspace = new Float32Array(ops.lstmWorkspaceSize(T, B, H));
  const gradOutput = fill(T * B * H, 6, 0.1);
  const grads = {
    gradInput: new Float32Array(T * B * I), gradH0: new Float32Array(B * H), gradC0: new Float32Array(B * H),
    gradWeightIh: new Float32Array(4 * H * I), gradWeightHh: new Float32Array(4 * H * H), gradBiasIh: new Float32Array(4 * H), gradBiasHh: new Float32Array(4 * H),
  };
  return () => {
    ops.lstmForward(input, w, shape, { output, hN, cN, workspace });
    ops.lstmBackward(input, w, shape, workspace, { gradOutput, grads });
  };
}

interface Pair {
  step: Timing;
  kernels: Timing;
}

/**
 * Times the step and the kernels alone in alternation (one of each per round), so load from other
 * processes on a shared machine falls on both alike; first calls reported separately.
 */
function timePair(step: () => void, kernels: () => void, rounds: number): Pair {
  const time = (fn: () => void): number => {
    const t0 = process.hrtime.bigint();
    fn();
    return Number(process.hrtime.bigint() - t0) / 1e9;
  };
  const firstStep = time(step);
  const firstKernels = time(kernels);
  const a: number[] = [], b: number[] = [];
  for (let i = 0; i < rounds; i++) {
    a.push(time(step));
    b.push(time(kernels));
  }
  const median = (v: number[]): number => v.sort((x, y) => x - y)[Math.floor(v.length / 2)];
  return { step: { first: firstStep, median: median(a), samples: rounds }, kernels: { first: firstKernels, median: median(b), samples: rounds } };
}

const all = nativeAvailable() ? getNumThreads() : 1;
console.log(`\nTraining step (Trainer.step: LSTM ${I}→${H}, seq ${T}, batch ${B} → Linear ${H}→1, MSE, clip 1.0, Adam) — ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}, ISA ${backendInfo().isa}`);
console.log('| contender | first ms | median ms | steps/s | LSTM kernels alone ms | loop overhead | × pure-TS |\n|---|---|---|---|---|---|---|');
const runs: [string, Pair][] = [];
if (!quick) {
  useBackend('js');
  const { trainer, batch, lstm } = setup();
  runs.push(['pure-TS', timePair(() => void trainer.step(batch), kernelsOnly(lstm, batch.input.data), 2)]);
}
if (nativeAvailable()) {
  for (const t of [...new Set([1, all])]) {
    useBackend('native');
    setNumThreads(t);
    const { trainer, batch, lstm } = setup();
    runs.push([`native ${t}t`, timePair(() => void trainer.step(batch), kernelsOnly(lstm, batch.input.data), 21)]);
  }
  setNumThreads(all);
}
const js = runs.find(([n]) => n === 'pure-TS')?.[1].step.median;
for (const [name, { step: s, kernels: k }] of runs) {
  const overhead = `${((s.median - k.median) * 1e3).toFixed(1)} ms (${((s.median / k.median - 1) * 100).toFixed(1)}%)`;
  console.log(`| ${name} | ${(s.first * 1e3).toFixed(1)} | ${(s.median * 1e3).toFixed(1)} | ${(1 / s.median).toFixed(2)} | ${(k.median * 1e3).toFixed(1)} | ${overhead} | ${js ? (js / s.median).toFixed(1) : '—'} |`);
}

// A whole training step — LSTM 128→256 (seq 100, batch 32) → last step → Linear head, MSE loss:
// zeroGrad, forward, loss, backward, norm clipping folded into Adam — through Trainer.step, native on
// 1 and all threads vs the pure-TS backend; beside the LSTM kernels alone (ops forward + backward on the
// same buffers), so the loop's own cost shows. Steady state allocates nothing.
// Then issue 15 §1's comparison: a clipped Trainer step against the bare hand-written step on a
// memory-heavy MLP (see clipStepComparison below).
// Run: npx tsx bench/train.bench.ts [--quick] [--clip-only]   (part of npm run bench; --quick skips
// pure-TS and runs fewer clip rounds; --clip-only runs only the clip comparison)
import { cpus } from 'node:os';
import { Adam, backendInfo, getNumThreads, nativeAvailable, nn, ops, SGD, setNumThreads, Trainer, useBackend } from '../lib/index.js';
import type { Timing } from './harness.js';

const quick = process.argv.includes('--quick');
const clipOnly = process.argv.includes('--clip-only');
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

/** The LSTM training-step table. */
function lstmStep(): void {
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
}
if (!clipOnly) lstmStep();

// ---- Clipping that costs no pass of its own (issue 15 §1) ----------------------------------------
// MLP Linear 2048→4096→ReLU→2048, batch 8, MSE, plain SGD. Every contender runs on the SAME model
// (the same nn.Linear modules, the same packed store, so the same memory and pages), switching only
// the sums (nn.Linear.fusedNorm) and who drives the step; timed round-robin (the order rotating each
// round) so load on a shared machine falls on all alike; medians:
//   bare     — the hand-written step (zeroGrad, forward, loss, backward, opt.step()) with the sums
//              off: the plain GEMM, no norm at all: what clipping must not slow;
//   sums     — the same step with the sums on (the GEMM epilogue's cost);
//   fused    — Trainer.step with clip { maxNorm: 1 }: the norm from those sums, no read pass;
//   readpass — Trainer.step with clip { maxNorm: 1, fusedNorm: false }, sums off: the before.
// Target: fused / bare <= 1.02 (the last column, fused / sums, is the Trainer against the same
// hand-written step, both computing the sums).
function clipStepComparison(): void {
  const [IN, HID, OUT, BATCH] = [2048, 4096, 2048, 8];
  const linears = [new nn.Linear(IN, HID, { seed: 1 }), new nn.Linear(HID, OUT, { seed: 2 })];
  const model = new nn.Sequential(linears[0], new nn.ReLU(), linears[1]);
  const batch = { input: nn.tensor(fill(BATCH * IN, 7), [BATCH, IN]), target: nn.tensor(fill(BATCH * OUT, 8), [BATCH, OUT]) };
  const sumsOn = (on: boolean): void => {
    for (const l of linears) l.fusedNorm = on;
  };
  const opt = new SGD(model.paramStore(), { lr: 1e-3 });
  const loss = new nn.MSELoss();
  const handWritten = (sums: boolean): (() => void) => () => {
    sumsOn(sums);
    model.zeroGrad();
    loss.forward(model.forward(batch.input), batch.target);
    model.backward(loss.backward());
    opt.step();
  };
  const trainer = (fusedNorm: boolean): (() => void) => {
    const t = new Trainer({ model, loss: new nn.MSELoss(), optimizer: (p) => new SGD(p, { lr: 1e-3 }), clip: { maxNorm: 1, fusedNorm }, silent: true, handleSigint: false });
    return () => {
      sumsOn(fusedNorm);
      void t.step(batch);
    };
  };
  const rounds = quick ? 15 : 61;
  const all = getNumThreads();
  console.log(`\nClipped training step vs the bare step (MLP Linear ${IN}→${HID}→ReLU→${OUT}, batch ${BATCH}, MSE, SGD; one model and store for all; round-robin medians of ${rounds}) — ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}, ISA ${backendInfo().isa}`);
  console.log('| threads | bare ms | sums ms (× bare) | Trainer clip fused ms (× bare) | Trainer clip read pass ms (× bare) | fused × sums |\n|---|---|---|---|---|---|');
  const fns = [handWritten(false), handWritten(true), trainer(true), trainer(false)];
  for (const threads of [...new Set([all, 1])]) {
    setNumThreads(threads);
    const samples: number[][] = fns.map(() => []);
    for (const f of fns) f(); // first calls: page faults, packing buffers
    for (let r = 0; r < rounds; r++) {
      for (let j = 0; j < fns.length; j++) {
        const i = (j + r) % fns.length;
        const t0 = process.hrtime.bigint();
        fns[i]();
        samples[i].push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }
    const med = samples.map((v) => v.sort((a, b) => a - b)[Math.floor(v.length / 2)]);
    const ms = (i: number) => `${med[i].toFixed(2)}${i === 0 ? '' : ` (${(med[i] / med[0]).toFixed(3)}×)`}`;
    console.log(`| ${threads} | ${ms(0)} | ${ms(1)} | ${ms(2)} | ${ms(3)} | ${(med[2] / med[1]).toFixed(3)} |`);
  }
  setNumThreads(all);
  sumsOn(true);
}

// The sums' own cost at the kernel: the weight-gradient product of each MLP layer (gradWeight +=
// gradYᵀ·x, depth 8, accumulate, into a packed store's gradient) through ops.linearBackward without
// and with sumSquares (no gradX, no gradBias), alternating call by call; medians, at all threads
// and 1.
function weightGradSums(): void {
  const rounds = quick ? 15 : 61;
  const all = getNumThreads();
  console.log(`\nWeight-gradient product alone, without / with sumSquares (batch 8, accumulate; alternating, medians of ${rounds}) — ISA ${backendInfo().isa}`);
  console.log('| layer | threads | plain ms | with sums ms | × plain |\n|---|---|---|---|---|');
  for (const [inF, outF] of [[2048, 4096], [4096, 2048]] as const) {
    const x = fill(8 * inF, 9), gy = fill(8 * outF, 10, 1e-3), ss = new Float64Array(2);
    // A packed layer's weight and gradient: 64-byte aligned in the store, as in training (the
    // sums come from the micro-kernel's registers only where C's rows start on cache lines).
    const layer = new nn.Linear(inF, outF, { seed: 3 });
    layer.paramStore();
    const w = layer.weight.data, gw = layer.weight.grad;
    const grads = { gradX: null, gradWeight: gw, gradBias: null };
    const call = (sums: boolean) => () => ops.linearBackward(x, w, gy, grads, { batch: 8, inFeatures: inF, outFeatures: outF, accumulate: true, ...(sums ? { sumSquares: ss } : {}) });
    const fns = [call(false), call(true)];
    for (const threads of [...new Set([all, 1])]) {
      setNumThreads(threads);
      const samples: number[][] = [[], []];
      for (const f of fns) f();
      for (let r = 0; r < rounds; r++) {
        for (let j = 0; j < 2; j++) {
          const i = (j + r) % 2;
          gw.fill(0); // as after zeroGrad
          const t0 = process.hrtime.bigint();
          fns[i]();
          samples[i].push(Number(process.hrtime.bigint() - t0) / 1e6);
        }
      }
      const [a, b] = samples.map((v) => v.sort((p, q) => p - q)[Math.floor(v.length / 2)]);
      console.log(`| ${inF}→${outF} | ${threads} | ${a.toFixed(2)} | ${b.toFixed(2)} | ${(b / a).toFixed(3)} |`);
    }
  }
  setNumThreads(all);
}

if (nativeAvailable()) {
  useBackend('native');
  weightGradSums();
  clipStepComparison();
}

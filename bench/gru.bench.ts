// The recurrent targets of issues 14 and 15 in one table: LSTM and GRU forward + backward (one
// layer, PyTorch layout, 128→256, seq 100, batch 32) and a two-layer bidirectional nn.LSTM over the
// same input, native on 1 and 2 threads, for every SIMD ISA this CPU runs (AVX2 and AVX-512 on an
// AVX-512 machine): median time, GFLOP/s, % of the FMA peak measured in the same run for that ISA
// and thread count (as lstm.bench.ts), the 2-thread speed-up over 1 thread, and × PyTorch 1.13's
// CPU time for the same work on one thread (issue 14: GRU 108 ms, two-layer bidirectional LSTM
// 440 ms; issue 15: LSTM 76.9 ms, measured on a Zen 5 VM). Targets: LSTM and GRU ≥ 75% of peak on
// one thread, 2 threads ≥ 1.6× one, the bidirectional LSTM ≥ 1.5× PyTorch.
// Buffers are allocated once (the nn module reuses its own).
// Run: npx tsx bench/gru.bench.ts [--quick] [--isa NAME]   (part of npm run bench)
import { cpus } from 'node:os';
import { loadDevtools } from '../scripts/devtools.js';
import { backendInfo, getNumThreads, nativeAvailable, nn, ops, setIsa, setNumThreads, supportedIsas, useBackend } from '../lib/index.js';
import { measure } from './harness.js';
import { fill, lstmStep } from './rnn-steps.js';

const quick = process.argv.includes('--quick');
const [I, H, T, B] = [128, 256, 100, 32];
/** PyTorch 1.13 CPU, one thread, forward + backward (issue 14; the LSTM from issue 15's Zen 5 run). */
const TORCH_MS = { lstm: 76.9, gru: 108, bilstm: 440 };
const isaArg = process.argv.indexOf('--isa');
const onlyIsa = isaArg >= 0 ? process.argv[isaArg + 1] : null;


/** One training step's GRU work on preallocated buffers. */
function gruStep(): () => void {
  const shape = { seqLen: T, batch: B, inputSize: I, hiddenSize: H };
  const input = fill(T * B * I, 1, 1);
  const weights = { weightIh: fill(3 * H * I, 2), weightHh: fill(3 * H * H, 3), biasIh: fill(3 * H, 4), biasHh: fill(3 * H, 5) };
  const output = new Float32Array(T * B * H), hN = new Float32Array(B * H);
  const workspace = new Float32Array(ops.gruWorkspaceSize(T, B, H));
  const gradOutput = fill(T * B * H, 6);
  const grads = {
    gradInput: new Float32Array(T * B * I), gradH0: new Float32Array(B * H),
    gradWeightIh: new Float32Array(3 * H * I), gradWeightHh: new Float32Array(3 * H * H),
    gradBiasIh: new Float32Array(3 * H), gradBiasHh: new Float32Array(3 * H),
  };
  return () => {
    ops.gruForward(input, weights, shape, { output, hN, workspace });
    ops.gruBackward(input, weights, shape, workspace, { gradOutput, grads });
  };
}

/** nn.LSTM(128, 256, { numLayers: 2, bidirectional: true }) forward + backward. */
function biLstmStep(): () => void {
  const m = new nn.LSTM(I, H, { numLayers: 2, bidirectional: true, seed: 1 });
  const x = nn.tensor(fill(T * B * I, 7, 1), [T, B, I]);
  const g = nn.tensor(fill(T * B * 2 * H, 8), [T, B, 2 * H]);
  return () => {
    m.forward(x);
    m.backward(g);
  };
}

function main(): void {
  if (!nativeAvailable()) {
    console.log('gru.bench: the native addon is not available; nothing to measure');
    return;
  }
  useBackend('native');
  const all = getNumThreads();
  const startIsa = backendInfo().isa;
  const isas = onlyIsa ? [onlyIsa] : supportedIsas().filter((n) => n !== 'scalar');
  const threadCounts = [1, 2];
  console.log(`\nLSTM, GRU and 2-layer bidirectional LSTM, forward+backward — ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}, ISAs ${isas.join(', ')}, Node ${process.version}`);
  const probes = loadDevtools();
  // forward 2·T·B·G·H·(in + H) per direction and layer, backward twice that
  const cell = (G: number, inSize: number) => 3 * 2 * T * B * G * H * (inSize + H);
  const cases: [string, () => void, number, number][] = [
    [`LSTM ${I}→${H}, seq ${T}, batch ${B}`, lstmStep(I, H, T, B), cell(4, I), TORCH_MS.lstm],
    [`GRU ${I}→${H}, seq ${T}, batch ${B}`, gruStep(), cell(3, I), TORCH_MS.gru],
    [`LSTM ${I}→${H} ×2 layers, bidirectional, seq ${T}, batch ${B}`, biLstmStep(), 2 * cell(4, I) + 2 * cell(4, 2 * H), TORCH_MS.bilstm],
  ];
  console.log('| case | ISA | threads | median ms | GFLOP/s | % peak | × 1 thread | × PyTorch 1.13 (1 thread) |\n|---|---|---|---|---|---|---|---|');
  for (const isa of isas) {
    setIsa(isa);
    const peak = new Map<number, number>();
    for (const t of threadCounts) {
      let flops = 0;
      const timing = measure(`peak ${isa} ${t}t`, () => void (flops = probes.fmaPeak(2e7, t, isa)), { maxTime: 1 });
      peak.set(t, flops / timing.median / 1e9);
      console.log(`peak FMA rate, ${isa}, ${t} thread(s): ${peak.get(t)!.toFixed(1)} GFLOP/s`);
    }
    for (const [name, step, flops, torchMs] of cases) {
      let one = Number.NaN;
      for (const t of threadCounts) {
        setNumThreads(t);
        const med = measure(`${name} ${isa} ${t}t`, step, { maxTime: quick ? 1 : 4, minSamples: quick ? 3 : 9 }).median;
        if (t === 1) one = med;
        const gf = flops / med / 1e9;
        const scale = t === 1 ? '—' : (one / med).toFixed(2);
        console.log(`| ${name} | ${isa} | ${t} | ${(med * 1e3).toFixed(1)} | ${gf.toFixed(1)} | ${((100 * gf) / peak.get(t)!).toFixed(0)}% | ${scale} | ${(torchMs / (med * 1e3)).toFixed(2)} |`);
      }
    }
  }
  setIsa(startIsa);
  setNumThreads(all);
}

main();

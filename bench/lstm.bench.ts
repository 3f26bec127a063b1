// LSTM forward + backward (one layer, PyTorch layout) for the shapes of issue 4, in one run: native
// on 1 and all threads (time, GFLOP/s, % of the machine's FMA peak), the pure-TS backend, and the
// @tensorflow/tfjs LSTM layer (tfjs-layers) on its CPU and wasm backends. Buffers (outputs,
// workspace, gradients) are allocated once. tfjs takes seconds per step: it is timed over one or two
// iterations only (--no-tfjs skips it, --quick skips tfjs and pure-TS).
// Run: npx tsx bench/lstm.bench.ts [--quick] [--no-tfjs]   (part of npm run bench)
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { loadDevtools } from '../scripts/devtools.js';
import { backendInfo, getNumThreads, nativeAvailable, setNumThreads, useBackend } from '../lib/index.js';
import { measure } from './harness.js';
import { fill, lstmStep } from './rnn-steps.js';
import { tfjsLstmSeconds } from './lstm-tfjs.js';

const quick = process.argv.includes('--quick');
const withTfjs = !quick && !process.argv.includes('--no-tfjs');
/** (inputSize, hiddenSize, seqLen, batch) */
const SHAPES: [number, number, number, number][] = [[128, 256, 100, 32], [32, 64, 200, 8]];



async function main(): Promise<void> {
  const all = nativeAvailable() ? getNumThreads() : 1;
  const threadCounts = [...new Set([1, all])];
  console.log(`\nLSTM forward+backward — ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}, ISA ${backendInfo().isa}, Node ${process.version}`);
  const peak = new Map<number, number>();
  if (nativeAvailable()) {
    const probes = loadDevtools();
    for (const t of threadCounts) {
      let flops = 0;
      const timing = measure(`peak ${t}t`, () => void (flops = probes.fmaPeak(2e7, t, backendInfo().isa)), { maxTime: 1 });
      peak.set(t, flops / timing.median / 1e9);
      console.log(`peak FMA rate, ${t} thread(s): ${peak.get(t)!.toFixed(1)} GFLOP/s`);
    }
  }
  console.log('| input→hidden, seq, batch | contender | median ms | µs / sequence | GFLOP/s | % peak | × pure-TS | × tfjs-cpu | × tfjs-wasm |\n|---|---|---|---|---|---|---|---|---|');
  if (withTfjs) setWasmPaths(join(dirname(fileURLToPath(import.meta.url)), '..', 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist') + '/');
  for (const [I, H, T, B] of SHAPES) {
    // forward 2·T·B·4H·(I+H), backward twice that
    const flops = 3 * 2 * T * B * 4 * H * (I + H);
    const step = lstmStep(I, H, T, B);
    const times = new Map<string, number>();
    if (nativeAvailable()) {
      useBackend('native');
      for (const t of threadCounts) {
        setNumThreads(t);
        times.set(`native ${t}t`, measure(`lstm native ${I} ${t}t`, step, { maxTime: 3, minSamples: 9 }).median);
      }
      setNumThreads(all);
    }
    if (!quick) {
      useBackend('js');
      times.set('pure-TS', measure(`lstm js ${I}`, step, { maxTime: 0.5, minSamples: 2 }).median);
      if (nativeAvailable()) useBackend('native');
    }
    if (withTfjs) {
      // The large shape costs ~13 s per iteration on tfjs-cpu: one iteration after a warm-up there.
      const iters = T * B * H > 500_000 ? 1 : 2;
      times.set('tfjs-cpu', await tfjsLstmSeconds('cpu', I, H, T, B, iters));
      try {
        times.set('tfjs-wasm', await tfjsLstmSeconds('wasm', I, H, T, B, iters));
      } catch (err) {
        console.log(`tfjs-wasm failed: ${(err as Error).message}`);
      }
    }
    for (const [name, t] of times) {
      const threads = /native (\d+)t/.exec(name);
      const pk = threads ? peak.get(Number(threads[1])) : undefined;
      const gf = flops / t / 1e9;
      const ratio = (other: string) => (times.has(other) && name.startsWith('native') ? (times.get(other)! / t).toFixed(1) : '—');
      console.log(
        `| ${I}→${H}, ${T}, ${B} | ${name} | ${(t * 1e3).toFixed(1)} | ${((t * 1e6) / B).toFixed(0)} | ${gf.toFixed(1)} | ${pk ? ((100 * gf) / pk).toFixed(0) + '%' : '—'} | ${ratio('pure-TS')} | ${ratio('tfjs-cpu')} | ${ratio('tfjs-wasm')} |`,
      );
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

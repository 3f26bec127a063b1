/**
 * Optimiser step throughput: Adam and SGD-momentum over 25M parameters, as one flat ParamStore (one
 * native call) and as 100 separate tensors, native (active ISA) vs the pure-TS backend. Prints
 * params/s and GB/s (Adam moves 28 bytes per parameter: reads p, g, m, v, writes p, m, v; SGD with
 * momentum 20: reads p, g, buf, writes p, buf). State is allocated and touched before timing, so
 * these are steady-state figures; the first step (page faults on fresh state) is reported apart.
 * Run: npx tsx bench/optim.bench.ts [--params N] [--tensors K] [--quick]
 */
import Benchmark from 'benchmark';
import { cpus } from 'node:os';
import { Adam, backendInfo, createParamStore, nativeAvailable, SGD, useBackend, type Optimizer } from '../lib/index.js';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const TOTAL = arg('--params', 25_000_000);
const TENSORS = arg('--tensors', 100);
const QUICK = process.argv.includes('--quick');

/** What is measured: optimiser × layout; bytes moved per parameter per step. */
const CASES = [
  { name: 'adam', bytesPerParam: 28, make: (p: ConstructorParameters<typeof Adam>[0]) => new Adam(p, { lr: 1e-3 }) as Optimizer },
  { name: 'sgd-momentum', bytesPerParam: 20, make: (p: ConstructorParameters<typeof SGD>[0]) => new SGD(p, { lr: 1e-2, momentum: 0.9 }) as Optimizer },
] as const;
const LAYOUTS = ['flat', `${TENSORS} tensors`] as const;
const CONTENDERS = (nativeAvailable() ? ['native', 'js'] : ['js']) as ('native' | 'js')[];

function params(layout: (typeof LAYOUTS)[number]) {
  if (layout === 'flat') {
    const store = createParamStore([[TOTAL]]);
    store.params.base.fill(0.5);
    store.grads.base.fill(0.01);
    return store;
  }
  const per = Math.ceil(TOTAL / TENSORS);
  return Array.from({ length: TENSORS }, (_, i) => {
    const n = Math.min(per, TOTAL - i * per);
    return { data: new Float32Array(n).fill(0.5), grad: new Float32Array(n).fill(0.01) };
  });
}

console.log(`optimiser step over ${(TOTAL / 1e6).toFixed(1)}M params; ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}`);
for (const c of CASES) {
  for (const layout of LAYOUTS) {
    for (const backend of CONTENDERS) {
      useBackend(backend);
      const info = backendInfo();
      const p = params(layout);
      const opt = c.make(p as never);
      const t0 = process.hrtime.bigint();
      opt.step();
      const firstMs = Number(process.hrtime.bigint() - t0) / 1e6;
      let ms = 0;
      if (QUICK) {
        const reps = backend === 'js' ? 3 : 10;
        const t1 = process.hrtime.bigint();
        for (let i = 0; i < reps; i++) opt.step();
        ms = Number(process.hrtime.bigint() - t1) / 1e6 / reps;
      } else {
        const b = new Benchmark(`${c.name} ${layout} ${backend}`, () => opt.step(), { minSamples: 5, maxTime: 3 });
        b.run();
        ms = b.stats.mean * 1e3;
      }
      const gbs = (c.bytesPerParam * TOTAL) / (ms / 1e3) / 1e9;
      console.log(
        `${c.name.padEnd(13)} ${layout.padEnd(12)} ${backend.padEnd(6)} isa=${info.isa.padEnd(6)} threads=${info.threads}  ` +
          `first ${firstMs.toFixed(1)} ms, steady ${ms.toFixed(1)} ms/step  ${(TOTAL / (ms / 1e3) / 1e9).toFixed(2)} Gparam/s  ${gbs.toFixed(1)} GB/s`,
      );
    }
  }
}

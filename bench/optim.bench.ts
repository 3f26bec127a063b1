/**
 * Optimiser step throughput: Adam and SGD-momentum over 25M parameters, as one flat ParamStore (one
 * native call) and as 100 separate tensors, native (active ISA) vs the pure-TS backend. Prints
 * params/s and GB/s (Adam moves 28 bytes per parameter: reads p, g, m, v, writes p, m, v; SGD with
 * momentum 20: reads p, g, buf, writes p, buf). State is allocated and touched before timing, so
 * these are steady-state figures; the first step (page faults on fresh state) is reported apart.
 * Native runs on 1 and all threads; GB/s is compared with the copy bandwidth and with the STREAM triad
 * bandwidth measured in this run (the roofline: the step's bytes at the triad rate, per thread count).
 * Run: npx tsx bench/optim.bench.ts [--params N] [--tensors K] [--quick]
 */
import { cpus } from 'node:os';
import { Adam, backendInfo, createParamStore, getNumThreads, nativeAvailable, SGD, setNumThreads, useBackend, type Optimizer } from '../lib/index.js';
import { bandwidth, measure, triadBandwidth } from './harness.js';

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

const allThreads = nativeAvailable() ? getNumThreads() : 1;
const threadCounts = [...new Set([1, allThreads])];
const bw = new Map(nativeAvailable() ? threadCounts.map((t) => [t, bandwidth(t)] as const) : []);
const triad = new Map(nativeAvailable() ? threadCounts.map((t) => [t, triadBandwidth(t)] as const) : []);
console.log(`\noptimiser step over ${(TOTAL / 1e6).toFixed(1)}M params; ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}, ISA ${backendInfo().isa}`);
for (const [t, b] of bw) if (b) console.log(`memory bandwidth, ${t} thread(s): copy (read+write) ${b.copy.toFixed(1)} GB/s, triad ${triad.get(t)?.toFixed(1) ?? '—'} GB/s`);
console.log('\n| optimiser | layout | backend | threads | first ms | median ms/step | Gparam/s | GB/s | % copy bandwidth | % triad roofline | × pure-TS |\n|---|---|---|---|---|---|---|---|---|---|---|');
for (const c of CASES) {
  for (const layout of LAYOUTS) {
    const runs: { backend: 'native' | 'js'; threads: number }[] = [
      ...(nativeAvailable() ? threadCounts.map((threads) => ({ backend: 'native' as const, threads })) : []),
      { backend: 'js', threads: 1 },
    ];
    let jsMs = 0;
    for (const r of runs.reverse()) {
      useBackend(r.backend);
      if (r.backend === 'native') setNumThreads(r.threads);
      const p = params(layout);
      const opt = c.make(p as never);
      const t0 = process.hrtime.bigint();
      opt.step();
      const firstMs = Number(process.hrtime.bigint() - t0) / 1e6;
      const ms = measure(`${c.name} ${layout} ${r.backend}`, () => void opt.step(), QUICK || r.backend === 'js' ? { maxTime: 0.5, minSamples: 3 } : { maxTime: 2, minSamples: 5 }).median * 1e3;
      if (r.backend === 'js') jsMs = ms;
      const gbs = (c.bytesPerParam * TOTAL) / (ms / 1e3) / 1e9;
      const copy = r.backend === 'native' ? bw.get(r.threads)?.copy : undefined;
      const tri = r.backend === 'native' ? triad.get(r.threads) : undefined;
      console.log(
        `| ${c.name} | ${layout} | ${r.backend === 'native' ? 'native/' + backendInfo().isa : 'pure-TS'} | ${r.threads} | ${firstMs.toFixed(1)} | ${ms.toFixed(1)} | ${(TOTAL / (ms / 1e3) / 1e9).toFixed(2)} | ${gbs.toFixed(1)} | ${copy ? ((100 * gbs) / copy).toFixed(0) + '%' : '—'} | ${tri ? ((100 * gbs) / tri).toFixed(0) + '%' : '—'} | ${r.backend === 'native' ? (jsMs / ms).toFixed(1) : '1.0'} |`,
      );
    }
  }
}
if (nativeAvailable()) setNumThreads(allThreads);

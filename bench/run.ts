// npm run bench: the gradient toolkit on the workloads W1 and W2 (../shared/bench/workloads.json),
// native (1 thread and all threads) and pure-TS, separate arrays and flat store, beside the memory
// bandwidth measured in the same run. Prints a table; writes bench/results/latest.json.
// --repeat N: instead, N interleaved runs of W1's getTotalNorm and clipping clipGradNorm, each rated
// against the bandwidth measured in that run, with min/median per variant (bench/clip-repeat.ts).
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { backendInfo, getNumThreads, nativeAvailable, setNumThreads, useBackend } from '../lib/index.js';
import { BYTES_PER_ELEMENT, LAYOUTS, loadWorkloads, OPS } from './cases.js';
import { contender, makeGrads } from './grad-contenders.js';
import { runClipRepeat } from './clip-repeat.js';
import { bandwidth, measure, sumSquaresStream } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));

const quick = process.argv.includes('--quick');
const repeatAt = process.argv.indexOf('--repeat');
const repeat = repeatAt >= 0 ? Number(process.argv[repeatAt + 1]) : 0;
if (repeatAt >= 0 && !(Number.isInteger(repeat) && repeat >= 1)) throw new Error(`bench: --repeat takes a run count >= 1, got ${process.argv[repeatAt + 1]}`);
if (!nativeAvailable()) throw new Error('bench: the native addon is required');
const allThreads = getNumThreads();
const threadCounts = [...new Set([1, allThreads])];
const rows: Record<string, unknown>[] = [];

const info = backendInfo();
const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(`gradguard ${info.version} bench — ${cpu}, ${cpus().length} cores, ISA ${info.isa}, Node ${process.version}`);
const bw = new Map(threadCounts.map((t) => [t, bandwidth(t)]));
for (const [t, b] of bw) if (b) console.log(`memory bandwidth, ${t} thread(s): read ${b.read.toFixed(1)} GB/s, copy (read+write) ${b.copy.toFixed(1)} GB/s`);
for (const t of threadCounts) {
  const g = sumSquaresStream(t);
  if (g !== null) console.log(`plain C sum-of-squares stream (getTotalNorm's peer), ${t} thread(s): ${g.toFixed(1)} GB/s`);
}
if (repeat > 0) {
  runClipRepeat(repeat);
  process.exit(0);
}

const fmtMs = (s: number) => (s * 1e3).toFixed(3);
console.log('\n| workload | layout | op | backend | threads | first ms | median ms | Gelem/s | GB/s | % roofline | × pure-TS |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
for (const w of loadWorkloads()) {
  for (const layout of LAYOUTS) {
    const grads = makeGrads(w, layout);
    for (const op of OPS) {
      const bytes = BYTES_PER_ELEMENT[op];
      useBackend('js');
      const js = quick ? undefined : measure(`${w.name} ${layout} ${op} js`, contender('js', op, grads));
      for (const threads of threadCounts) {
        useBackend('native');
        setNumThreads(threads);
        const t = measure(`${w.name} ${layout} ${op} native ${threads}t`, contender('native', op, grads));
        const b = bw.get(threads);
        const roofline = b ? (w.elements * bytes.read) / (b.read * 1e9) + (w.elements * bytes.readWrite) / (b.copy * 1e9) : Number.NaN;
        const gbs = (w.elements * (bytes.read + bytes.readWrite)) / t.median / 1e9;
        const row = {
          workload: w.name, layout, op, backend: `native/${info.isa}`, threads,
          firstMs: t.first * 1e3, medianMs: t.median * 1e3,
          gelemPerS: w.elements / t.median / 1e9, gbPerS: gbs,
          rooflinePct: b ? (100 * roofline) / t.median : null,
          vsPureTs: js ? js.median / t.median : null,
        };
        rows.push(row);
        console.log(`| ${w.name} | ${layout} | ${op} | native/${info.isa} | ${threads} | ${fmtMs(t.first)} | ${fmtMs(t.median)} | ${row.gelemPerS.toFixed(2)} | ${gbs.toFixed(1)} | ${row.rooflinePct === null ? '—' : `${row.rooflinePct.toFixed(0)}%`} | ${js ? row.vsPureTs!.toFixed(1) : '—'} |`);
      }
      if (js) {
        const gbs = (w.elements * (bytes.read + bytes.readWrite)) / js.median / 1e9;
        rows.push({ workload: w.name, layout, op, backend: 'js', threads: 1, firstMs: js.first * 1e3, medianMs: js.median * 1e3, gbPerS: gbs });
        console.log(`| ${w.name} | ${layout} | ${op} | pure-TS | 1 | ${fmtMs(js.first)} | ${fmtMs(js.median)} | ${(w.elements / js.median / 1e9).toFixed(2)} | ${gbs.toFixed(1)} | — | 1.0 |`);
      }
    }
  }
}
setNumThreads(allThreads);
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', 'latest.json'), JSON.stringify({ cpu, info, bandwidth: Object.fromEntries(bw), rows }, null, 2));
console.log('\nroofline: read pass at the measured read bandwidth + read-write pass at the measured copy bandwidth; medians of benchmark.js samples.');

// `npm run bench -- --repeat N` (bench/run.ts): the clip's roofline target checked in EVERY run, not
// on one median. Each run measures the memory bandwidth first (read and copy, each thread count),
// then every variant (W1 in both layouts × getTotalNorm / clipGradNorm(clip) × 1 and all threads),
// in alternating order (reversed on odd runs, so no variant always follows the bandwidth probe or
// the same neighbour), and rates each against that run's own bandwidth. Prints every run's figure,
// then per variant the min, median and max % of the roofline and how many runs reached the target.
import { getNumThreads, setNumThreads, useBackend } from '../lib/index.js';
import { BYTES_PER_ELEMENT, loadWorkloads, type Layout, type Op } from './cases.js';
import { contender, makeGrads } from './grad-contenders.js';
import { bandwidth, measure, sumSquaresStream } from './harness.js';

/** The fraction of the roofline every run of `clipGradNorm(clip)` must reach (issue 15 §2). */
export const CLIP_ROOFLINE_TARGET = 0.95;

interface Variant {
  layout: Layout;
  op: Op;
  threads: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Runs the repeated, interleaved W1 comparison `runs` times and prints it (see the file head). */
export function runClipRepeat(runs: number): void {
  const w = loadWorkloads().find((x) => x.name === 'W1')!;
  const allThreads = getNumThreads();
  const threadCounts = [...new Set([1, allThreads])];
  const layouts: Layout[] = ['arrays', 'flat'];
  const ops: Op[] = ['getTotalNorm', 'clipGradNorm(clip)'];
  const variants: Variant[] = layouts.flatMap((layout) => ops.flatMap((op) => threadCounts.map((threads) => ({ layout, op, threads }))));
  const grads = new Map(layouts.map((l) => [l, makeGrads(w, l)]));
  const key = (v: Variant) => `${v.layout} ${v.op} ${v.threads}t`;
  const pct = new Map<string, number[]>(variants.map((v) => [key(v), []]));
  const sumsq = new Map<number, number[]>(threadCounts.map((t) => [t, []]));

  console.log(`\nW1 (${(w.elements / 1e6).toFixed(1)}M elements), ${runs} interleaved runs; roofline = read pass at the read bandwidth + in-place pass at the copy bandwidth, both measured at the start of the same run`);
  console.log('\n| run | variant | median ms | GB/s | % roofline | read GB/s | copy GB/s | plain C sum of squares GB/s |\n|---|---|---|---|---|---|---|---|');
  for (let run = 1; run <= runs; run++) {
    const bw = new Map(threadCounts.map((t) => [t, bandwidth(t)]));
    const ss = new Map(threadCounts.map((t) => [t, sumSquaresStream(t)]));
    for (const [t, g] of ss) if (g !== null) sumsq.get(t)!.push(g);
    const order = run % 2 ? variants : [...variants].reverse();
    for (const v of order) {
      useBackend('native');
      setNumThreads(v.threads);
      const t = measure(`run ${run} ${key(v)}`, contender('native', v.op, grads.get(v.layout)!), { maxTime: 0.5, minSamples: 5 }).median;
      const bytes = BYTES_PER_ELEMENT[v.op];
      const b = bw.get(v.threads);
      const gbs = (w.elements * (bytes.read + bytes.readWrite)) / t / 1e9;
      let cell = '—';
      if (b) {
        const roofline = (w.elements * bytes.read) / (b.read * 1e9) + (w.elements * bytes.readWrite) / (b.copy * 1e9);
        pct.get(key(v))!.push((100 * roofline) / t);
        cell = `${((100 * roofline) / t).toFixed(0)}%`;
      }
      const s = ss.get(v.threads);
      console.log(`| ${run} | ${key(v)} | ${(t * 1e3).toFixed(2)} | ${gbs.toFixed(1)} | ${cell} | ${b ? b.read.toFixed(1) : '—'} | ${b ? b.copy.toFixed(1) : '—'} | ${v.op === 'getTotalNorm' && s != null ? s.toFixed(1) : ''} |`);
    }
  }
  setNumThreads(allThreads);
  console.log(`\n| variant | runs | min % roofline | median % | max % | runs ≥ ${CLIP_ROOFLINE_TARGET * 100}% |\n|---|---|---|---|---|---|`);
  for (const v of variants) {
    const xs = pct.get(key(v))!;
    if (xs.length === 0) continue;
    const hit = xs.filter((x) => x >= CLIP_ROOFLINE_TARGET * 100).length;
    console.log(`| ${key(v)} | ${xs.length} | ${Math.min(...xs).toFixed(0)}% | ${median(xs).toFixed(0)}% | ${Math.max(...xs).toFixed(0)}% | ${hit}/${xs.length} |`);
  }
  for (const [t, xs] of sumsq) {
    if (xs.length) console.log(`plain C sum-of-squares stream (float64, the devtools probe), ${t} thread(s): min ${Math.min(...xs).toFixed(1)}, median ${median(xs).toFixed(1)} GB/s over ${xs.length} runs`);
  }
}

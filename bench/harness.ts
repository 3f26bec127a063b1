// benchmark.js glue: run one function as a suite entry and report the median time per call.
import Benchmark from 'benchmark';
import { loadDevtools } from '../scripts/devtools.js';

export interface Timing {
  /** Median seconds per call. */
  median: number;
  /** Seconds of the very first call (cold caches, first touch). */
  first: number;
  samples: number;
}

export function measure(name: string, fn: () => void, opts: { maxTime?: number; minSamples?: number } = {}): Timing {
  const t0 = process.hrtime.bigint();
  fn();
  const first = Number(process.hrtime.bigint() - t0) / 1e9;
  let result: Timing | undefined;
  const suite = new Benchmark.Suite();
  suite.add(name, fn, { minSamples: opts.minSamples ?? 10, maxTime: opts.maxTime ?? 1.5, initCount: 1 });
  suite.on('cycle', (event: Benchmark.Event) => {
    const b = event.target as unknown as Benchmark;
    const sample = [...(b.stats?.sample ?? [])].sort((a, c) => a - c);
    const median = sample.length ? sample[Math.floor(sample.length / 2)] : Number.NaN;
    result = { median, first, samples: sample.length };
  });
  suite.run({ async: false });
  if (!result) throw new Error(`bench ${name}: no result`);
  return result;
}

let noProbes: string | undefined;

/** The machine's streaming bandwidth with `threads` threads, in GB/s: read (bytes read per second)
 *  and copy (bytes read + written per second), over 256 MiB buffers, far beyond the caches; null
 *  (said once) where the devtools addon is not built for this machine (an emulated ARM64 run has
 *  only the shipped prebuild): the tables then leave the roofline columns blank. */
export function bandwidth(threads: number): { read: number; copy: number } | null {
  let probes: ReturnType<typeof loadDevtools>;
  try {
    probes = loadDevtools();
  } catch (err) {
    if (noProbes === undefined) console.log(`bandwidth probes unavailable: ${(noProbes = (err as Error).message)}; no roofline figures`);
    return null;
  }
  const n = 64 * 1024 * 1024;
  const a = new Float32Array(n).fill(1);
  const b = new Float32Array(n).fill(2);
  const r = measure(`read ${threads}t`, () => void probes.streamRead(a, threads), { maxTime: 1 });
  const c = measure(`copy ${threads}t`, () => probes.streamCopy(b, a, threads), { maxTime: 1 });
  return { read: (n * 4) / r.median / 1e9, copy: (2 * n * 4) / c.median / 1e9 };
}

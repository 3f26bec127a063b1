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

/** The devtools probes, or null (said once) where the devtools addon is not built for this machine
 *  (an emulated ARM64 run has only the shipped prebuild): the tables then leave the roofline columns
 *  blank. */
function probes(): ReturnType<typeof loadDevtools> | null {
  try {
    return loadDevtools();
  } catch (err) {
    if (noProbes === undefined) console.log(`bandwidth probes unavailable: ${(noProbes = (err as Error).message)}; no roofline figures`);
    return null;
  }
}

// The probes' 256 MiB buffers (far beyond the caches), made once: a repeated bench (--repeat) probes
// every run, and fresh buffers each time would time page faults and grow the heap.
const PROBE_FLOATS = 64 * 1024 * 1024;
let probeBuffers: Float32Array[] | undefined;
function buffers(): Float32Array[] {
  probeBuffers ??= [1, 2, 0.5].map((v) => new Float32Array(PROBE_FLOATS).fill(v));
  return probeBuffers;
}

/** The machine's streaming bandwidth with `threads` threads, in GB/s: read (bytes read per second)
 *  and copy (bytes read + written per second), over 256 MiB buffers; null without the probes. */
export function bandwidth(threads: number): { read: number; copy: number } | null {
  const p = probes();
  if (!p) return null;
  const [a, b] = buffers();
  const n = PROBE_FLOATS;
  const r = measure(`read ${threads}t`, () => void p.streamRead(a, threads), { maxTime: 1 });
  const c = measure(`copy ${threads}t`, () => p.streamCopy(b, a, threads), { maxTime: 1 });
  return { read: (n * 4) / r.median / 1e9, copy: (2 * n * 4) / c.median / 1e9 };
}

/** A plain C++ float64 sum-of-squares loop over 256 MiB with `threads` threads, in GB/s read: the
 *  hand-written peer of getTotalNorm; null without the probes. */
export function sumSquaresStream(threads: number): number | null {
  const p = probes();
  if (!p) return null;
  const [a] = buffers();
  const t = measure(`sum of squares ${threads}t`, () => void p.streamSumSquares(a, threads), { maxTime: 1 });
  return (PROBE_FLOATS * 4) / t.median / 1e9;
}

/** STREAM triad bandwidth (a = b + s·c, 12 bytes per float32 element counted, as STREAM counts)
 *  with `threads` threads, in GB/s, over 256 MiB arrays; null without the probes. */
export function triadBandwidth(threads: number): number | null {
  const p = probes();
  if (!p) return null;
  const [a, b, c] = buffers();
  const t = measure(`triad ${threads}t`, () => p.streamTriad(c, a, b, 0.5, threads), { maxTime: 1 });
  return (PROBE_FLOATS * 12) / t.median / 1e9;
}

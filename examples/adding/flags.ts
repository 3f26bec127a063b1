// The demo's command line: --steps, --seq, --lr take one value (every part) or two comma-separated
// values (part 1, part 2); --threads, --backend js|native, --seed, --out. Bad values exit with a message.
import { parseArgs } from 'node:util';

export interface DemoFlags {
  steps: [number, number];
  seq: [number, number];
  lr: [number, number];
  /** Default 1: see THREADS_NOTE. */
  threads: number;
  backend: 'js' | 'native' | null;
  seed: number;
  out: string;
}

export const USAGE = `usage: npm run demo -- [--steps N[,M]] [--seq N[,M]] [--lr X[,Y]] [--threads N] [--backend js|native] [--seed N] [--out DIR]
  one value applies to both parts, two are part 1 (RNN) and part 2 (LSTM); defaults: --steps 8000,3000 --seq 20,50 --lr 0.04,0.01 --threads 1 --seed 0 --out demo-out`;

/**
 * Why one thread by default: these shapes (batch 32, hidden 64) are too small to share. Measured on a
 * 2-core VM shared with other jobs (load 3–5): LSTM part 44 s on 1 thread against 208 s on 2, with
 * identical results (the kernels are deterministic for any thread count).
 */
export const THREADS_NOTE = 'batch 32 × hidden 64 is too small to gain from more threads';

function pair(name: string, v: string | undefined, dflt: [number, number], ok: (x: number) => boolean): [number, number] {
  if (v === undefined) return dflt;
  const parts = v.split(',').map(Number);
  if (parts.length > 2 || !parts.every(ok)) throw new RangeError(`--${name}: expected one or two comma-separated values, got "${v}"`);
  return parts.length === 1 ? [parts[0], parts[0]] : [parts[0], parts[1]];
}

export function parseFlags(argv: string[]): DemoFlags {
  const { values } = parseArgs({
    args: argv,
    options: {
      steps: { type: 'string' },
      seq: { type: 'string' },
      lr: { type: 'string' },
      threads: { type: 'string' },
      backend: { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string' },
    },
    strict: true,
  });
  const posInt = (x: number) => Number.isInteger(x) && x > 0;
  const threads = values.threads === undefined ? 1 : Number(values.threads);
  if (!posInt(threads)) throw new RangeError(`--threads: expected a positive integer, got "${values.threads}"`);
  const backend = values.backend ?? null;
  if (backend !== null && backend !== 'js' && backend !== 'native') throw new RangeError(`--backend: expected js or native, got "${backend}"`);
  const seed = values.seed === undefined ? 0 : Number(values.seed);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`--seed: expected an integer >= 0, got "${values.seed}"`);
  return {
    steps: pair('steps', values.steps, [8000, 3000], posInt),
    seq: pair('seq', values.seq, [20, 50], (x) => Number.isInteger(x) && x >= 2),
    lr: pair('lr', values.lr, [0.04, 0.01], (x) => Number.isFinite(x) && x > 0),
    threads,
    backend,
    seed,
    out: values.out ?? 'demo-out',
  };
}

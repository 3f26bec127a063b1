// The demo's command line: --steps, --seq, --lr take one value (every part) or two comma-separated
// values (part 1, part 2); --part picks parts (1, 2, cnn; comma-separated; default all);
// --cnn-epochs sets part 3's length; --threads, --backend js|native, --seed, --out. Bad values exit
// with a message.
import { parseArgs } from 'node:util';

/** The demo's parts: 1 (RNN with and without clipping), 2 (LSTM), cnn (part 3, deep CNNs on MNIST). */
export type DemoPart = '1' | '2' | 'cnn';
export const ALL_PARTS: readonly DemoPart[] = ['1', '2', 'cnn'];

export interface DemoFlags {
  /** The parts to run, in the demo's order. */
  parts: DemoPart[];
  /** Part 3's epochs over the 8,000 training digits (both networks). */
  cnnEpochs: number;
  steps: [number, number];
  seq: [number, number];
  lr: [number, number];
  /** Default 1: see THREADS_NOTE. */
  threads: number;
  backend: 'js' | 'native' | null;
  seed: number;
  out: string;
}

/** Part 3's default length: epochs over the 8,000 training digits. */
export const CNN_EPOCHS = 5;

export const USAGE = `usage: npm run demo -- [--part P[,Q…]] [--steps N[,M]] [--seq N[,M]] [--lr X[,Y]] [--cnn-epochs N] [--threads N] [--backend js|native] [--seed N] [--out DIR]
  --part: 1 (RNN), 2 (LSTM), cnn (deep CNNs on MNIST digits); default all three
  --steps/--seq/--lr: one value applies to both parts, two are part 1 (RNN) and part 2 (LSTM)
  defaults: --steps 8000,3000 --seq 20,50 --lr 0.04,0.01 --cnn-epochs ${CNN_EPOCHS} --threads 1 --seed 0 --out demo-out`;

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
      part: { type: 'string' },
      'cnn-epochs': { type: 'string' },
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
  const parts = values.part === undefined ? [...ALL_PARTS] : values.part.split(',');
  if (parts.length === 0 || !parts.every((x) => (ALL_PARTS as readonly string[]).includes(x))) throw new RangeError(`--part: expected parts among 1, 2, cnn (comma-separated), got "${values.part}"`);
  const cnnEpochs = values['cnn-epochs'] === undefined ? CNN_EPOCHS : Number(values['cnn-epochs']);
  if (!posInt(cnnEpochs)) throw new RangeError(`--cnn-epochs: expected a positive integer, got "${values['cnn-epochs']}"`);
  return {
    parts: ALL_PARTS.filter((x) => parts.includes(x)),
    cnnEpochs,
    steps: pair('steps', values.steps, [8000, 3000], posInt),
    seq: pair('seq', values.seq, [20, 50], (x) => Number.isInteger(x) && x >= 2),
    lr: pair('lr', values.lr, [0.04, 0.01], (x) => Number.isFinite(x) && x > 0),
    threads,
    backend,
    seed,
    out: values.out ?? 'demo-out',
  };
}

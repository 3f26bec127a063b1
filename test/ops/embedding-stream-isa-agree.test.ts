// Embedding at sizes whose output and gradient take the kernels' streaming row stores (4 MiB or
// more; the per-ISA store of embedding_stream_row_kernel): every native ISA against the native
// scalar reference and the pure-TS backend, bit for bit (-0 and NaN included, so compared as raw
// bits), and 1, 2 and 5 threads identical on each ISA. Rows of odd width start at every alignment,
// and duplicate indices exercise the first-hit copy followed by adds.
import { afterAll, describe, expect, it } from 'vitest';
import { backendInfo, getNumThreads, nativeAvailable, ops, setIsa, setNumThreads, supportedIsas, useBackend } from '../../lib/index.js';
import { lcgFloats as rand } from '../helpers/random.js';

interface Case {
  name: string;
  num: number;
  dim: number;
  n: number;
  paddingIdx: number | null;
  accumulate: boolean;
}

const CASES: Case[] = [
  // 20000×67 table (5.4 MB) and 16000×67 output (4.3 MB): both stream; rows of 67 floats are unaligned
  { name: '20000x67, 16000 indices, padding 3', num: 20000, dim: 67, n: 16000, paddingIdx: 3, accumulate: false },
  // the benchmark's shape, aligned rows
  { name: '10000x256, 4096 indices', num: 10000, dim: 256, n: 4096, paddingIdx: null, accumulate: false },
  // accumulate never streams the gradient (it reads it), the forward still does
  { name: '20000x67, 16000 indices, accumulate', num: 20000, dim: 67, n: 16000, paddingIdx: 3, accumulate: true },
];

function run(c: Case): Uint32Array[] {
  const w = rand(c.num * c.dim, c.num + c.dim);
  for (let i = 0; i < w.length; i += 97) w[i] = -0;
  w[5] = NaN;
  // every third position hits row 1 (many duplicates), the rest spread over the table
  const idx = Int32Array.from({ length: c.n }, (_, i) => (i % 3 === 0 ? 1 : (i * 7919 + 13) % c.num));
  const gy = rand(c.n * c.dim, 6, 100);
  for (let i = 0; i < gy.length; i += 89) gy[i] = -0;
  gy[7] = Infinity;
  const o = { numEmbeddings: c.num, embeddingDim: c.dim, paddingIdx: c.paddingIdx };
  const y = ops.embeddingForward(idx, w, new Float32Array(c.n * c.dim).fill(9), o);
  const gw = ops.embeddingBackward(idx, gy, new Float32Array(c.num * c.dim).fill(0.5), { ...o, accumulate: c.accumulate });
  return [new Uint32Array(y.buffer), new Uint32Array(gw.buffer)];
}

function expectSameBits(a: Uint32Array, e: Uint32Array, what: string): void {
  expect(a.length, what).toBe(e.length);
  for (let i = 0; i < e.length; i++) {
    if (a[i] !== e[i]) throw new Error(`${what}[${i}]: bits ${a[i].toString(16)} vs ${e[i].toString(16)}`);
  }
}

describe('embedding streaming stores: every ISA, the pure-TS backend and any thread count agree bit for bit', () => {
  const isas = nativeAvailable() ? (useBackend('native'), supportedIsas()) : [];
  const startIsa = isas.length ? backendInfo().isa : '';
  afterAll(() => {
    if (isas.length) {
      useBackend('native');
      setIsa(startIsa);
    }
  });

  it.each(CASES)('$name', (c) => {
    if (!isas.length) return;
    useBackend('native');
    setIsa('scalar');
    const ref = run(c);
    const saved = getNumThreads();
    try {
      for (const isa of isas) {
        setIsa(isa);
        for (const t of [1, 2, 5]) {
          setNumThreads(t);
          run(c).forEach((x, i) => expectSameBits(x, ref[i], `${isa} ${t} threads output ${i}`));
        }
      }
    } finally {
      setNumThreads(saved);
    }
    useBackend('js');
    run(c).forEach((x, i) => expectSameBits(x, ref[i], `js output ${i}`));
    useBackend('native');
  });
});

// Finite-difference checks of the unit-stride gradWeight as a GEMM over positions (ConvKernels::gw_cl
// in native/kernels/conv/conv.h, taken where an ISA has one and a group has at least gw_cl_min
// output channels: avx512 24 of its 32 lanes, avx2 8 of 16, neon 12 of 16) on every backend: 33
// output channels (a last tile holding one channel), groups of 28 with 40-column rows (rows split
// into blocks of 128 positions), and 2 samples.
// Central differences of the float64 forward of conv-ref.ts, L = Σ y·gradY, against the library's
// float32 gradients.
import { describe, it } from 'vitest';
import { ops } from '../../lib/index.js';
import { targets, useTarget } from '../helpers/targets.js';
import { lcgFloats } from '../helpers/random.js';
import { centralDiff, expectGradClose } from '../helpers/gradcheck.js';
import { geo, lengths, opts2d, refForward, type Geo } from './conv-ref.js';

const CASES: [string, Geo][] = [
  ['3x3 pad 1, 3 → 33 channels', geo({ n: 2, ci: 3, co: 33, h: 4, w: 5, kh: 3, kw: 3, ph: 1, pw: 1 })],
  ['groups 2 of 28 out channels, rows of 40', geo({ n: 1, ci: 2, co: 56, h: 5, w: 40, kh: 3, kw: 3, ph: 1, pw: 1, g: 2 })],
];

describe.each(targets)('conv gradWeight over positions matches finite differences on $name', (t) => {
  useTarget(t);

  it.each(CASES)('conv2d %s', (_, s) => {
    const L = lengths(s);
    const x = lcgFloats(L.x, 61);
    const w = lcgFloats(L.w, 62);
    const b = lcgFloats(s.co, 63);
    const gy = lcgFloats(L.y, 64);
    const g = { gradWeight: new Float32Array(L.w) };
    ops.conv2dBackward(x, w, gy, g, opts2d(s));
    const [X, W, B] = [Float64Array.from(x), Float64Array.from(w), Float64Array.from(b)];
    const f = (): number => {
      const y = refForward(s, X, W, B);
      let sum = 0;
      for (let i = 0; i < y.length; i++) sum += y[i] * gy[i];
      return sum;
    };
    expectGradClose(g.gradWeight, centralDiff(f, W, 1e-3), 'gradWeight', { rel: 1e-4, floor: 1e-3 });
  });
});

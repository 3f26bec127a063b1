// Finite-difference checks of the unit-stride convolution path (native/kernels/conv/conv_unit.cc)
// on every backend: stride-1 shapes with enough input channels per group that gradX takes the path
// on every ISA too (4: half the widest tile's 8 rows), with output rows longer than a 16-lane vector
// and ending mid-vector, channels past a tile, dilation with asymmetric padding, groups, 1×1 and
// a full (padding k − 1) convolution. Central differences of the float64 forward of conv-ref.ts,
// L = Σ y·gradY, against the library's float32 gradients.
import { describe, it } from 'vitest';
import { ops } from '../../lib/index.js';
import { targets, useTarget } from '../helpers/targets.js';
import { lcgFloats } from '../helpers/random.js';
import { centralDiff, expectGradClose } from '../helpers/gradcheck.js';
import { geo, lengths, opts2d, refForward, type Geo } from './conv-ref.js';

const CASES: [string, Geo][] = [
  ['3x3 pad 1, rows of 19, 4 → 9 channels', geo({ n: 1, ci: 4, co: 9, h: 2, w: 19, kh: 3, kw: 3, ph: 1, pw: 1 })],
  ['3x5 dilation (2, 1), padding (2, 1)', geo({ n: 1, ci: 4, co: 5, h: 7, w: 6, kh: 3, kw: 5, ph: 2, pw: 1, dh: 2 })],
  ['groups 2 of 4 channels', geo({ n: 1, ci: 8, co: 4, h: 3, w: 5, kh: 3, kw: 3, ph: 1, pw: 1, g: 2 })],
  ['1x1, 4 → 12', geo({ n: 2, ci: 4, co: 12, h: 2, w: 17, kh: 1, kw: 1 })],
  ['full convolution (padding k − 1)', geo({ n: 1, ci: 4, co: 3, h: 3, w: 4, kh: 3, kw: 3, ph: 2, pw: 2 })],
];

describe.each(targets)('unit-stride conv backward matches finite differences on $name', (t) => {
  useTarget(t);

  it.each(CASES)('conv2d %s', (_, s) => {
    const L = lengths(s);
    const x = lcgFloats(L.x, 51);
    const w = lcgFloats(L.w, 52);
    const b = lcgFloats(s.co, 53);
    const gy = lcgFloats(L.y, 54);
    const g = { gradX: new Float32Array(L.x), gradWeight: new Float32Array(L.w), gradBias: new Float32Array(s.co) };
    ops.conv2dBackward(x, w, gy, g, opts2d(s));
    const [X, W, B] = [Float64Array.from(x), Float64Array.from(w), Float64Array.from(b)];
    const f = (): number => {
      const y = refForward(s, X, W, B);
      let sum = 0;
      for (let i = 0; i < y.length; i++) sum += y[i] * gy[i];
      return sum;
    };
    const close = (a: Float32Array, e: Float64Array, what: string): void => expectGradClose(a, e, what, { rel: 1e-4, floor: 1e-3 });
    close(g.gradX, centralDiff(f, X, 1e-3), 'gradX');
    close(g.gradWeight, centralDiff(f, W, 1e-3), 'gradWeight');
    close(g.gradBias, centralDiff(f, B, 1e-3), 'gradBias');
  });
});

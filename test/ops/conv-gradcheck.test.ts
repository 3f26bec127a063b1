// Finite-difference checks of the conv2d / conv1d backward on every backend: central differences of
// the float64 forward of conv-ref.ts, L = Σ y·gradY, against the library's float32 gradients.
import { describe, it } from 'vitest';
import { ops } from '../../lib/index.js';
import { targets, useTarget } from '../helpers/targets.js';
import { lcgFloats } from '../helpers/random.js';
import { geo, lengths, opts2d, refForward, type Geo } from './conv-ref.js';
import { centralDiff, expectGradClose } from '../helpers/gradcheck.js';

function loss(s: Geo, gy: Float32Array, x: Float64Array, w: Float64Array, b: Float64Array): number {
  const y = refForward(s, x, w, b);
  let L = 0;
  for (let i = 0; i < y.length; i++) L += y[i] * gy[i];
  return L;
}

const numGrad = (f: () => number, t: Float64Array, h = 1e-3): Float64Array => centralDiff(f, t, h);

const expectClose = (actual: Float32Array, expected: Float64Array, what: string): void => expectGradClose(actual, expected, what, { rel: 1e-4, floor: 1e-3 });

const CASES: [string, Geo][] = [
  ['3x3 pad 1', geo({ n: 2, ci: 3, co: 2, h: 5, w: 6, kh: 3, kw: 3, ph: 1, pw: 1 })],
  ['stride 2, dilation 2, groups 2', geo({ n: 2, ci: 4, co: 2, h: 8, w: 7, kh: 2, kw: 3, sh: 2, sw: 2, ph: 1, pw: 2, dh: 2, dw: 1, g: 2 })],
  ['depthwise', geo({ n: 1, ci: 3, co: 3, h: 5, w: 5, kh: 3, kw: 3, ph: 1, pw: 1, g: 3 })],
  ['1x1', geo({ n: 2, ci: 3, co: 4, h: 3, w: 2, kh: 1, kw: 1 })],
];

describe.each(targets)('conv backward matches finite differences on $name', (t) => {
  useTarget(t);

  it.each(CASES)('conv2d %s', (_, s) => {
    const L = lengths(s);
    const x = lcgFloats(L.x, 31);
    const w = lcgFloats(L.w, 32);
    const b = lcgFloats(s.co, 33);
    const gy = lcgFloats(L.y, 34);
    const g = { gradX: new Float32Array(L.x), gradWeight: new Float32Array(L.w), gradBias: new Float32Array(s.co) };
    ops.conv2dBackward(x, w, gy, g, opts2d(s));
    const [X, W, B] = [Float64Array.from(x), Float64Array.from(w), Float64Array.from(b)];
    const f = () => loss(s, gy, X, W, B);
    expectClose(g.gradX, numGrad(f, X), 'gradX');
    expectClose(g.gradWeight, numGrad(f, W), 'gradWeight');
    expectClose(g.gradBias, numGrad(f, B), 'gradBias');
  });

  it('conv1d stride 2, padding 2, dilation 3', () => {
    const o = { batch: 2, inChannels: 2, outChannels: 3, length: 17, kernelSize: 3, stride: 2, padding: 2, dilation: 3 };
    const s = geo({ n: 2, ci: 2, co: 3, h: 1, w: 17, kh: 1, kw: 3, sw: 2, pw: 2, dw: 3 });
    const L = lengths(s);
    const x = lcgFloats(L.x, 41);
    const w = lcgFloats(L.w, 42);
    const b = lcgFloats(3, 43);
    const gy = lcgFloats(L.y, 44);
    const g = { gradX: new Float32Array(L.x), gradWeight: new Float32Array(L.w), gradBias: new Float32Array(3) };
    ops.conv1dBackward(x, w, gy, g, o);
    const [X, W, B] = [Float64Array.from(x), Float64Array.from(w), Float64Array.from(b)];
    const f = () => loss(s, gy, X, W, B);
    expectClose(g.gradX, numGrad(f, X), 'gradX');
    expectClose(g.gradWeight, numGrad(f, W), 'gradWeight');
    expectClose(g.gradBias, numGrad(f, B), 'gradBias');
  });
});

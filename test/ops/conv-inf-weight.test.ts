// A ±Inf weight in a stride-1 convolution with padding: gradX must match the pure-TS backend (and
// PyTorch), which never multiplies padding, so it gets ±Inf/NaN only where a real product has one.
// The native unit-stride gradX correlates a zero-padded gY with the weights (0 · Inf = NaN in the
// padding); it must leave such weights to the path that does not.
import { afterAll, describe, expect, it } from 'vitest';
import { nativeAvailable, ops, setIsa, supportedIsas, useBackend } from '../../lib/index.js';
import { lcgFloats } from '../helpers/random.js';
import { geo, lengths, opts2d } from './conv-ref.js';

const native = nativeAvailable();
const isas = native ? (useBackend('native'), supportedIsas()) : [];
afterAll(() => {
  if (!native) return;
  useBackend('native');
  setIsa(isas[0]);
});

// 8 input channels: the unit-stride gradX applies on every ISA (half the widest tile's rows).
const S = geo({ n: 2, ci: 8, co: 6, h: 5, w: 7, kh: 3, kw: 3, ph: 1, pw: 1 });

function gradX(): Float32Array {
  const L = lengths(S);
  const x = lcgFloats(L.x, 3);
  const w = lcgFloats(L.w, 4);
  w[0] = Infinity; // out 0, in 0, tap (0, 0)
  w[L.w - 1] = -Infinity; // last out, last in, tap (2, 2)
  const gy = lcgFloats(L.y, 5);
  const gx = new Float32Array(L.x);
  ops.conv2dBackward(x, w, gy, { gradX: gx }, opts2d(S));
  return gx;
}

describe('conv2d gradX with infinite weights', () => {
  it('is NaN, ±Inf and finite at the same positions on every ISA as on the pure-TS backend', () => {
    useBackend('js');
    const ref = gradX();
    // The reference itself has finite entries next to infinite ones, so the check can fail.
    expect(ref.some((v) => Number.isFinite(v))).toBe(true);
    expect(ref.some((v) => !Number.isFinite(v))).toBe(true);
    if (!native) return;
    useBackend('native');
    for (const isa of isas) {
      setIsa(isa);
      const got = gradX();
      for (let i = 0; i < ref.length; i++) {
        const e = ref[i];
        const a = got[i];
        const ok = Number.isNaN(e) ? Number.isNaN(a) : !Number.isFinite(e) ? a === e : Math.abs(a - e) <= 2e-5 * (1 + Math.abs(e));
        if (!ok) throw new Error(`${isa}: gradX[${i}] = ${a}, expected ${e}`);
      }
    }
  });
});

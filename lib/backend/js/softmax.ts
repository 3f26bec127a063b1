/**
 * The pure-TS softmax / log-softmax over the last dimension and their backward, the reference of
 * native/kernels/softmax/: max-subtracted, sums in float64. No special cases: a -Infinity entry gives
 * e^{-inf} = 0, and a row of all -Infinity gives -inf − (-inf) = NaN throughout, as PyTorch 1.13 does.
 */
import type { SoftmaxBackwardArgs, SoftmaxForwardArgs } from '../ops-types.js';

function rowMax(x: Float32Array, o: number, n: number): number {
  let m = -Infinity;
  for (let j = 0; j < n; j++) {
    const v = x[o + j];
    // A NaN makes the whole row NaN (PyTorch's max propagates it).
    if (v > m || v !== v) m = v;
    if (m !== m) break;
  }
  return m;
}

export function softmaxForward(a: SoftmaxForwardArgs): void {
  const { x, y, rows, cols: n, log } = a;
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    const m = rowMax(x, o, n);
    let sum = 0;
    if (log) {
      for (let j = 0; j < n; j++) sum += Math.exp(Math.fround(x[o + j] - m));
      const ls = Math.log(sum);
      for (let j = 0; j < n; j++) y[o + j] = Math.fround(x[o + j] - m) - ls;
    } else {
      for (let j = 0; j < n; j++) {
        const e = Math.fround(Math.exp(Math.fround(x[o + j] - m)));
        y[o + j] = e;
        sum += e;
      }
      const inv = 1 / sum;
      for (let j = 0; j < n; j++) y[o + j] *= inv;
    }
  }
}

export function softmaxBackward(a: SoftmaxBackwardArgs): void {
  const { y, gradY: gy, gradX: gx, rows, cols: n, log } = a;
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    let s = 0;
    if (log) {
      for (let j = 0; j < n; j++) s += gy[o + j];
      for (let j = 0; j < n; j++) gx[o + j] = gy[o + j] - Math.exp(y[o + j]) * s;
    } else {
      for (let j = 0; j < n; j++) s += gy[o + j] * y[o + j];
      for (let j = 0; j < n; j++) gx[o + j] = y[o + j] * (gy[o + j] - s);
    }
  }
}

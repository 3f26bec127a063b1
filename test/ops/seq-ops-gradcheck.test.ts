// Finite-difference checks of the embedding, softmax/log-softmax and attention backward: central
// differences of a float64 statement of each forward, L = Σ y·gradY, against the library's float32
// gradients, on every backend and ISA.
import { describe, it } from 'vitest';
import { ops } from '../../lib/index.js';
import { targets, useTarget } from '../helpers/targets.js';
import { lcgFloats } from '../helpers/random.js';
import { refAttention, type RefDims } from '../helpers/attention-ref.js';
import { centralDiff, expectGradClose } from '../helpers/gradcheck.js';

/** Central-difference gradient of loss(x) with step h. */
function numGrad(loss: (x: Float64Array) => number, x0: ArrayLike<number>, h = 1e-5): Float64Array {
  const x = Float64Array.from(x0);
  return centralDiff(() => loss(x), x, h);
}

const expectClose = (actual: Float32Array, expected: Float64Array, what: string): void => expectGradClose(actual, expected, what, { rel: 2e-4, floor: 1e-3 });

const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

describe.each(targets)('sequence-op backward matches finite differences on $name', (t) => {
  useTarget(t);

  it('embedding (with repeats and a padding row)', () => {
    const [num, dim] = [5, 3];
    const idx = Int32Array.from([1, 4, 1, 2, 0, 1]);
    const w = lcgFloats(num * dim, 1);
    const gy = lcgFloats(idx.length * dim, 2);
    const gw = ops.embeddingBackward(idx, gy, new Float32Array(num * dim), { numEmbeddings: num, embeddingDim: dim, paddingIdx: 2 });
    const loss = (W: Float64Array): number => {
      let L = 0;
      for (let p = 0; p < idx.length; p++) {
        if (idx[p] === 2) continue; // the padding row is a constant for the gradient
        for (let j = 0; j < dim; j++) L += gy[p * dim + j] * W[idx[p] * dim + j];
      }
      return L;
    };
    expectClose(gw, numGrad(loss, w), 'gradWeight');
  });

  it.each([
    [false, 3, 7],
    [true, 3, 7],
    [false, 2, 17],
    [true, 4, 9],
  ])('softmax (log %s) [%i, %i], with a masked entry', (log, rows, cols) => {
    const x = lcgFloats(rows * cols, rows + cols, 3);
    x[1] = -Infinity;
    const gy = lcgFloats(x.length, 5);
    // log-softmax's -inf entry: PyTorch's gradient gradY − e^{y}·Σ gradY counts its gradY in Σ, which
    // is no derivative of a finite loss; a zero there keeps the check a true finite difference (the
    // golden softmax.json cases check PyTorch's convention with nonzero values).
    if (log) gy[1] = 0;
    const y = (log ? ops.logSoftmax : ops.softmax)(x, new Float32Array(x.length), { rows, cols });
    const gx = (log ? ops.logSoftmaxBackward : ops.softmaxBackward)(y, gy, new Float32Array(x.length), { rows, cols });
    const loss = (X: Float64Array): number => {
      let L = 0;
      for (let r = 0; r < rows; r++) {
        let m = -Infinity;
        for (let j = 0; j < cols; j++) m = Math.max(m, X[r * cols + j]);
        let s = 0;
        for (let j = 0; j < cols; j++) s += Math.exp(X[r * cols + j] - m);
        for (let j = 0; j < cols; j++) {
          const xj = X[r * cols + j];
          const yj = log ? xj - m - Math.log(s) : Math.exp(xj - m) / s;
          // log-softmax's masked entry is -inf with gradient gradY; its term is a constant here
          if (xj !== -Infinity) L += gy[r * cols + j] * yj;
        }
      }
      return L;
    };
    const fd = numGrad(loss, x);
    if (log) fd[1] = gy[1];
    expectClose(gx, fd, 'gradX');
  });

  it.each([
    [{ batch: 1, heads: 2, lq: 4, lk: 5, d: 3, dv: 2 }],
    [{ batch: 2, heads: 1, lq: 6, lk: 6, d: 4, dv: 3, causal: true }],
    [{ batch: 1, heads: 1, lq: 5, lk: 7, d: 2, dv: 4, scale: 0.7, mask: Float32Array.from({ length: 35 }, (_, i) => (i % 5 === 3 ? -Infinity : (i % 7) / 7)) }],
    [{ batch: 1, heads: 1, lq: 20, lk: 70, d: 5, dv: 3 }],
  ])('attention %o', (s: RefDims) => {
    const { batch: b, heads: h, lq, lk, d, dv } = s;
    const q = lcgFloats(b * h * lq * d, 11);
    const k = lcgFloats(b * h * lk * d, 12);
    const v = lcgFloats(b * h * lk * dv, 13);
    const go = lcgFloats(b * h * lq * dv, 14);
    const out = new Float32Array(go.length);
    const lse = new Float32Array(b * h * lq);
    ops.attentionForward(q, k, v, out, lse, s);
    const g = { gradQ: new Float32Array(q.length), gradK: new Float32Array(k.length), gradV: new Float32Array(v.length) };
    ops.attentionBackward(q, k, v, out, lse, go, g, s);
    expectClose(g.gradQ, numGrad((Q) => dot(refAttention(s, Q, k, v, go).out, go), q), 'gradQ');
    expectClose(g.gradK, numGrad((K) => dot(refAttention(s, q, K, v, go).out, go), k), 'gradK');
    expectClose(g.gradV, numGrad((V) => dot(refAttention(s, q, k, V, go).out, go), v), 'gradV');
  });
});

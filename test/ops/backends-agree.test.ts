// The native addon (every ISA) and the pure-TS backend agree on normalisation and recurrent ops
// over edge sizes: empty batches and sequences, single elements, tiles ±1 and larger shapes.
import { afterAll, describe, expect, it } from 'vitest';
import { nativeAvailable, ops, setIsa, supportedIsas, useBackend } from '../../lib/index.js';
import { lcgFloats } from '../helpers/random.js';

const rand = (n: number, seed: number, offset = 0): Float32Array => lcgFloats(n, seed, 1, offset);

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol: number): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!(Math.abs(a[i] - b[i]) <= tol * (1 + Math.abs(b[i])))) return false;
  return true;
}

/** Runs fn on js, then on native under each ISA, and compares every output array. */
function agree(fn: () => ArrayLike<number>[], tol: number): void {
  useBackend('js');
  const ref = fn();
  if (!nativeAvailable()) return;
  useBackend('native');
  for (const isa of supportedIsas()) {
    setIsa(isa);
    const got = fn();
    got.forEach((g, i) => expect(close(g, ref[i], tol), `${isa} output ${i}`).toBe(true));
  }
}

describe('backends agree on the normalisation and recurrent ops', () => {
  afterAll(() => {
    if (nativeAvailable()) {
      useBackend('native');
      setIsa(supportedIsas()[0]);
    }
  });

  it.each([
    [2, 0],
    [2, 1],
    [3, 7],
    [16, 8],
    [17, 9],
    [65, 33],
    [300, 257],
  ])('BatchNorm1d and LayerNorm on [%i, %i]', (n, c) => {
    agree(() => {
      const x = rand(n * c, n + c, 50);
      const gy = rand(n * c, n * c + 1);
      const w = rand(c, 3);
      const rm = new Float32Array(c);
      const rv = new Float32Array(c).fill(1);
      const f = ops.batchNorm1d(x, [n, c], { weight: w, bias: w, runningMean: rm, runningVar: rv });
      const g = ops.batchNorm1dBackward(gy, x, [n, c], f, { weight: w });
      const e = ops.batchNorm1d(x, [n, c], { runningMean: rm, runningVar: rv, training: false });
      const out = [f.y, rm, rv, g.gradX, g.gradWeight, g.gradBias, e.y];
      if (c > 0) {
        const l = ops.layerNorm(x, c, { weight: w, bias: w });
        const lg = ops.layerNormBackward(gy, x, c, l, { weight: w });
        out.push(l.y, lg.gradX, lg.gradWeight, lg.gradBias);
      }
      return out;
    }, 1e-4);
  });

  it('BatchNorm1d eval and LayerNorm on empty batches', () => {
    agree(() => {
      const e = ops.batchNorm1d(new Float32Array(0), [0, 3], { runningMean: new Float32Array(3), runningVar: new Float32Array(3).fill(1), training: false });
      const l = ops.layerNorm(new Float32Array(0), 4);
      const lg = ops.layerNormBackward(new Float32Array(0), new Float32Array(0), 4, l);
      return [e.y, l.y, lg.gradWeight, lg.gradBias];
    }, 0);
  });

  it.each([
    [2, 2, 3, 4],
    [1, 1, 1, 1],
    [3, 0, 2, 2],
    [5, 3, 17, 9],
    [12, 4, 33, 32],
  ])('RNN and LSTM with seqLen %i, batch %i, input %i, hidden %i', (T, B, I, H) => {
    const shape = { seqLen: T, batch: B, inputSize: I, hiddenSize: H };
    agree(() => {
      const out: Float32Array[] = [];
      for (const G of [1, 4]) {
        const w = { weightIh: rand(G * H * I, 1 + G, 0), weightHh: rand(G * H * H, 2 + G), biasIh: rand(G * H, 3), biasHh: rand(G * H, 4) };
        for (const v of [w.weightIh, w.weightHh]) for (let i = 0; i < v.length; i++) v[i] *= 0.4;
        const x = rand(T * B * I, 5);
        const h0 = rand(B * H, 6);
        const gradOutput = rand(T * B * H, 7);
        const gradHN = rand(B * H, 8);
        if (G === 1) {
          for (const nonlinearity of ['tanh', 'relu'] as const) {
            const f = ops.rnnForward(x, w, shape, { h0, nonlinearity });
            const g = ops.rnnBackward(x, w, shape, f.workspace, { h0, nonlinearity, gradOutput, gradHN });
            out.push(f.output, f.hN, g.gradInput, g.gradH0, g.gradWeightIh, g.gradWeightHh, g.gradBiasIh!);
          }
        } else {
          const c0 = rand(B * H, 9);
          const f = ops.lstmForward(x, w, shape, { h0, c0 });
          const g = ops.lstmBackward(x, w, shape, f.workspace, { h0, c0, gradOutput, gradHN, gradCN: gradHN });
          out.push(f.output, f.hN, f.cN, g.gradInput, g.gradH0, g.gradC0, g.gradWeightIh, g.gradWeightHh, g.gradBiasHh!);
        }
      }
      return out;
    }, 1e-4);
  });
});

/**
 * The pure-TS backend's ops: the reference semantics of native/kernels/{activation,loss} and the
 * linear layer on top of matmulJs.
 */
import { Act } from '../kinds.js';
import type { ActivationArgs, OpsBackend } from '../ops-types.js';
import { matmulJs } from './matmul.js';
import { actDeriv, actForward, sigmoid } from './ops-math.js';

function activationForward(f: ActivationArgs, x: Float32Array, y: Float32Array): void {
  const fn = Act[f.kind];
  const p0 = Math.fround(f.p0);
  const p1 = Math.fround(f.p1);
  const n = x.length;
  if (fn === Act.relu) {
    for (let i = 0; i < n; i++) {
      const v = x[i];
      y[i] = v > 0 || v !== v ? v : 0;
    }
    return;
  }
  for (let i = 0; i < n; i++) y[i] = actForward(fn, x[i], p0, p1);
}

function activationBackward(f: ActivationArgs, x: Float32Array, gy: Float32Array, gx: Float32Array): void {
  const fn = Act[f.kind];
  const p0 = Math.fround(f.p0);
  const p1 = Math.fround(f.p1);
  const n = x.length;
  if (fn === Act.relu) {
    for (let i = 0; i < n; i++) gx[i] = x[i] <= 0 ? 0 : gy[i];
    return;
  }
  for (let i = 0; i < n; i++) gx[i] = gy[i] * actDeriv(fn, x[i], p0, p1);
}

function mseLoss(x: Float32Array, t: Float32Array, g: Float32Array | null, mean: boolean): number {
  const n = x.length;
  const scale = mean ? 1 / n : 1;
  let acc = 0;
  for (let i = 0; i < n; i++) {
    const d = x[i] - t[i];
    acc += d * d;
    if (g) g[i] = 2 * d * scale;
  }
  if (mean) return n === 0 ? NaN : acc * scale;
  return acc;
}

function crossEntropyLoss(x: Float32Array, labels: Int32Array, g: Float32Array | null, batch: number, classes: number): number {
  for (let b = 0; b < batch; b++) {
    const t = labels[b];
    if (t < 0 || t >= classes) {
      throw new RangeError(`labels[${b}] = ${t} is outside [0, ${classes})`);
    }
  }
  if (batch === 0) return NaN;
  const invBatch = 1 / batch;
  let acc = 0;
  for (let b = 0; b < batch; b++) {
    const o = b * classes;
    let mx = -Infinity;
    let nan = false;
    for (let j = 0; j < classes; j++) {
      const v = x[o + j];
      if (v !== v) nan = true;
      if (v > mx) mx = v;
    }
    let lse: number;
    if (nan) lse = NaN;
    else if (!Number.isFinite(mx)) lse = mx;
    else {
      let sum = 0;
      for (let j = 0; j < classes; j++) sum += Math.exp(x[o + j] - mx);
      lse = mx + Math.log(sum);
    }
    const t = labels[b];
    acc += lse - x[o + t];
    if (g) {
      for (let j = 0; j < classes; j++) {
        const p = Math.exp(x[o + j] - lse);
        g[o + j] = (p - (j === t ? 1 : 0)) * invBatch;
      }
    }
  }
  return acc * invBatch;
}

function bceWithLogitsLoss(x: Float32Array, t: Float32Array, g: Float32Array | null): number {
  const n = x.length;
  const invN = 1 / n;
  let acc = 0;
  for (let i = 0; i < n; i++) {
    const v = x[i];
    const tv = t[i];
    acc += Math.max(v, 0) - v * tv + Math.log1p(Math.exp(-Math.abs(v)));
    if (g) g[i] = (sigmoid(v) - tv) * invN;
  }
  return n === 0 ? NaN : acc * invN;
}

/** The backend methods of the CNN ops (issue 13), wired from their own files in js/index.ts. */
type CnnOpsMethods = 'maxPool2dForward' | 'maxPool2dBackward' | 'avgPool2dForward' | 'avgPool2dBackward' | 'batchNorm2dForward' | 'batchNorm2dBackward' | 'dropoutApply';

export function createJsOps(): Omit<OpsBackend, 'batchNormForward' | 'batchNormBackward' | 'layerNormForward' | 'layerNormBackward' | 'recurrentForward' | 'recurrentBackward' | 'convForward' | 'convBackward' | CnnOpsMethods
  | 'embeddingForward' | 'embeddingBackward' | 'softmaxForward' | 'softmaxBackward' | 'attentionForward' | 'attentionBackward' | 'selfAttentionForward' | 'selfAttentionBackward'> {
  return {
    matmul: (a, b, c, s) => matmulJs(a, b, c, s.m, s.n, s.k, s.transA, s.transB, s.alpha, s.beta),
    linearForward(x, w, bias, y, s) {
      const { batch, inFeatures: inF, outFeatures: outF } = s;
      if (batch === 0 || outF === 0) return;
      if (bias) for (let r = 0; r < batch; r++) y.set(bias.subarray(0, outF), r * outF);
      matmulJs(x, w, y, batch, outF, inF, false, true, 1, bias ? 1 : 0);
    },
    linearBackward(x, w, gy, g, s, accumulate, sumSquares) {
      const { batch, inFeatures: inF, outFeatures: outF } = s;
      if (g.gradX && batch !== 0 && inF !== 0) matmulJs(gy, w, g.gradX, batch, inF, outF, false, false, 1, 0);
      if (g.gradWeight && outF !== 0 && inF !== 0) matmulJs(gy, x, g.gradWeight, outF, inF, batch, true, false, 1, accumulate ? 1 : 0);
      const gb = g.gradBias;
      let ssB = 0;
      if (gb) {
        for (let j = 0; j < outF; j++) {
          let acc = accumulate ? gb[j] : 0;
          for (let r = 0; r < batch; r++) acc += gy[r * outF + j];
          gb[j] = acc;
          ssB += gb[j] * gb[j]; // of the stored float32, as the native glue
        }
      }
      if (sumSquares) {
        // The reference sums in row order; the native GEMM epilogue sums per tile (same value
        // within float64 rounding, not bitwise).
        let ssW = 0;
        const gw = g.gradWeight;
        if (gw) for (let i = 0; i < outF * inF; i++) ssW += gw[i] * gw[i];
        sumSquares[0] = ssW;
        sumSquares[1] = ssB;
      }
    },
    activationForward,
    activationBackward,
    mseLoss,
    crossEntropyLoss,
    bceWithLogitsLoss,
  };
}

/**
 * The pure-TS gradient toolkit: the same fused norm + clip semantics as the native multi-tensor
 * kernels (float64 accumulation, per-tensor norms, NaN/Inf propagation as PyTorch).
 */
import type { RawGradStats } from '../types.js';
import { clipCoefficient } from '../types.js';
import { clampInPlace, countNonFinite, maxAbs, scaleInPlace, sumAbs, sumAbsPow, sumSquares } from './norm-kernels.js';

/** p-th root of a sum of |x|^p. */
const root = (sum: number, p: number): number => (p === 2 ? Math.sqrt(sum) : p === 1 ? sum : sum ** (1 / p));

/** Σ|x|^p of one tensor (max |x| for p = Infinity). */
function partial(x: Float32Array, p: number): number {
  if (p === Infinity) return maxAbs(x);
  if (p === 2) return sumSquares(x);
  if (p === 1) return sumAbs(x);
  return sumAbsPow(x, p);
}

export function norm(views: readonly Float32Array[], p: number, perTensor?: Float64Array): number {
  let total = 0;
  for (let i = 0; i < views.length; i++) {
    const s = partial(views[i], p);
    if (perTensor) perTensor[i] = p === Infinity ? s : root(s, p);
    if (p === Infinity) {
      if (s > total || s !== s) total = s;
      if (s !== s) total = NaN;
    } else {
      total += s;
    }
  }
  return p === Infinity ? total : root(total, p);
}

export function scale(views: readonly Float32Array[], s: number): void {
  const f = Math.fround(s);
  for (const v of views) scaleInPlace(v, f);
}

export function clamp(views: readonly Float32Array[], lo: number, hi: number): void {
  const l = Math.fround(lo), h = Math.fround(hi);
  for (const v of views) clampInPlace(v, l, h);
}

export function clipByNorm(views: readonly Float32Array[], maxNorm: number, p: number, errorIfNonfinite: boolean, perTensor?: Float64Array): number {
  const total = norm(views, p, perTensor);
  if (errorIfNonfinite && !Number.isFinite(total)) return total;
  const coef = clipCoefficient(maxNorm, total);
  if (!(coef >= 1)) scale(views, coef);
  return total;
}

export function stats(views: readonly Float32Array[], perTensor?: Float64Array): RawGradStats {
  let sum = 0;
  let max = 0;
  let bad = 0;
  let first = -1;
  for (let i = 0; i < views.length; i++) {
    const v = views[i];
    const s = sumSquares(v);
    if (perTensor) perTensor[i] = Math.sqrt(s);
    sum += s;
    const m = maxAbs(v);
    if (m > max || m !== m) max = m;
    if (max !== max) max = NaN;
    // Only tensors whose sum is non-finite can hold a NaN/Inf: count those alone.
    if (!Number.isFinite(s)) {
      const c = countNonFinite(v);
      if (c > 0 && first < 0) first = i;
      bad += c;
    }
  }
  return { totalNorm: Math.sqrt(sum), maxAbs: max, nonFiniteCount: bad, firstNonFiniteIndex: first };
}

export function agc(params: readonly Float32Array[], grads: readonly Float32Array[], units: Uint32Array, clipping: number, eps: number): void {
  for (let t = 0; t < params.length; t++) {
    const w = params[t], g = grads[t];
    if (w.length === 0) continue;
    const u = units[t];
    const len = w.length / u;
    for (let k = 0; k < u; k++) {
      const wu = w.subarray(k * len, (k + 1) * len);
      const gu = g.subarray(k * len, (k + 1) * len);
      const wn = Math.sqrt(sumSquares(wu));
      const gn = Math.sqrt(sumSquares(gu));
      const maxNorm = clipping * (wn > eps ? wn : eps);
      if (gn > maxNorm) scaleInPlace(gu, Math.fround(maxNorm / (gn > 1e-6 ? gn : 1e-6)));
    }
  }
}

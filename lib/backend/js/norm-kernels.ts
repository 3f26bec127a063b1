/**
 * Pure-TypeScript norm kernels, the reference and fallback for native/kernels/norm. JS numbers are
 * float64, so every sum accumulates in float64 (four interleaved partials, combined (s0+s1)+(s2+s3),
 * as the scalar C++ reference). Loops are unrolled by four for speed on typed arrays.
 */

export function sumSquares(x: Float32Array): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  const n = x.length;
  const n4 = n - (n & 3);
  for (let i = 0; i < n4; i += 4) {
    const a = x[i], b = x[i + 1], c = x[i + 2], d = x[i + 3];
    s0 += a * a;
    s1 += b * b;
    s2 += c * c;
    s3 += d * d;
  }
  if (n4 < n) { const a = x[n4]; s0 += a * a; }
  if (n4 + 1 < n) { const b = x[n4 + 1]; s1 += b * b; }
  if (n4 + 2 < n) { const c = x[n4 + 2]; s2 += c * c; }
  return (s0 + s1) + (s2 + s3);
}

export function sumAbs(x: Float32Array): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  const n = x.length;
  const n4 = n - (n & 3);
  for (let i = 0; i < n4; i += 4) {
    s0 += Math.abs(x[i]);
    s1 += Math.abs(x[i + 1]);
    s2 += Math.abs(x[i + 2]);
    s3 += Math.abs(x[i + 3]);
  }
  if (n4 < n) s0 += Math.abs(x[n4]);
  if (n4 + 1 < n) s1 += Math.abs(x[n4 + 1]);
  if (n4 + 2 < n) s2 += Math.abs(x[n4 + 2]);
  return (s0 + s1) + (s2 + s3);
}

export function sumAbsPow(x: Float32Array, p: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  const n = x.length;
  for (let i = 0; i < n; i++) {
    const v = Math.abs(x[i]) ** p;
    switch (i & 3) {
      case 0: s0 += v; break;
      case 1: s1 += v; break;
      case 2: s2 += v; break;
      default: s3 += v;
    }
  }
  return (s0 + s1) + (s2 + s3);
}

/** max |x|; NaN if any element is NaN (a NaN, once seen, is kept); 0 for an empty array. */
export function maxAbs(x: Float32Array): number {
  let m = 0;
  const n = x.length;
  for (let i = 0; i < n; i++) {
    const a = Math.abs(x[i]);
    if (a > m || a !== a) {
      m = a;
      if (a !== a) return NaN;
    }
  }
  return m;
}

/** Count of NaN and ±Inf elements. */
export function countNonFinite(x: Float32Array): number {
  let c = 0;
  const n = x.length;
  for (let i = 0; i < n; i++) {
    const v = x[i];
    if (v - v !== 0) c++; // NaN - NaN and Inf - Inf are NaN
  }
  return c;
}

/** x *= s, with s a float32 (the float64 product of two floats is exact, so this rounds like C). */
export function scaleInPlace(x: Float32Array, s: number): void {
  const n = x.length;
  const n4 = n - (n & 3);
  for (let i = 0; i < n4; i += 4) {
    x[i] *= s;
    x[i + 1] *= s;
    x[i + 2] *= s;
    x[i + 3] *= s;
  }
  for (let i = n4; i < n; i++) x[i] *= s;
}

/** x = clamp(x, lo, hi); NaN stays NaN, ±Inf become hi / lo. */
export function clampInPlace(x: Float32Array, lo: number, hi: number): void {
  const n = x.length;
  for (let i = 0; i < n; i++) {
    const v = x[i];
    if (v < lo) x[i] = lo;
    else if (v > hi) x[i] = hi;
  }
}

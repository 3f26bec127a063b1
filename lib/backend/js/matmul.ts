/**
 * Pure-TS SGEMM: c = alpha·op(a)·op(b) + beta·c, row-major, torch.addmm semantics (beta = 0 never
 * reads c; alpha = 0 or k = 0 give beta·c). Cache-blocked: op(b) is packed into a row-major
 * [kc × nc] panel (transposing when needed), and four rows of c are accumulated at once in float64
 * (each packed b value is loaded once per four rows, and the inner loop runs over contiguous memory,
 * which V8 compiles to tight code). Scratch buffers are module-level and grow only, so steady state
 * allocates nothing.
 */

const KC = 128; // rows of op(b) per panel
const NC = 512; // columns of op(b) per panel

let panel = new Float32Array(KC * NC);
let acc = new Float64Array(4 * NC);

export function matmulJs(
  a: Float32Array,
  b: Float32Array,
  c: Float32Array,
  m: number,
  n: number,
  k: number,
  transA: boolean,
  transB: boolean,
  alpha: number,
  beta: number,
): void {
  if (m === 0 || n === 0) return;
  // Round the scalars as the native side does (they cross as float).
  alpha = Math.fround(alpha);
  beta = Math.fround(beta);
  if (k === 0 || alpha === 0) {
    scaleC(c, m * n, beta);
    return;
  }
  if (panel.length < KC * Math.min(n, NC)) panel = new Float32Array(KC * Math.min(n, NC));
  if (acc.length < 4 * Math.min(n, NC)) acc = new Float64Array(4 * Math.min(n, NC));
  const P = panel;
  const A = acc;
  for (let j0 = 0; j0 < n; j0 += NC) {
    const nc = Math.min(NC, n - j0);
    for (let i0 = 0; i0 < m; i0 += 4) {
      const mr = Math.min(4, m - i0);
      A.fill(0, 0, 4 * nc);
      for (let p0 = 0; p0 < k; p0 += KC) {
        const kc = Math.min(KC, k - p0);
        // Pack op(b)[p0 .. p0+kc, j0 .. j0+nc] once per (j0, p0) block: only on the first row block.
        if (i0 === 0 || k > KC) packB(b, P, n, k, transB, p0, kc, j0, nc);
        for (let p = 0; p < kc; p++) {
          const bo = p * nc;
          const pp = p0 + p;
          const a0 = transA ? a[pp * m + i0] : a[i0 * k + pp];
          if (mr === 4) {
            const a1 = transA ? a[pp * m + i0 + 1] : a[(i0 + 1) * k + pp];
            const a2 = transA ? a[pp * m + i0 + 2] : a[(i0 + 2) * k + pp];
            const a3 = transA ? a[pp * m + i0 + 3] : a[(i0 + 3) * k + pp];
            for (let j = 0; j < nc; j++) {
              const bv = P[bo + j];
              A[j] += a0 * bv;
              A[nc + j] += a1 * bv;
              A[2 * nc + j] += a2 * bv;
              A[3 * nc + j] += a3 * bv;
            }
          } else {
            for (let r = 0; r < mr; r++) {
              const av = r === 0 ? a0 : transA ? a[pp * m + i0 + r] : a[(i0 + r) * k + pp];
              const ao = r * nc;
              for (let j = 0; j < nc; j++) A[ao + j] += av * P[bo + j];
            }
          }
        }
      }
      for (let r = 0; r < mr; r++) {
        const co = (i0 + r) * n + j0;
        const ao = r * nc;
        if (beta === 0) {
          for (let j = 0; j < nc; j++) c[co + j] = alpha * A[ao + j];
        } else {
          for (let j = 0; j < nc; j++) c[co + j] = alpha * A[ao + j] + beta * c[co + j];
        }
      }
    }
  }
}

function packB(b: Float32Array, P: Float32Array, n: number, k: number, transB: boolean, p0: number, kc: number, j0: number, nc: number): void {
  if (!transB) {
    for (let p = 0; p < kc; p++) P.set(b.subarray((p0 + p) * n + j0, (p0 + p) * n + j0 + nc), p * nc);
  } else {
    // b stored [n, k]: op(b)[p][j] = b[j * k + p]
    for (let j = 0; j < nc; j++) {
      const bo = (j0 + j) * k + p0;
      for (let p = 0; p < kc; p++) P[p * nc + j] = b[bo + p];
    }
  }
}

function scaleC(c: Float32Array, count: number, beta: number): void {
  if (beta === 0) c.fill(0, 0, count);
  else if (beta !== 1) for (let i = 0; i < count; i++) c[i] *= beta;
}

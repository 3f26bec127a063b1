/**
 * Pure-TS SGEMM: c = alpha·op(a)·op(b) + beta·c, row-major, torch.addmm semantics (beta = 0 never
 * reads c; alpha = 0 or k = 0 give beta·c).
 *
 * Register-blocked like a BLIS micro-kernel: op(a) is packed into 4-row panels (panel[p·4 + r]) and
 * op(b) into 4-column panels (panel[p·4 + c]), both as float64 (no float32→float64 conversion in the
 * inner loop) and zero-padded; the inner loop keeps a 4×4 tile of c in 16 local variables and runs
 * down k with 8 loads per 32 flops. Column panels are the outer loop (one b panel, k·32 bytes, stays
 * in L1 while every a panel streams past it from L2). Accumulation is in float64 (JS numbers), so the
 * result is at least as accurate as the native float32 GEMM. Packing buffers are module-level and
 * only grow: steady state allocates nothing.
 */

let packA: Float64Array = new Float64Array(0);
let packB: Float64Array = new Float64Array(0);

function grow(buf: Float64Array, n: number): Float64Array {
  return buf.length >= n ? buf : new Float64Array(Math.max(n, buf.length * 2));
}

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
    if (beta === 0) c.fill(0, 0, m * n);
    else if (beta !== 1) for (let i = 0; i < m * n; i++) c[i] *= beta;
    return;
  }
  const mp = (m + 3) >> 2;
  const np = (n + 3) >> 2;
  packA = grow(packA, mp * 4 * k);
  packB = grow(packB, np * 4 * k);
  const A = packA;
  const B = packB;
  // op(a)[i][p] = transA ? a[p·m + i] : a[i·k + p]; panel ip holds rows 4ip..4ip+3.
  for (let ip = 0; ip < mp; ip++) {
    const base = ip * 4 * k;
    for (let r = 0; r < 4; r++) {
      const i = ip * 4 + r;
      if (i >= m) {
        for (let p = 0; p < k; p++) A[base + p * 4 + r] = 0;
      } else if (transA) {
        for (let p = 0; p < k; p++) A[base + p * 4 + r] = a[p * m + i];
      } else {
        const ro = i * k;
        for (let p = 0; p < k; p++) A[base + p * 4 + r] = a[ro + p];
      }
    }
  }
  // op(b)[p][j] = transB ? b[j·k + p] : b[p·n + j]; panel jp holds columns 4jp..4jp+3.
  for (let jp = 0; jp < np; jp++) {
    const base = jp * 4 * k;
    for (let cc = 0; cc < 4; cc++) {
      const j = jp * 4 + cc;
      if (j >= n) {
        for (let p = 0; p < k; p++) B[base + p * 4 + cc] = 0;
      } else if (transB) {
        const ro = j * k;
        for (let p = 0; p < k; p++) B[base + p * 4 + cc] = b[ro + p];
      } else {
        for (let p = 0; p < k; p++) B[base + p * 4 + cc] = b[p * n + j];
      }
    }
  }
  const k4 = 4 * k;
  for (let jp = 0; jp < np; jp++) {
    const bo = jp * k4;
    const j0 = jp * 4;
    const nr = Math.min(4, n - j0);
    for (let ip = 0; ip < mp; ip++) {
      let ao = ip * k4;
      let bi = bo;
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
      let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
      let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      const end = ao + k4;
      for (; ao < end; ao += 4, bi += 4) {
        const a0 = A[ao], a1 = A[ao + 1], a2 = A[ao + 2], a3 = A[ao + 3];
        const b0 = B[bi], b1 = B[bi + 1], b2 = B[bi + 2], b3 = B[bi + 3];
        c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
        c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
        c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
        c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
      }
      const i0 = ip * 4;
      const mr = Math.min(4, m - i0);
      if (mr === 4 && nr === 4) {
        store4(c, i0 * n + j0, alpha, beta, c00, c01, c02, c03);
        store4(c, (i0 + 1) * n + j0, alpha, beta, c10, c11, c12, c13);
        store4(c, (i0 + 2) * n + j0, alpha, beta, c20, c21, c22, c23);
        store4(c, (i0 + 3) * n + j0, alpha, beta, c30, c31, c32, c33);
      } else {
        const tile = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
        for (let r = 0; r < mr; r++) {
          const co = (i0 + r) * n + j0;
          for (let q = 0; q < nr; q++) {
            const v = alpha * tile[r * 4 + q];
            c[co + q] = beta === 0 ? v : v + beta * c[co + q];
          }
        }
      }
    }
  }
}

function store4(c: Float32Array, o: number, alpha: number, beta: number, v0: number, v1: number, v2: number, v3: number): void {
  if (beta === 0) {
    c[o] = alpha * v0;
    c[o + 1] = alpha * v1;
    c[o + 2] = alpha * v2;
    c[o + 3] = alpha * v3;
  } else {
    c[o] = alpha * v0 + beta * c[o];
    c[o + 1] = alpha * v1 + beta * c[o + 1];
    c[o + 2] = alpha * v2 + beta * c[o + 2];
    c[o + 3] = alpha * v3 + beta * c[o + 3];
  }
}

/**
 * Pure-TS convolution (conv2d; conv1d is height 1), PyTorch's `F.conv2d` semantics: NCHW,
 * weight [out, in/groups, kh, kw], cross-correlation (the kernel is not flipped), zero padding.
 *
 * The same plan as the native driver (native/kernels/conv/conv.cc): per sample and group, im2col
 * the input window into col [K = C_g·kh·kw, P = OH·OW] and run one GEMM (matmulJs, float64 sums
 * rounded once per GEMM, so at least as accurate as the native float32 GEMM):
 *   forward    y_g  = W_g [O_g, K] · col                 (bias preloaded, beta = 1)
 *   gradWeight gW_g += gY_g [O_g, P] · colᵀ              (summed over samples in sample order)
 *   gradX      gcol = W_gᵀ · gY_g, then col2im (adjoint of im2col, float64 sums per input element)
 * gradBias sums gradY over samples and positions in float64. Scratch buffers are module-level and
 * only grow, so a training loop allocates nothing in steady state.
 */
import type { ConvBackwardArgs, ConvForwardArgs, ConvGeometry } from '../ops-types.js';
import { matmulJs } from './matmul.js';

let col = new Float32Array(0);
let gsum = new Float64Array(0);

/** Writes col [K, P] for sample n, group q: col[(c·kh + a)·kw + b][i·OW + j] = xp[n, q·C_g + c, i·sh + a·dh − ph, j·sw + b·dw − pw]. */
function im2col(g: ConvGeometry, x: Float32Array, n: number, q: number, out: Float32Array): void {
  const cg = g.inChannels / g.groups;
  const { height: H, width: W, kernelH: kh, kernelW: kw, outHeight: OH, outWidth: OW } = g;
  const P = OH * OW;
  let r = 0;
  for (let c = 0; c < cg; c++) {
    const plane = (n * g.inChannels + q * cg + c) * H * W;
    for (let a = 0; a < kh; a++) {
      for (let b = 0; b < kw; b++, r++) {
        const row = r * P;
        for (let i = 0; i < OH; i++) {
          const h = i * g.strideH + a * g.dilationH - g.padH;
          const o = row + i * OW;
          if (h < 0 || h >= H) {
            out.fill(0, o, o + OW);
            continue;
          }
          const base = plane + h * W;
          for (let j = 0; j < OW; j++) {
            const w = j * g.strideW + b * g.dilationW - g.padW;
            out[o + j] = w >= 0 && w < W ? x[base + w] : 0;
          }
        }
      }
    }
  }
}

/** Adds gcol [K, P] back onto the float64 input-plane sums acc [C_g·H·W] (the adjoint of im2col). */
function col2imAdd(g: ConvGeometry, gc: Float32Array, acc: Float64Array): void {
  const cg = g.inChannels / g.groups;
  const { height: H, width: W, kernelH: kh, kernelW: kw, outHeight: OH, outWidth: OW } = g;
  const P = OH * OW;
  let r = 0;
  for (let c = 0; c < cg; c++) {
    const plane = c * H * W;
    for (let a = 0; a < kh; a++) {
      for (let b = 0; b < kw; b++, r++) {
        const row = r * P;
        for (let i = 0; i < OH; i++) {
          const h = i * g.strideH + a * g.dilationH - g.padH;
          if (h < 0 || h >= H) continue;
          const base = plane + h * W;
          const o = row + i * OW;
          for (let j = 0; j < OW; j++) {
            const w = j * g.strideW + b * g.dilationW - g.padW;
            if (w >= 0 && w < W) acc[base + w] += gc[o + j];
          }
        }
      }
    }
  }
}

function dims(g: ConvGeometry) {
  const cg = g.inChannels / g.groups;
  const og = g.outChannels / g.groups;
  const K = cg * g.kernelH * g.kernelW;
  const P = g.outHeight * g.outWidth;
  return { cg, og, K, P };
}

export function convForward(a: ConvForwardArgs): void {
  const g = a.geometry;
  const { og, K, P } = dims(g);
  if (g.batch === 0 || g.outChannels === 0 || P === 0) return;
  if (col.length < K * P) col = new Float32Array(K * P);
  for (let n = 0; n < g.batch; n++) {
    for (let q = 0; q < g.groups; q++) {
      const yOff = (n * g.outChannels + q * og) * P;
      const yg = a.y.subarray(yOff, yOff + og * P);
      if (a.bias) for (let o = 0; o < og; o++) yg.fill(a.bias[q * og + o], o * P, (o + 1) * P);
      if (K === 0) {
        if (!a.bias) yg.fill(0);
        continue;
      }
      im2col(g, a.x, n, q, col);
      matmulJs(a.weight.subarray(q * og * K, (q + 1) * og * K), col, yg, og, P, K, false, false, 1, a.bias ? 1 : 0);
    }
  }
}

export function convBackward(a: ConvBackwardArgs): void {
  const g = a.geometry;
  const { cg, og, K, P } = dims(g);
  const { gradX, gradWeight, gradBias, gradY } = a;
  if (gradBias) {
    for (let o = 0; o < g.outChannels; o++) {
      let s = 0;
      for (let n = 0; n < g.batch; n++) {
        const off = (n * g.outChannels + o) * P;
        for (let p = 0; p < P; p++) s += gradY[off + p];
      }
      gradBias[o] = a.accumulate ? gradBias[o] + s : s;
    }
  }
  if (gradWeight && !a.accumulate && (g.batch === 0 || P === 0)) gradWeight.fill(0);
  if (gradX && (g.outChannels === 0 || P === 0 || K === 0)) gradX.fill(0);
  if (g.batch === 0 || P === 0 || g.outChannels === 0 || K === 0) return;
  if (col.length < K * P) col = new Float32Array(K * P);
  const plane = cg * g.height * g.width;
  if (gradX && gsum.length < plane) gsum = new Float64Array(plane);
  for (let n = 0; n < g.batch; n++) {
    for (let q = 0; q < g.groups; q++) {
      const yOff = (n * g.outChannels + q * og) * P;
      const gy = gradY.subarray(yOff, yOff + og * P);
      const wg = a.weight.subarray(q * og * K, (q + 1) * og * K);
      if (gradWeight) {
        im2col(g, a.x, n, q, col);
        const beta = n === 0 && !a.accumulate ? 0 : 1;
        matmulJs(gy, col, gradWeight.subarray(q * og * K, (q + 1) * og * K), og, K, P, false, true, 1, beta);
      }
      if (gradX) {
        matmulJs(wg, gy, col, K, P, og, true, false, 1, 0);
        gsum.fill(0, 0, plane);
        col2imAdd(g, col, gsum);
        const xOff = (n * g.inChannels + q * cg) * g.height * g.width;
        for (let e = 0; e < plane; e++) gradX[xOff + e] = gsum[e];
      }
    }
  }
}

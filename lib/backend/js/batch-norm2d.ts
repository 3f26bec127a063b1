/**
 * Pure-TS BatchNorm2d over x [n, c, plane] (plane = H·W), the same algorithm and summation order as
 * native/kernels/normalization (batchnorm2d_*): per channel, float64 sums down the batch for each
 * spatial position, then across the plane in order; two passes (mean, centred squares). With
 * plane = 1 this is BatchNorm1d. Arguments are validated by lib/ops/batch-norm.ts.
 */
import type { BatchNorm2dBackwardArgs, BatchNorm2dForwardArgs } from '../ops-types.js';

/** Σ over n and the plane of f(n-th plane element), summed down the batch first (the kernel's order). */
function planeSum(n: number, c: number, plane: number, j: number, acc: Float64Array, f: (i: number) => number): number {
  acc.fill(0);
  for (let i = 0; i < n; i++) {
    const o = (i * c + j) * plane;
    for (let k = 0; k < plane; k++) acc[k] += f(o + k);
  }
  let s = 0;
  for (let k = 0; k < plane; k++) s += acc[k];
  return s;
}

/** BatchNorm2d forward; see lib/ops/batch-norm.ts for the semantics. */
export function batchNorm2dForward(a: BatchNorm2dForwardArgs): void {
  const { x, n, c, plane, weight, bias, runningMean, runningVar, training, momentum, eps, y, saveMean, saveInvstd } = a;
  const m = n * plane;
  const acc = new Float64Array(plane);
  for (let j = 0; j < c; j++) {
    if (training) {
      const mean = planeSum(n, c, plane, j, acc, (i) => x[i]) / m;
      const m2 = planeSum(n, c, plane, j, acc, (i) => (x[i] - mean) * (x[i] - mean));
      saveMean[j] = mean;
      saveInvstd[j] = 1 / Math.sqrt(m2 / m + eps);
      if (runningMean) runningMean[j] = (1 - momentum) * runningMean[j] + momentum * mean;
      if (runningVar) runningVar[j] = (1 - momentum) * runningVar[j] + momentum * (m > 1 ? m2 / (m - 1) : NaN);
    } else {
      saveMean[j] = runningMean![j];
      saveInvstd[j] = 1 / Math.sqrt(runningVar![j] + eps);
    }
    const mean = saveMean[j];
    const invstd = saveInvstd[j];
    const wj = weight ? weight[j] : 1;
    const bj = bias ? bias[j] : 0;
    for (let i = 0; i < n; i++) {
      const o = (i * c + j) * plane;
      for (let k = o; k < o + plane; k++) y[k] = (x[k] - mean) * invstd * wj + bj;
    }
  }
}

/** BatchNorm2d backward; dw/db overwritten or, with accumulate, added to. */
export function batchNorm2dBackward(a: BatchNorm2dBackwardArgs): void {
  const { gradY: dy, x, n, c, plane, weight, saveMean, saveInvstd, training, gradX: dx, gradWeight: dw, gradBias: db, accumulate } = a;
  const m = n * plane;
  const acc = new Float64Array(plane);
  for (let j = 0; j < c; j++) {
    const mean = saveMean[j];
    const invstd = saveInvstd[j];
    const sumDy = planeSum(n, c, plane, j, acc, (i) => dy[i]);
    const sumDyXhat = planeSum(n, c, plane, j, acc, (i) => dy[i] * (x[i] - mean) * invstd);
    if (dx) {
      const invM = m > 0 ? 1 / m : 0;
      const k = (weight ? weight[j] : 1) * invstd;
      for (let i = 0; i < n; i++) {
        const o = (i * c + j) * plane;
        for (let e = o; e < o + plane; e++) {
          if (training) {
            const xhat = (x[e] - mean) * invstd;
            dx[e] = k * (dy[e] - invM * sumDy - xhat * invM * sumDyXhat);
          } else {
            dx[e] = k * dy[e];
          }
        }
      }
    }
    if (dw) dw[j] = (accumulate ? dw[j] : 0) + sumDyXhat;
    if (db) db[j] = (accumulate ? db[j] : 0) + sumDy;
  }
}

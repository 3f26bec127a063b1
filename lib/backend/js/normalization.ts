/**
 * Pure-TS BatchNorm1d and LayerNorm, the same algorithm as native/kernels/normalization: two-pass
 * float64 statistics (JS numbers), float32 storage. Arguments are validated by lib/ops.
 */
import type { BatchNormBackwardArgs, BatchNormForwardArgs, LayerNormBackwardArgs, LayerNormForwardArgs } from '../ops-types.js';

/** BatchNorm1d forward over x [n, c]; see lib/ops/batch-norm.ts for the semantics. */
export function batchNormForward(a: BatchNormForwardArgs): void {
  const { x, n, c, weight, bias, runningMean, runningVar, training, momentum, eps, y, saveMean, saveInvstd } = a;
  if (training) {
    const mean = new Float64Array(c);
    const m2 = new Float64Array(c);
    for (let i = 0; i < n; i++) for (let j = 0; j < c; j++) mean[j] += x[i * c + j];
    for (let j = 0; j < c; j++) mean[j] /= n;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < c; j++) {
        const d = x[i * c + j] - mean[j];
        m2[j] += d * d;
      }
    }
    for (let j = 0; j < c; j++) {
      saveMean[j] = mean[j];
      saveInvstd[j] = 1 / Math.sqrt(m2[j] / n + eps);
      if (runningMean) runningMean[j] = (1 - momentum) * runningMean[j] + momentum * mean[j];
      if (runningVar) runningVar[j] = (1 - momentum) * runningVar[j] + momentum * (n > 1 ? m2[j] / (n - 1) : NaN);
    }
  } else {
    for (let j = 0; j < c; j++) {
      saveMean[j] = runningMean![j];
      saveInvstd[j] = 1 / Math.sqrt(runningVar![j] + eps);
    }
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < c; j++) {
      y[i * c + j] = (x[i * c + j] - saveMean[j]) * saveInvstd[j] * (weight ? weight[j] : 1) + (bias ? bias[j] : 0);
    }
  }
}

/** BatchNorm1d backward; dw/db overwritten or, with accumulate, added to. */
export function batchNormBackward(a: BatchNormBackwardArgs): void {
  const { gradY: dy, x, n, c, weight, saveMean, saveInvstd, training, gradX: dx, gradWeight: dw, gradBias: db, accumulate } = a;
  const sumDy = new Float64Array(c);
  const sumDyXhat = new Float64Array(c);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < c; j++) {
      const g = dy[i * c + j];
      sumDy[j] += g;
      sumDyXhat[j] += g * (x[i * c + j] - saveMean[j]) * saveInvstd[j];
    }
  }
  if (dx) {
    const invN = n > 0 ? 1 / n : 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < c; j++) {
        const k = (weight ? weight[j] : 1) * saveInvstd[j];
        const g = dy[i * c + j];
        if (training) {
          const xhat = (x[i * c + j] - saveMean[j]) * saveInvstd[j];
          dx[i * c + j] = k * (g - invN * sumDy[j] - xhat * invN * sumDyXhat[j]);
        } else {
          dx[i * c + j] = k * g;
        }
      }
    }
  }
  for (let j = 0; j < c; j++) {
    if (dw) dw[j] = (accumulate ? dw[j] : 0) + sumDyXhat[j];
    if (db) db[j] = (accumulate ? db[j] : 0) + sumDy[j];
  }
}

/** LayerNorm forward over the rows of x [m, d]. */
export function layerNormForward(a: LayerNormForwardArgs): void {
  const { x, rows: m, size: d, weight, bias, eps, y, saveMean, saveInvstd } = a;
  for (let i = 0; i < m; i++) {
    const o = i * d;
    let mean = 0;
    for (let j = 0; j < d; j++) mean += x[o + j];
    mean /= d;
    let m2 = 0;
    for (let j = 0; j < d; j++) {
      const t = x[o + j] - mean;
      m2 += t * t;
    }
    const invstd = 1 / Math.sqrt(m2 / d + eps);
    saveMean[i] = mean;
    saveInvstd[i] = invstd;
    for (let j = 0; j < d; j++) y[o + j] = (x[o + j] - mean) * invstd * (weight ? weight[j] : 1) + (bias ? bias[j] : 0);
  }
}

/** LayerNorm backward; dw/db summed over rows, overwritten or, with accumulate, added to. */
export function layerNormBackward(a: LayerNormBackwardArgs): void {
  const { gradY: dy, x, rows: m, size: d, weight, saveMean, saveInvstd, gradX: dx, gradWeight: dw, gradBias: db, accumulate } = a;
  const accW = new Float64Array(d);
  const accB = new Float64Array(d);
  for (let i = 0; i < m; i++) {
    const o = i * d;
    const mean = saveMean[i];
    const invstd = saveInvstd[i];
    let sumGw = 0;
    let sumGwXhat = 0;
    for (let j = 0; j < d; j++) {
      const xhat = (x[o + j] - mean) * invstd;
      const gw = dy[o + j] * (weight ? weight[j] : 1);
      sumGw += gw;
      sumGwXhat += gw * xhat;
      accW[j] += dy[o + j] * xhat;
      accB[j] += dy[o + j];
    }
    if (dx) {
      for (let j = 0; j < d; j++) {
        const xhat = (x[o + j] - mean) * invstd;
        const gw = dy[o + j] * (weight ? weight[j] : 1);
        dx[o + j] = invstd * (gw - sumGw / d - (xhat * sumGwXhat) / d);
      }
    }
  }
  for (let j = 0; j < d; j++) {
    if (dw) dw[j] = (accumulate ? dw[j] : 0) + accW[j];
    if (db) db[j] = (accumulate ? db[j] : 0) + accB[j];
  }
}

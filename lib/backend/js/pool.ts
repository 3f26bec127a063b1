/**
 * Pure-TS 2-D pooling, the same algorithm as native/kernels/pool (pool_scalar.cc): float64 window
 * sums for the averages, float32 storage, and the backward as a scatter in window order per plane
 * (each addition rounded to float32, as the kernel's), so both backends agree bit for bit.
 * Arguments are validated by lib/ops/pool.ts.
 */
import type { AvgPool2dBackwardArgs, AvgPool2dForwardArgs, MaxPool2dBackwardArgs, MaxPool2dForwardArgs, Pool2dGeometry } from '../ops-types.js';

/** Max over each window's valid elements; the first maximal one wins, a NaN beats everything. */
export function maxPool2dForward(a: MaxPool2dForwardArgs): void {
  const { x, y, indices, g } = a;
  const { height: H, width: W, outHeight: OH, outWidth: OW, kh, kw, sh, sw, ph, pw, dh, dw } = g;
  const planes = g.batch * g.channels;
  for (let p = 0; p < planes; p++) {
    const xo = p * H * W;
    const yo = p * OH * OW;
    for (let i = 0; i < OH; i++) {
      const hs = i * sh - ph;
      for (let j = 0; j < OW; j++) {
        const ws = j * sw - pw;
        let best = -Infinity;
        let at = -1;
        for (let r = 0; r < kh; r++) {
          const h = hs + r * dh;
          if (h < 0 || h >= H) continue;
          for (let c = 0; c < kw; c++) {
            const w = ws + c * dw;
            if (w < 0 || w >= W) continue;
            const v = x[xo + h * W + w];
            // The first valid element starts the search (so an all −Inf window routes there); then
            // only a strictly larger value, or the first NaN, takes over.
            if (at < 0 || v > best || (v !== v && best === best)) {
              best = v;
              at = h * W + w;
            }
          }
        }
        y[yo + i * OW + j] = best;
        if (indices) indices[yo + i * OW + j] = at;
      }
    }
  }
}

/** gradX = 0, then gradY[o] added at indices[o] of its plane, in output order. */
export function maxPool2dBackward(a: MaxPool2dBackwardArgs): void {
  const { gradY, indices, gradX, g } = a;
  const hw = g.height * g.width;
  const ohw = g.outHeight * g.outWidth;
  gradX.fill(0);
  const planes = g.batch * g.channels;
  for (let p = 0; p < planes; p++) {
    for (let o = p * ohw; o < (p + 1) * ohw; o++) gradX[p * hw + indices[o]] += gradY[o];
  }
}

/** Rows [lo, hi) of window i along one axis and its divisor span (AvgPool2d / AdaptiveAvgPool2d). */
interface Span {
  lo: number;
  hi: number;
  /** The window's extent counting padding (AvgPool2d with countIncludePad), else hi − lo. */
  padded: number;
}

/** The span of window i along an axis of `size` input elements. */
export function poolSpan(i: number, size: number, out: number, k: number, s: number, p: number, adaptive: boolean): Span {
  if (adaptive) {
    const lo = Math.floor((i * size) / out);
    const hi = Math.floor(((i + 1) * size + out - 1) / out);
    return { lo, hi, padded: hi - lo };
  }
  const start = i * s - p;
  const end = Math.min(start + k, size + p);
  return { lo: Math.max(start, 0), hi: Math.min(end, size), padded: end - start };
}

function spans(g: Pool2dGeometry, adaptive: boolean): [Span[], Span[]] {
  const rows: Span[] = [];
  const cols: Span[] = [];
  for (let i = 0; i < g.outHeight; i++) rows.push(poolSpan(i, g.height, g.outHeight, g.kh, g.sh, g.ph, adaptive));
  for (let j = 0; j < g.outWidth; j++) cols.push(poolSpan(j, g.width, g.outWidth, g.kw, g.sw, g.pw, adaptive));
  return [rows, cols];
}

const divisor = (r: Span, c: Span, includePad: boolean): number => (includePad ? r.padded * c.padded : (r.hi - r.lo) * (c.hi - c.lo));

/** Mean over each window (float64 sum, one division, rounded to float32). */
export function avgPool2dForward(a: AvgPool2dForwardArgs): void {
  const { x, y, g } = a;
  const { height: H, width: W, outHeight: OH, outWidth: OW } = g;
  const [rows, cols] = spans(g, a.adaptive);
  const includePad = a.countIncludePad && !a.adaptive;
  const planes = g.batch * g.channels;
  for (let p = 0; p < planes; p++) {
    const xo = p * H * W;
    for (let i = 0; i < OH; i++) {
      const r = rows[i];
      for (let j = 0; j < OW; j++) {
        const c = cols[j];
        let sum = 0;
        for (let h = r.lo; h < r.hi; h++) for (let w = c.lo; w < c.hi; w++) sum += x[xo + h * W + w];
        y[p * OH * OW + i * OW + j] = sum / divisor(r, c, includePad);
      }
    }
  }
}

/** gradX = 0, then each window's gradY/divisor (rounded to float32) added to its valid elements. */
export function avgPool2dBackward(a: AvgPool2dBackwardArgs): void {
  const { gradY, gradX, g } = a;
  const { height: H, width: W, outHeight: OH, outWidth: OW } = g;
  const [rows, cols] = spans(g, a.adaptive);
  const includePad = a.countIncludePad && !a.adaptive;
  gradX.fill(0);
  const planes = g.batch * g.channels;
  for (let p = 0; p < planes; p++) {
    const xo = p * H * W;
    for (let i = 0; i < OH; i++) {
      const r = rows[i];
      for (let j = 0; j < OW; j++) {
        const c = cols[j];
        const v = Math.fround(gradY[p * OH * OW + i * OW + j] / divisor(r, c, includePad));
        for (let h = r.lo; h < r.hi; h++) for (let w = c.lo; w < c.hi; w++) gradX[xo + h * W + w] += v;
      }
    }
  }
}

/**
 * Pure-TS optimiser steps: PyTorch 1.13's single-tensor SGD and Adam/AdamW update rules with the
 * native kernels' float32 constants (Math.fround), computed per element in float64; the state values
 * (momentum buffer, m, v) are rounded to float32 before use, as stored, so overflow to Inf happens
 * where float32 arithmetic has it (a gradient of 1e20 gives v = Inf and a zero update, as PyTorch). One loop per tensor with
 * the options hoisted out, so the JIT sees a tight monomorphic loop.
 */
import type { AdamHyper, SgdHyper } from '../types.js';

const f = Math.fround;

export function sgdStep(params: readonly Float32Array[], grads: readonly Float32Array[], bufs: readonly Float32Array[] | null, h: SgdHyper): void {
  const scale = f(h.gradScale);
  const sign = h.maximize ? -scale : scale;
  const wd = f(h.weightDecay);
  const mom = f(h.momentum);
  const omd = f(1 - h.dampening);
  const lr = f(h.lr);
  // As PyTorch (`if weight_decay != 0`): no wd·p term at all when 0, so an infinite p gives no 0·Inf NaN.
  const useWd = wd !== 0;
  for (let t = 0; t < params.length; t++) {
    const p = params[t];
    const g = grads[t];
    const n = p.length;
    if (mom === 0) {
      for (let i = 0; i < n; i++) {
        const pi = p[i];
        const d = g[i] * sign;
        p[i] = pi - lr * (useWd ? d + wd * pi : d);
      }
      continue;
    }
    const b = (bufs as readonly Float32Array[])[t];
    if (h.firstStep) {
      for (let i = 0; i < n; i++) {
        const pi = p[i];
        const d0 = g[i] * sign;
        const d = useWd ? d0 + wd * pi : d0;
        b[i] = d;
        p[i] = pi - lr * (h.nesterov ? d + mom * f(d) : d);
      }
    } else if (h.nesterov) {
      for (let i = 0; i < n; i++) {
        const pi = p[i];
        const d0 = g[i] * sign;
        const d = useWd ? d0 + wd * pi : d0;
        const bi = (b[i] = f(b[i] * mom + omd * d));
        p[i] = pi - lr * (d + mom * bi);
      }
    } else {
      for (let i = 0; i < n; i++) {
        const pi = p[i];
        const d0 = g[i] * sign;
        const d = useWd ? d0 + wd * pi : d0;
        const bi = (b[i] = f(b[i] * mom + omd * d));
        p[i] = pi - lr * bi;
      }
    }
  }
}

export function adamStep(
  params: readonly Float32Array[],
  grads: readonly Float32Array[],
  ms: readonly Float32Array[],
  vs: readonly Float32Array[],
  vmaxs: readonly Float32Array[] | null,
  h: AdamHyper,
): void {
  const scale = f(h.gradScale);
  const sign = h.maximize ? -scale : scale;
  const b1 = f(h.beta1);
  const omb1 = f(1 - h.beta1);
  const b2 = f(h.beta2);
  const omb2 = f(1 - h.beta2);
  const eps = f(h.eps);
  const wd = h.decoupled ? 0 : f(h.weightDecay);
  const decay = h.decoupled ? f(1 - h.lr * h.weightDecay) : 1;
  const stepSize = f(h.lr / (1 - h.beta1 ** h.step));
  const bc2 = f(Math.sqrt(1 - h.beta2 ** h.step));
  const useWd = wd !== 0;
  for (let t = 0; t < params.length; t++) {
    const p = params[t];
    const g = grads[t];
    const m = ms[t];
    const v = vs[t];
    const n = p.length;
    if (vmaxs === null) {
      for (let i = 0; i < n; i++) {
        const pi = p[i] * decay;
        const d0 = g[i] * sign;
        const d = useWd ? d0 + wd * pi : d0;
        const mi = (m[i] = f(m[i] * b1 + omb1 * d));
        const vi = (v[i] = f(v[i] * b2 + omb2 * d * d));
        p[i] = pi - (stepSize * mi) / (Math.sqrt(vi) / bc2 + eps);
      }
    } else {
      const vm = vmaxs[t];
      for (let i = 0; i < n; i++) {
        const pi = p[i] * decay;
        const d0 = g[i] * sign;
        const d = useWd ? d0 + wd * pi : d0;
        const mi = (m[i] = f(m[i] * b1 + omb1 * d));
        const vi = (v[i] = f(v[i] * b2 + omb2 * d * d));
        const a = vm[i];
        const vmi = (vm[i] = a !== a || a > vi ? a : vi);
        p[i] = pi - (stepSize * mi) / (Math.sqrt(vmi) / bc2 + eps);
      }
    }
  }
}

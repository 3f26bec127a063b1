/**
 * Pure-TS optimiser steps: PyTorch 1.13's single-tensor SGD and Adam/AdamW update rules with the
 * native kernels' float32 constants (Math.fround), computed per element in float64 and stored as
 * float32 (within the golden tolerances of the native float32 arithmetic). One loop per tensor with
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
  for (let t = 0; t < params.length; t++) {
    const p = params[t];
    const g = grads[t];
    const n = p.length;
    if (mom === 0) {
      for (let i = 0; i < n; i++) {
        const pi = p[i];
        p[i] = pi - lr * (g[i] * sign + wd * pi);
      }
      continue;
    }
    const b = (bufs as readonly Float32Array[])[t];
    if (h.firstStep) {
      for (let i = 0; i < n; i++) {
        const pi = p[i];
        const d = g[i] * sign + wd * pi;
        b[i] = d;
        p[i] = pi - lr * (h.nesterov ? d + mom * f(d) : d);
      }
    } else if (h.nesterov) {
      for (let i = 0; i < n; i++) {
        const pi = p[i];
        const d = g[i] * sign + wd * pi;
        const bi = (b[i] = b[i] * mom + omd * d);
        p[i] = pi - lr * (d + mom * bi);
      }
    } else {
      for (let i = 0; i < n; i++) {
        const pi = p[i];
        const d = g[i] * sign + wd * pi;
        const bi = (b[i] = b[i] * mom + omd * d);
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
  for (let t = 0; t < params.length; t++) {
    const p = params[t];
    const g = grads[t];
    const m = ms[t];
    const v = vs[t];
    const n = p.length;
    if (vmaxs === null) {
      for (let i = 0; i < n; i++) {
        const pi = p[i] * decay;
        const d = g[i] * sign + wd * pi;
        const mi = (m[i] = m[i] * b1 + omb1 * d);
        const vi = (v[i] = v[i] * b2 + omb2 * d * d);
        p[i] = pi - (stepSize * mi) / (Math.sqrt(vi) / bc2 + eps);
      }
    } else {
      const vm = vmaxs[t];
      for (let i = 0; i < n; i++) {
        const pi = p[i] * decay;
        const d = g[i] * sign + wd * pi;
        const mi = (m[i] = m[i] * b1 + omb1 * d);
        const vi = (v[i] = v[i] * b2 + omb2 * d * d);
        const a = vm[i];
        const vmi = (vm[i] = a !== a || a > vi ? a : vi);
        p[i] = pi - (stepSize * mi) / (Math.sqrt(vmi) / bc2 + eps);
      }
    }
  }
}

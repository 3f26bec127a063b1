/**
 * The native backend: a thin adapter from TensorSets to the addon's (tensors, segments) calling
 * convention. A FlatTensors crosses as one base array plus its segment table (one call for any number
 * of tensors); a plain list crosses as an array of Float32Array.
 */
import type { NativeAddon, PreparedTensorList, TensorList } from '../binding.js';
import { fromNative } from '../errors.js';
import type { TensorSet } from '../validate/index.js';
import type { Backend } from './types.js';
import { createNativeOps } from './native-ops.js';

let addonRef: NativeAddon;

/** Async calls keep their own copy of a plain list: the caller may change its array meanwhile. A
 *  remembered long list crosses as its prepared handle (unpacked once; see list-cache.ts). */
const args = (t: TensorSet, copy = false): [TensorList, Uint32Array | null] => {
  if (t.flat) return [t.flat.base, t.flat.segments];
  if (t.entry) return [(t.entry.nativeHandle ??= addonRef.prepareTensorList(t.entry.items)) as PreparedTensorList, null];
  return [copy ? t.views.slice() : t.views, null];
};

/** An optional list (momentum buffers, AMSGrad maxima): null crosses as (null, null). */
const optArgs = (t: TensorSet | null): [TensorList | null, Uint32Array | null] => (t ? args(t) : [null, null]);

/** Rejections carry the caller's stack (the native one ends at the event loop). */
function withCallerStack<T>(p: Promise<T>): Promise<T> {
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder, withCallerStack);
  return p.catch((err: unknown) => {
    const e = fromNative(err);
    if (e instanceof Error && holder.stack) e.stack = `${e.stack}\n    --- async call ---\n${holder.stack.split('\n').slice(1).join('\n')}`;
    throw e;
  });
}

export function createNativeBackend(addon: NativeAddon): Backend {
  addonRef = addon;
  return {
    name: 'native',
    isa: () => addon.activeIsa(),
    supportedIsas: () => addon.supportedIsas(),
    setIsa: (name) => addon.setIsa(name),
    numThreads: () => addon.numThreads(),
    setNumThreads: (n) => addon.setNumThreads(n),
    allocate: (bytes) => addon.allocateBuffer(bytes) ?? new ArrayBuffer(bytes),
    norm: (t, p, per) => addon.gradNorm(...args(t), p, per),
    normAsync: (t, p, per) => withCallerStack(addon.gradNormAsync(...args(t, true), p, per)),
    clipByNorm: (t, m, p, e, per) => addon.clipGradNorm(...args(t), m, p, e, per),
    clipByNormAsync: (t, m, p, e, per) => withCallerStack(addon.clipGradNormAsync(...args(t, true), m, p, e, per)),
    scale: (t, s) => addon.scaleGrads(...args(t), s),
    scaleAsync: (t, s) => withCallerStack(addon.scaleGradsAsync(...args(t, true), s)),
    clamp: (t, lo, hi) => addon.clampGrads(...args(t), lo, hi),
    clampAsync: (t, lo, hi) => withCallerStack(addon.clampGradsAsync(...args(t, true), lo, hi)),
    stats: (t, per) => addon.gradStats(...args(t), per),
    statsAsync: (t, per) => withCallerStack(addon.gradStatsAsync(...args(t, true), per)),
    agc: (p, g, units, clipping, eps) => addon.agcClip(...args(p), ...args(g), units, clipping, eps),
    sgdStep: (p, g, b, h) =>
      addon.sgdStep(...args(p), ...args(g), ...optArgs(b), h.lr, h.momentum, h.dampening, h.weightDecay, h.nesterov, h.maximize, h.firstStep, h.gradScale),
    adamStep: (p, g, m, v, vm, h) =>
      addon.adamStep(...args(p), ...args(g), ...args(m), ...args(v), ...optArgs(vm), h.lr, h.beta1, h.beta2, h.eps, h.weightDecay, h.decoupled, h.amsgrad, h.maximize, h.step, h.gradScale),
    ...createNativeOps(addon),
    batchNormForward: (...a) => addon.batchNormForward(...a),
    batchNormBackward: (...a) => addon.batchNormBackward(...a),
    layerNormForward: (...a) => addon.layerNormForward(...a),
    layerNormBackward: (...a) => addon.layerNormBackward(...a),
    recurrentForward: (...a) => addon.recurrentForward(...a),
    recurrentBackward: (...a) => addon.recurrentBackward(...a),
    batchNormForwardAsync: (...a) => withCallerStack(addon.batchNormForwardAsync(...a)),
    batchNormBackwardAsync: (...a) => withCallerStack(addon.batchNormBackwardAsync(...a)),
    layerNormForwardAsync: (...a) => withCallerStack(addon.layerNormForwardAsync(...a)),
    layerNormBackwardAsync: (...a) => withCallerStack(addon.layerNormBackwardAsync(...a)),
    recurrentForwardAsync: (...a) => withCallerStack(addon.recurrentForwardAsync(...a)),
    recurrentBackwardAsync: (...a) => withCallerStack(addon.recurrentBackwardAsync(...a)),
  };
}

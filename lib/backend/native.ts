/**
 * The native backend: a thin adapter from TensorSets to the addon's (tensors, segments) calling
 * convention. A FlatTensors crosses as one base array plus its segment table (one call for any number
 * of tensors); a plain list crosses as an array of Float32Array. Every call goes through
 * native-call.ts (one error mapping; *Async forms from the same argument mapping as the sync call).
 */
import type { NativeAddon, PreparedTensorList, TensorList } from '../binding.js';
import type { TensorSet } from '../validate/index.js';
import { nativePair, nativeSync } from './native-call.js';
import { createNativeOps } from './native-ops.js';
import type { AdamHyper, Backend, SgdHyper } from './types.js';

export function createNativeBackend(addon: NativeAddon): Backend {
  /** Async calls keep their own copy of a plain list: the caller may change its array meanwhile. A
   *  remembered long list crosses as its prepared handle (unpacked once; see list-cache.ts). */
  const args = (t: TensorSet, copy = false): [TensorList, Uint32Array | null] => {
    if (t.flat) return [t.flat.base, t.flat.segments];
    if (t.entry) return [(t.entry.nativeHandle ??= addon.prepareTensorList(t.entry.items)) as PreparedTensorList, null];
    return [copy ? t.views.slice() : t.views, null];
  };
  /** An optional list (momentum buffers, AMSGrad maxima): null crosses as (null, null). */
  const optArgs = (t: TensorSet | null): [TensorList | null, Uint32Array | null] => (t ? args(t) : [null, null]);
  const [norm, normAsync] = nativePair(addon.gradNorm, addon.gradNormAsync)((copy, t: TensorSet, p: number, per?: Float64Array) => [...args(t, copy), p, per]);
  const [clipByNorm, clipByNormAsync] = nativePair(addon.clipGradNorm, addon.clipGradNormAsync)((copy, t: TensorSet, m: number, p: number, e: boolean, per?: Float64Array) => [...args(t, copy), m, p, e, per],
  );
  const [scale, scaleAsync] = nativePair(addon.scaleGrads, addon.scaleGradsAsync)((copy, t: TensorSet, s: number) => [...args(t, copy), s]);
  const [clamp, clampAsync] = nativePair(addon.clampGrads, addon.clampGradsAsync)((copy, t: TensorSet, lo: number, hi: number) => [...args(t, copy), lo, hi]);
  const [stats, statsAsync] = nativePair(addon.gradStats, addon.gradStatsAsync)((copy, t: TensorSet, per?: Float64Array) => [...args(t, copy), per]);
  return {
    name: 'native',
    isa: () => addon.activeIsa(),
    supportedIsas: () => addon.supportedIsas(),
    setIsa: nativeSync((name: string) => addon.setIsa(name)),
    numThreads: () => addon.numThreads(),
    setNumThreads: nativeSync((n: number) => addon.setNumThreads(n)),
    allocate: nativeSync((bytes: number) => addon.allocateBuffer(bytes) ?? new ArrayBuffer(bytes)),
    norm,
    normAsync,
    clipByNorm,
    clipByNormAsync,
    scale,
    scaleAsync,
    clamp,
    clampAsync,
    stats,
    statsAsync,
    agc: nativeSync((p: TensorSet, g: TensorSet, units: Uint32Array, clipping: number, eps: number) => addon.agcClip(...args(p), ...args(g), units, clipping, eps)),
    sgdStep: nativeSync((p: TensorSet, g: TensorSet, b: TensorSet | null, h: SgdHyper) =>
      addon.sgdStep(...args(p), ...args(g), ...optArgs(b), h.lr, h.momentum, h.dampening, h.weightDecay, h.nesterov, h.maximize, h.firstStep, h.gradScale),
    ),
    adamStep: nativeSync((p: TensorSet, g: TensorSet, m: TensorSet, v: TensorSet, vm: TensorSet | null, h: AdamHyper) =>
      addon.adamStep(...args(p), ...args(g), ...args(m), ...args(v), ...optArgs(vm), h.lr, h.beta1, h.beta2, h.eps, h.weightDecay, h.decoupled, h.amsgrad, h.maximize, h.step, h.gradScale),
    ),
    ...createNativeOps(addon),
  };
}

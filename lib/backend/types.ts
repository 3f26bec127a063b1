/**
 * The Backend interface: one per implementation (native addon, pure TypeScript). Public functions
 * validate their arguments, then call exactly one backend method; both backends give the same
 * results within the tolerances of DESIGN.md §3 (bit-identical for clamping and scaling).
 */
import type { TensorSet } from '../validate/index.js';
import type { OpsBackend } from './ops-types.js';

export interface RawGradStats {
  totalNorm: number;
  maxAbs: number;
  nonFiniteCount: number;
  firstNonFiniteIndex: number;
}

/** One SGD step's hyper-parameters (PyTorch 1.13 torch.optim.SGD). */
export interface SgdHyper {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
  /** The momentum buffer starts as a copy of this step's gradient (PyTorch's `buf is None`). */
  firstStep: boolean;
  /** Multiplies the gradient inside the update (a folded clip coefficient); gradients stay unchanged. */
  gradScale: number;
}

/** One Adam/AdamW step's hyper-parameters (PyTorch 1.13 torch.optim.Adam / AdamW). */
export interface AdamHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** AdamW: p *= 1 - lr·weightDecay; else weightDecay·p is added to the gradient (Adam). */
  decoupled: boolean;
  amsgrad: boolean;
  maximize: boolean;
  /** The step number t >= 1 (after incrementing), for the bias corrections. */
  step: number;
  gradScale: number;
}

export interface Backend extends OpsBackend {
  readonly name: 'native' | 'js';
  /** Active instruction set ('js' for the pure-TS backend). */
  isa(): string;
  /** ISAs this machine can run, best first. */
  supportedIsas(): string[];
  setIsa(name: string): void;
  numThreads(): number;
  setNumThreads(n: number): void;
  /** Zeroed memory for flat stores: 64-byte aligned (native), huge-page advised when large. */
  allocate(bytes: number): ArrayBuffer;

  norm(t: TensorSet, p: number, perTensor?: Float64Array): number;
  normAsync(t: TensorSet, p: number, perTensor?: Float64Array): Promise<number>;
  /** Fused norm + clip; returns the total. Scales only when the coefficient is < 1 or NaN, and not
   *  at all when errorIfNonfinite is set and the total is non-finite. */
  clipByNorm(t: TensorSet, maxNorm: number, p: number, errorIfNonfinite: boolean, perTensor?: Float64Array): number;
  clipByNormAsync(t: TensorSet, maxNorm: number, p: number, errorIfNonfinite: boolean, perTensor?: Float64Array): Promise<number>;
  scale(t: TensorSet, s: number): void;
  scaleAsync(t: TensorSet, s: number): Promise<void>;
  clamp(t: TensorSet, lo: number, hi: number): void;
  clampAsync(t: TensorSet, lo: number, hi: number): Promise<void>;
  stats(t: TensorSet, perTensor?: Float64Array): RawGradStats;
  statsAsync(t: TensorSet, perTensor?: Float64Array): Promise<RawGradStats>;
  /** Unit-wise AGC; units[i] = number of equal slices of tensor i (1 = whole tensor). */
  agc(params: TensorSet, grads: TensorSet, units: Uint32Array, clipping: number, eps: number): void;
  /** Fused SGD step over every tensor, in place (params, momentum buffers; grads are read only).
   *  `bufs` may be null only when momentum is 0. All sets have the same tensor lengths. */
  sgdStep(params: TensorSet, grads: TensorSet, bufs: TensorSet | null, h: SgdHyper): void;
  /** Fused Adam/AdamW step over every tensor, in place; `vmax` null unless amsgrad. */
  adamStep(params: TensorSet, grads: TensorSet, m: TensorSet, v: TensorSet, vmax: TensorSet | null, h: AdamHyper): void;
  /** BatchNorm1d / LayerNorm forward and backward (lib/backend/js/normalization.ts documents them). */
  batchNormForward: NormalizationOps['batchNormForward'];
  batchNormBackward: NormalizationOps['batchNormBackward'];
  layerNormForward: NormalizationOps['layerNormForward'];
  layerNormBackward: NormalizationOps['layerNormBackward'];
  /** RNN/LSTM forward and backward through time (lib/backend/js/rnn.ts documents them). */
  recurrentForward: import('../binding.js').NativeAddon['recurrentForward'];
  recurrentBackward: import('../binding.js').NativeAddon['recurrentBackward'];
  /** The six above off the calling thread (native: a libuv worker; pure-TS: a later microtask). */
  batchNormForwardAsync: import('../binding.js').NativeAddon['batchNormForwardAsync'];
  batchNormBackwardAsync: import('../binding.js').NativeAddon['batchNormBackwardAsync'];
  layerNormForwardAsync: import('../binding.js').NativeAddon['layerNormForwardAsync'];
  layerNormBackwardAsync: import('../binding.js').NativeAddon['layerNormBackwardAsync'];
  recurrentForwardAsync: import('../binding.js').NativeAddon['recurrentForwardAsync'];
  recurrentBackwardAsync: import('../binding.js').NativeAddon['recurrentBackwardAsync'];
}

export type NormalizationOps = Pick<import('../binding.js').NativeAddon, 'batchNormForward' | 'batchNormBackward' | 'layerNormForward' | 'layerNormBackward'>;

/** PyTorch's clip coefficient: maxNorm / (total + 1e-6), clamped to at most 1 (NaN stays NaN). */
export function clipCoefficient(maxNorm: number, total: number): number {
  const coef = maxNorm / (total + 1e-6);
  return coef > 1 ? 1 : coef;
}

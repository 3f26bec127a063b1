/**
 * The Backend interface: one per implementation (native addon, pure TypeScript). Public functions
 * validate their arguments, then call exactly one backend method; both backends give the same
 * results within the tolerances of DESIGN.md §3 (bit-identical for clamping and scaling).
 */
import type { TensorSet } from '../validate.js';
import type { OpsBackend } from '../ops/backend-types.js';

export interface RawGradStats {
  totalNorm: number;
  maxAbs: number;
  nonFiniteCount: number;
  firstNonFiniteIndex: number;
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
}

/** PyTorch's clip coefficient: maxNorm / (total + 1e-6), clamped to at most 1 (NaN stays NaN). */
export function clipCoefficient(maxNorm: number, total: number): number {
  const coef = maxNorm / (total + 1e-6);
  return coef > 1 ? 1 : coef;
}

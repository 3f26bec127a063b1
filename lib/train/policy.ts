/**
 * The gradient policy of one training step, applied between backward and the optimiser step:
 * value clipping, AGC, adaptive (AutoClip/ZClip) clipping, then norm clipping folded into the update
 * (`optimizer.step({ gradScale, totalNorm })`: no scaling pass, gradients left as they are).
 * Non-finite gradients are detected by the first norm pass and never reach the parameters.
 */
import { invalidArg, NonFiniteGradientError } from '../errors.js';
import type { FlatTensors } from '../validate/flat-tensors.js';
import { AGC_OPTION_KEYS, agcClip, type AgcOptions } from '../grad/agc.js';
import { AutoClip } from '../grad/autoclip.js';
import { clipGradValue } from '../grad/clip-grad-value.js';
import { gradStats } from '../grad/grad-stats.js';
import { getTotalNorm } from '../grad/total-norm.js';
import { fusedTotalNorm } from '../param-store.js';
import { ZClip } from '../grad/zclip.js';
import { clipCoefficient } from '../backend/types.js';
import type { Optimizer } from '../optim/optimizer.js';
import { checkBoolean, checkNonNegative, checkNormType, checkOptions, checkPositiveFinite, optionKeys } from '../validate/index.js';

/**
 * What the Trainer does to the gradients between backward and the optimiser step, in this order:
 * value clipping, AGC, adaptive (AutoClip/ZClip) clipping, then norm clipping folded into the
 * update (`optimizer.step({ gradScale })`: no scaling pass). Non-finite gradients are caught by the
 * first norm pass and never reach the parameters. Every stage is off unless given.
 */
export interface GradientPolicy {
  /** Clip the total gradient norm to maxNorm (PyTorch `clip_grad_norm_`), folded into the update. */
  clip?: {
    /** The largest allowed total norm, >= 0. */
    maxNorm: number;
    /** Norm order, p > 0 or Infinity. Default 2. */
    normType?: number;
    /**
     * Use the fused L2 norm (sums of squares reported by the backward kernels, see
     * `ParamStore.gradNorms`) when it is current, instead of a read pass over every gradient.
     * Default true; false always takes the read pass (for measurement). Only for normType 2.
     */
    fusedNorm?: boolean;
  };
  /** Clamp every gradient element to [−clipValue, clipValue] (PyTorch `clip_grad_value_`). */
  clipValue?: number;
  /** Unit-wise adaptive gradient clipping (NFNets); `true` for the defaults. */
  agc?: AgcOptions | boolean;
  /** History-based clipping: an AutoClip or ZClip instance (it keeps its own history). */
  adaptive?: AutoClip | ZClip;
  /** What a NaN/Inf loss or gradient does: skip the step (default) or throw. */
  nonFinite?: 'skip' | 'throw';
}

/** The keys of GradientPolicy (part of TrainerOptions) and of its `clip`. */
export const POLICY_OPTION_KEYS = optionKeys<GradientPolicy>()(['clip', 'clipValue', 'agc', 'adaptive', 'nonFinite']);
const CLIP_OPTION_KEYS = optionKeys<NonNullable<GradientPolicy['clip']>>()(['maxNorm', 'normType', 'fusedNorm']);

/** A checked policy. */
export interface CheckedPolicy {
  maxNorm: number | null;
  normType: number;
  clipValue: number | null;
  agc: AgcOptions | null;
  adaptive: AutoClip | ZClip | null;
  nonFinite: 'skip' | 'throw';
  /** Take the fused norm when current (clip.fusedNorm, default true). */
  fusedNorm: boolean;
}

/** @throws {TypeError|RangeError} naming the bad option. */
export function checkPolicy(o: Record<string, unknown>, where = 'new Trainer: options'): CheckedPolicy {
  let maxNorm: number | null = null;
  let normType = 2;
  let fusedNorm = true;
  if (o.clip !== undefined) {
    const c = checkOptions(`${where}.clip`, o.clip, CLIP_OPTION_KEYS);
    maxNorm = checkNonNegative('options.clip.maxNorm', c.maxNorm);
    if (c.normType !== undefined) normType = checkNormType('options.clip.normType', c.normType);
    fusedNorm = checkBoolean('options.clip.fusedNorm', c.fusedNorm, true);
  }
  const clipValue = o.clipValue === undefined ? null : checkNonNegative('options.clipValue', o.clipValue);
  let agc: AgcOptions | null = null;
  if (o.agc === true) agc = {};
  else if (o.agc !== undefined && o.agc !== false) {
    const a = checkOptions(`${where}.agc`, o.agc, AGC_OPTION_KEYS);
    if (a.clipping !== undefined) checkPositiveFinite('options.agc.clipping', a.clipping);
    if (a.eps !== undefined) checkPositiveFinite('options.agc.eps', a.eps);
    agc = a as AgcOptions;
  }
  if (o.adaptive !== undefined && !(o.adaptive instanceof AutoClip) && !(o.adaptive instanceof ZClip)) {
    invalidArg('options.adaptive', 'an AutoClip or ZClip instance', o.adaptive);
  }
  const nonFinite = o.nonFinite ?? 'skip';
  if (nonFinite !== 'skip' && nonFinite !== 'throw') invalidArg('options.nonFinite', '"skip" or "throw"', nonFinite, 'range');
  return { maxNorm, normType, clipValue, agc, adaptive: (o.adaptive as AutoClip | ZClip | undefined) ?? null, nonFinite: nonFinite as 'skip' | 'throw', fusedNorm };
}

export interface PolicyOutcome {
  /** Total norm of the raw gradients (normType of the clip, else 2). */
  gradNorm: number;
  /** True when some stage changed (or, for norm clipping, scaled) the gradients. */
  clipped: boolean;
  /** True when the optimiser step was skipped (non-finite gradients). */
  skipped: boolean;
}

/**
 * Applies the policy to `grads` and takes the optimiser step.
 * @param names the parameters' names, for a NonFiniteGradientError under nonFinite 'throw'.
 * @throws {NonFiniteGradientError} non-finite gradients under nonFinite 'throw' (nothing updated).
 */
export function applyPolicyAndStep(p: CheckedPolicy, params: FlatTensors, grads: FlatTensors, optimizer: Optimizer, names: readonly string[]): PolicyOutcome {
  // The L2 norm the backward kernels already summed, when every gradient reported it and nothing
  // changed one since (a NaN/Inf gradient makes its sum non-finite too); else the read pass.
  const fused = p.fusedNorm && p.normType === 2 ? fusedTotalNorm(grads) : null;
  const gradNorm = fused ?? getTotalNorm(grads, p.normType);
  if (!Number.isFinite(gradNorm)) {
    if (p.nonFinite === 'throw') {
      const s = gradStats(grads);
      const err = new NonFiniteGradientError(p.normType, gradNorm, s.firstNonFiniteIndex);
      if (s.firstNonFiniteIndex >= 0) err.message += ` (parameter "${names[s.firstNonFiniteIndex]}")`;
      throw err;
    }
    return { gradNorm, clipped: false, skipped: true };
  }
  let norm = gradNorm;
  let clipped = false;
  let changed = false;
  if (p.clipValue !== null) {
    const maxAbs = getTotalNorm(grads, Infinity);
    if (maxAbs > Math.fround(p.clipValue)) {
      clipGradValue(grads, p.clipValue);
      clipped = changed = true;
    }
  }
  if (p.agc) {
    const before = changed ? getTotalNorm(grads, p.normType) : norm;
    agcClip(params, grads, p.agc);
    norm = getTotalNorm(grads, p.normType);
    if (norm < before) clipped = true;
    changed = false;
  }
  if (changed) norm = getTotalNorm(grads, p.normType);
  if (p.adaptive) {
    const r = p.adaptive.step(grads);
    if (r.clipped) {
      clipped = true;
      norm = getTotalNorm(grads, p.normType);
    }
  }
  let gradScale = 1;
  if (p.maxNorm !== null) {
    gradScale = clipCoefficient(p.maxNorm, norm);
    if (gradScale < 1) clipped = true;
  }
  const r = optimizer.step({ gradScale, totalNorm: norm, skipIfNonfinite: true });
  return { gradNorm, clipped, skipped: r.skipped };
}

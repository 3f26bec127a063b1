/**
 * clipGradNorm folded into the optimiser step: one norm pass over the gradients, then the update with
 * the clip coefficient as `gradScale` (no scaling pass, and the gradients are left as they were).
 */
import { clipCoefficient } from '../backend/types.js';
import { checkNormType, checkNonNegative, checkOptions, optionKeys, checkBoolean } from '../validate/index.js';
import { getTotalNorm } from '../grad/total-norm.js';
import { fusedTotalNorm } from '../param-store.js';
import { checkOptimizer, type Optimizer } from './optimizer.js';

/** Options of {@link clipGradNormAndStep}. */
export interface ClipAndStepOptions {
  /** Norm order (any p > 0 or Infinity). Default 2. */
  normType?: number;
  /** Skip the step (params and state untouched) when the total norm is non-finite. Default true. */
  skipIfNonfinite?: boolean;
}

const CLIP_AND_STEP_OPTION_KEYS = optionKeys<ClipAndStepOptions>()(['normType', 'skipIfNonfinite']);

/** What {@link clipGradNormAndStep} did. */
export interface ClipAndStepResult {
  /** Total norm of the gradients before clipping (as clipGradNorm returns it). */
  totalNorm: number;
  /** The factor the gradients were multiplied by inside the update: min(1, maxNorm / (total + 1e-6)). */
  gradScale: number;
  /** True when the step was skipped because of a non-finite norm. */
  skipped: boolean;
}

/**
 * `clipGradNorm(opt.grads(), maxNorm); opt.step()` in one norm pass plus one update pass: the same
 * result within float32 rounding (PyTorch `clip_grad_norm_` followed by `optimizer.step()`), except that
 * the gradient arrays are not modified. Equivalent to the pattern
 * `const total = getTotalNorm(grads); opt.step({ gradScale: Math.min(1, maxNorm / (total + 1e-6)) })`.
 * For normType 2 over a ParamStore whose gradients were all written by tracked kernels since the
 * last zeroGrad (`nn.Linear`; see `ParamStore.gradNorms`), the norm is the fused one and there is
 * no norm pass at all: equal to getTotalNorm within ~1e-12 relative (summed per GEMM tile, not per
 * chunk, so not bitwise), bit-identical for any thread count. Otherwise the read pass, as before.
 * @param optimizer any optimiser (SGD, Adam, AdamW); its gradients are read, not written.
 * @param maxNorm the largest allowed total norm, >= 0.
 * @param options norm order (default 2) and `skipIfNonfinite` (default true).
 * @throws {TypeError|RangeError} bad maxNorm / options, or a parameter without a valid gradient.
 */
export function clipGradNormAndStep(optimizer: Optimizer, maxNorm: number, options?: ClipAndStepOptions): ClipAndStepResult {
  checkOptimizer('optimizer', optimizer);
  const o = checkOptions('clipGradNormAndStep: options', options, CLIP_AND_STEP_OPTION_KEYS);
  checkNonNegative('maxNorm', maxNorm);
  const normType = o.normType === undefined ? 2 : checkNormType('options.normType', o.normType);
  const skip = checkBoolean('options.skipIfNonfinite', o.skipIfNonfinite, true);
  const grads = optimizer.grads();
  const totalNorm = (normType === 2 ? fusedTotalNorm(grads) : null) ?? getTotalNorm(grads, normType);
  const gradScale = clipCoefficient(maxNorm, totalNorm);
  const r = optimizer.step({ gradScale, skipIfNonfinite: skip, totalNorm });
  return { totalNorm, gradScale, skipped: r.skipped };
}

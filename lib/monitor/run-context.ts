/**
 * What the monitor knows about the run it watches, so its diagnoses fit the run: whether (and at
 * what threshold) gradients are clipped, the optimiser, learning rate and schedule, normalisation
 * and initialisation. The Trainer fills it in; a hand-written loop passes `MonitorOptions.run` or
 * calls `GradientMonitor.describeRun`.
 */
import { invalidArg } from '../errors.js';
import { checkOptions, optionKeys } from '../validate/index.js';

/** The run as the monitor's diagnoses see it; every field is optional (unknown). */
export interface RunContext {
  /** The global-norm clip threshold (maxNorm) the loop applies after `record`, or null for no clipping. */
  clip?: number | null;
  /** The optimiser, as a name ('SGD', 'Adam', 'SGD momentum 0.9', …). */
  optimizer?: string | null;
  /** The current learning rate. */
  lr?: number | null;
  /** The learning-rate schedule, as a name ('CosineAnnealingLR', …), or null for a constant rate. */
  schedule?: string | null;
  /** The normalisation layers in the model ('LayerNorm', 'BatchNorm1d', …), or null for none. */
  normalization?: string | null;
  /** The initialisation, as a name ('PyTorch default', 'orthogonal × 1.5', 'Kaiming', …). */
  init?: string | null;
}

/** The keys of RunContext, checked by the monitor's `run` option and `describeRun`. */
export const RUN_CONTEXT_KEYS = optionKeys<RunContext>()(['clip', 'optimizer', 'lr', 'schedule', 'normalization', 'init']);

/** A RunContext with every field present (null = unknown / none), as detectors see it. */
export interface ResolvedRunContext {
  /** The clip threshold, or null for no clipping (or unknown). */
  clip: number | null;
  /** The optimiser's name. */
  optimizer: string | null;
  /** The current learning rate. */
  lr: number | null;
  /** The schedule's name. */
  schedule: string | null;
  /** The normalisation layers. */
  normalization: string | null;
  /** The initialisation. */
  init: string | null;
}

export const emptyRun = (): ResolvedRunContext => ({ clip: null, optimizer: null, lr: null, schedule: null, normalization: null, init: null });

/** Merges `ctx` (checked: TypeError/RangeError naming the field) into `into`. */
export function mergeRun(into: ResolvedRunContext, ctx: unknown, name: string): ResolvedRunContext {
  const c = checkOptions(name, ctx, RUN_CONTEXT_KEYS);
  for (const k of ['clip', 'lr'] as const) {
    const v = c[k];
    if (v === undefined) continue;
    if (v !== null && typeof v !== 'number') invalidArg(`${name}.${k}`, 'a number or null', v);
    if (v !== null && !(v >= 0 && Number.isFinite(v))) invalidArg(`${name}.${k}`, 'a finite number >= 0 or null', v, 'range');
    into[k] = v;
  }
  for (const k of ['optimizer', 'schedule', 'normalization', 'init'] as const) {
    const v = c[k];
    if (v === undefined) continue;
    if (v !== null && typeof v !== 'string') invalidArg(`${name}.${k}`, 'a string or null', v);
    into[k] = v;
  }
  return into;
}

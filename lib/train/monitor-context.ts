/**
 * What a Trainer tells its GradientMonitor about the run, so the monitor's levels and diagnoses fit
 * it: the clip threshold (a clipped run is never told to clip; a spike clipping absorbs is 'info'),
 * the optimiser and its learning rate, the schedule, and the model's normalisation layers.
 */
import type { RunContext } from '../monitor/run-context.js';
import type { Module } from '../nn/module.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { CheckedPolicy } from './policy.js';
import type { SchedulerLike } from './trainer-types.js';

/** The model's normalisation layers by class name ('LayerNorm', 'BatchNorm1d'), or null for none. */
function normalizationOf(model: Module): string | null {
  const found = new Set<string>();
  const walk = (m: Module): void => {
    if (/norm/i.test(m.constructor.name)) found.add(m.constructor.name);
    for (const [, c] of m.namedChildren()) walk(c);
  };
  walk(model);
  return found.size ? [...found].join(', ') : null;
}

/** The run as the Trainer's options describe it. */
export function describeRun(policy: CheckedPolicy, optimizer: Optimizer, scheduler: SchedulerLike | undefined, model: Module): RunContext {
  const stages = [policy.clipValue !== null ? `value clipping at ${policy.clipValue}` : null, policy.agc ? 'AGC' : null, policy.adaptive ? policy.adaptive.constructor.name : null].filter(Boolean);
  return {
    // Norm clipping with the L2 norm is what the monitor's total norm measures; another norm type
    // still bounds the update, so it counts as clipped at that threshold.
    clip: policy.maxNorm,
    optimizer: `${optimizer.constructor.name}${stages.length ? ` (gradients: ${stages.join(', ')})` : ''}`,
    lr: optimizer.lr,
    schedule: scheduler ? scheduler.constructor.name : null,
    normalization: normalizationOf(model),
  };
}

/**
 * The Trainer's checkpoints: the model and optimiser state (nn/checkpoint.ts's binary format) plus,
 * as meta, the step count, the learning rate and the scheduler's and adaptive clipper's state.
 * Loading is checked before anything changes and rolled back when any part is refused.
 */
import { GradGuardError, invalidArg } from '../errors.js';
import { applyCheckpoint, readCheckpoint, saveCheckpoint, type StatefulOptimizer } from '../nn/checkpoint.js';
import type { Module } from '../nn/module.js';
import type { Optimizer } from '../optim/optimizer.js';
import { checkInteger, checkOptions } from '../validate/index.js';
import type { CheckedPolicy } from './policy.js';
import { CHECKPOINT_OPTION_KEYS, type SchedulerLike } from './trainer-types.js';

/** What Trainer.saveCheckpoint stores beside the model and the optimiser (the checkpoint's meta). */
export interface TrainerCheckpointMeta {
  step: number;
  lr: number;
  /** The scheduler's `state()`, when it has one. */
  scheduler: unknown;
  /** The adaptive clipper's `state()` (AutoClip/ZClip), when the policy has one. */
  adaptive: unknown;
}

/** What a Trainer checkpoint covers. */
export interface TrainerParts {
  model: Module;
  optimizer: Optimizer;
  scheduler: SchedulerLike | undefined;
  adaptive: CheckedPolicy['adaptive'];
}

/** Validates TrainerOptions.checkpoint. */
export function checkCheckpointOptions(checkpoint: unknown): void {
  const c = checkOptions('new Trainer: options.checkpoint', checkpoint, CHECKPOINT_OPTION_KEYS);
  if (typeof c.path !== 'string' || c.path === '') invalidArg('options.checkpoint.path', 'a file path', c.path);
  if (c.everySteps !== undefined) checkInteger('options.checkpoint.everySteps', c.everySteps, 1, Number.MAX_SAFE_INTEGER);
}

/** Writes the parts and `step` to `path`, atomically (Trainer.saveCheckpoint documents it). */
export function saveTrainerCheckpoint(path: string, p: TrainerParts, step: number): void {
  const meta: TrainerCheckpointMeta = {
    step,
    lr: p.optimizer.lr,
    scheduler: p.scheduler?.state?.() ?? null,
    adaptive: p.adaptive?.state() ?? null,
  };
  saveCheckpoint(path, p.model, p.optimizer as unknown as StatefulOptimizer, { meta });
}

/** Restores the parts from `path` and returns its meta (Trainer.loadCheckpoint documents it). */
export function loadTrainerCheckpoint(path: string, p: TrainerParts): TrainerCheckpointMeta {
  const ck = readCheckpoint(path);
  const m = ck.meta as Partial<TrainerCheckpointMeta> | undefined;
  if (m === null || typeof m !== 'object' || !Number.isSafeInteger(m.step) || (m.step as number) < 0 || typeof m.lr !== 'number' || !(m.lr >= 0) || !Number.isFinite(m.lr)) {
    throw new GradGuardError(`Trainer.loadCheckpoint: ${path} was not written by a Trainer (its meta has no step count and learning rate); load it with nn.loadCheckpoint`, 'ERR_GRADGUARD_CHECKPOINT');
  }
  const { model, optimizer, scheduler: sched, adaptive } = p;
  const opt = optimizer as unknown as StatefulOptimizer;
  // A scheduler or clipper state that does not fit (another scheduler type) is found only by
  // loading it: keep what was there and put it all back if any part is refused.
  const before = { model: model.stateDict({ encoding: 'float32' }), opt: opt.state(), sched: sched?.state?.(), adaptive: adaptive?.state(), lr: optimizer.lr };
  try {
    applyCheckpoint(ck, path, model, opt);
    if (sched?.loadState && m.scheduler !== null && m.scheduler !== undefined) sched.loadState(m.scheduler as never);
    if (adaptive && m.adaptive !== null && m.adaptive !== undefined) adaptive.loadState(m.adaptive as never);
  } catch (err) {
    model.loadStateDict(before.model);
    opt.loadState(before.opt as never);
    if (sched?.loadState && before.sched !== undefined) sched.loadState(before.sched as never);
    if (adaptive && before.adaptive) adaptive.loadState(before.adaptive as never);
    optimizer.lr = before.lr;
    throw err;
  }
  // An epoch scheduler's loadState sets the lr of its epoch; the saved lr is what the run used.
  optimizer.lr = m.lr;
  return { step: m.step as number, lr: m.lr, scheduler: m.scheduler ?? null, adaptive: m.adaptive ?? null };
}

/** The Trainer's option, batch, callback and result types. */
import type { GradientMonitor } from '../monitor/gradient-monitor.js';
import type { Loss } from '../nn/loss.js';
import type { Module } from '../nn/module.js';
import type { Tensor } from '../nn/tensor.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { ParamStore } from '../param-store.js';
import { POLICY_OPTION_KEYS, type GradientPolicy } from './policy.js';
import type { ProgressMode, ProgressStream } from './progress.js';
import { optionKeys } from '../validate/index.js';

/** One batch: the model's input and the loss's target. */
export interface Batch<T = Tensor> {
  /** The model's input. */
  input: Tensor;
  /** The loss's target (a Tensor, or Int32Array labels for CrossEntropyLoss). */
  target: T;
}

/**
 * Batches for fit: an iterable (an array is re-read every epoch), an async iterable, or a function
 * `(epoch) => iterable` called at the start of each epoch with the 1-based epoch number.
 */
export type BatchSource<T = Tensor> =
  | Iterable<Batch<T>>
  | AsyncIterable<Batch<T>>
  | ((epoch: number) => Iterable<Batch<T>> | AsyncIterable<Batch<T>>);

/** What one step did; given to onStep and shouldStop. */
export interface StepInfo {
  /** Steps run so far, this one included (skipped ones too). */
  step: number;
  /** 1-based epoch. */
  epoch: number;
  /** The step's loss (may be NaN/Infinity when the step was skipped). */
  loss: number;
  /** Total gradient norm before clipping (NaN when the loss was non-finite and backward was skipped). */
  gradNorm: number;
  /** Whether any clipping stage changed or scaled the gradients. */
  clipped: boolean;
  /** Whether the update was skipped (non-finite loss or gradients). */
  skipped: boolean;
  /** Learning rate used by this step. */
  lr: number;
  /** Seconds this step took. */
  time: number;
}

/** What one epoch did; given to onEpoch. */
export interface EpochInfo {
  /** 1-based epoch. */
  epoch: number;
  /** Steps in this epoch. */
  steps: number;
  /** Mean of the finite losses of this epoch (NaN if none). */
  meanLoss: number;
  /** Seconds this epoch took. */
  time: number;
}

/**
 * Anything with step(): the schedulers of lib/optim (ReduceLROnPlateau gets the epoch's mean loss).
 * With `state()`/`loadState()` (theirs have both) its progress goes into the Trainer's checkpoints.
 */
export interface SchedulerLike {
  /**
   * Advances the schedule.
   * @param metric the epoch's mean loss, with `schedulerInterval: 'epoch'`; undefined per step.
   */
  step(metric?: number): unknown;
  /** JSON-safe progress for the Trainer's checkpoints. */
  state?(): unknown;
  /**
   * Restores `state()` from a checkpoint.
   * @param state what `state()` returned.
   */
  loadState?(state: never): void;
}

/** Options of {@link Trainer} (and of {@link fit}): the model, loss, optimiser, gradient policy and loop settings. */
export interface TrainerOptions<T = Tensor> extends GradientPolicy {
  /** The model; the Trainer packs it (`model.paramStore()`). */
  model: Module;
  /** The loss (MSELoss, CrossEntropyLoss, BCEWithLogitsLoss, or your own {@link nn.Loss}). */
  loss: Loss<T>;
  /**
   * An optimiser over `model.paramStore()`, or a function `(params) => optimiser` that the Trainer
   * calls once with that packed ParamStore (e.g. `(p) => new Adam(p, { lr: 1e-3 })`).
   */
  optimizer: Optimizer | ((params: ParamStore) => Optimizer);
  /** A learning-rate scheduler (StepLR, CosineAnnealingLR, LinearWarmup, ReduceLROnPlateau or your own). */
  scheduler?: SchedulerLike;
  /** Advance the scheduler every step (default) or every epoch. */
  schedulerInterval?: 'step' | 'epoch';
  /**
   * Called after every step. The parameters' `grad` still hold this step's gradients.
   * @param info what the step did.
   */
  onStep?: (info: StepInfo) => void;
  /**
   * Called after every completed epoch (after an epoch scheduler's step).
   * @param info what the epoch did.
   */
  onEpoch?: (info: EpochInfo) => void;
  /**
   * Return true to stop after this step.
   * @param info what the step did.
   */
  shouldStop?: (info: StepInfo) => boolean;
  /** 'auto' (default): a bar on a TTY, lines otherwise. */
  progress?: ProgressMode;
  /** No output at all (same as progress 'none'). */
  silent?: boolean;
  /** Lines mode: one line every this many steps. Default 100. */
  logEvery?: number;
  /** Where progress goes. Default process.stderr; a bar needs a TTY stream, anything else with `write` gets lines. */
  stream?: ProgressStream;
  /** Save checkpoints: on Ctrl-C (default when a path is given) and/or every N steps. */
  checkpoint?: {
    /** The checkpoint file (overwritten each time, atomically). */
    path: string;
    /** Save when Ctrl-C stops fit. Default true. */
    onInterrupt?: boolean;
    /** Also save every this many steps (integer >= 1). Default never. */
    everySteps?: number;
  };
  /** Install a SIGINT handler during fit (default true). */
  handleSigint?: boolean;
  /**
   * Records every step (`monitor.record(step, loss)`) after the backward pass and before any
   * clipping, so it sees the raw gradients; its events fire during the step. A step whose loss is
   * non-finite is recorded too (its gradients are zero: backward did not run), unless it throws.
   * The Trainer also tells it the run (`monitor.describeRun`): the clip threshold (`clip.maxNorm`),
   * the optimiser and its learning rate (again whenever the scheduler moves it), the scheduler and the
   * model's normalisation layers, so the monitor never advises clipping to a clipped run and rates a
   * spike the clip absorbed as 'info'. Unless `silent` or progress 'none', the monitor's warnings and
   * errors are written to `stream` as they happen (info events are not; a monitor with its own `print`
   * option prints instead).
   */
  monitor?: GradientMonitor;
}

/** The keys of TrainerOptions (with the policy's) and of its `checkpoint`. */
export const TRAINER_OPTION_KEYS = optionKeys<TrainerOptions<unknown>>()([
  ...POLICY_OPTION_KEYS, 'model', 'loss', 'optimizer', 'scheduler', 'schedulerInterval', 'onStep', 'onEpoch', 'shouldStop',
  'progress', 'silent', 'logEvery', 'stream', 'checkpoint', 'handleSigint', 'monitor',
]);
export const CHECKPOINT_OPTION_KEYS = optionKeys<NonNullable<TrainerOptions<unknown>['checkpoint']>>()(['path', 'onInterrupt', 'everySteps']);

/** Options of {@link Trainer.fit}. */
export interface FitOptions {
  /** Passes over the data (integer >= 0, or Infinity). Default 1. */
  epochs?: number;
  /** Stop after this many steps in all. Default unlimited. */
  maxSteps?: number;
}

/** The keys of FitOptions. */
export const FIT_OPTION_KEYS = optionKeys<FitOptions>()(['epochs', 'maxSteps']);

/** How {@link Trainer.fit} went. */
export interface FitResult {
  /** Steps run (skipped included). */
  steps: number;
  /** Steps whose update was skipped. */
  skippedSteps: number;
  /**
   * Full passes over the data completed (one cut short by maxSteps, shouldStop or Ctrl-C is not
   * counted; with an array source, maxSteps reached on an epoch's last batch completes that epoch).
   */
  epochs: number;
  /** Why the loop ended. */
  reason: 'completed' | 'maxSteps' | 'shouldStop' | 'interrupted' | 'exhausted';
  /** True when Ctrl-C (SIGINT) stopped it. */
  interrupted: boolean;
  /** The last step's loss (NaN if no step ran). */
  lastLoss: number;
  /** Seconds in all. */
  time: number;
  /** The checkpoint written on interrupt, if any. */
  checkpointPath?: string;
}

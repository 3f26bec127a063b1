/**
 * The training loop: for each batch, zeroGrad → forward → loss → backward → gradient policy →
 * optimiser step (clipping folded in) → scheduler, with callbacks, progress output, Ctrl-C handling
 * and checkpoints. `step(batch)` runs one step synchronously; `fit(data)` loops (async: it yields to
 * the event loop between steps so Ctrl-C and other I/O are handled).
 */
import { GradGuardError, invalidArg } from '../errors.js';
import { FlatTensors } from '../validate/flat-tensors.js';
import { Optimizer } from '../optim/optimizer.js';
import type { ParamStore } from '../param-store.js';
import { checkInteger, checkOptions } from '../validate/index.js';
import { applyCheckpoint, readCheckpoint, saveCheckpoint, type StatefulOptimizer } from '../nn/checkpoint.js';
import { Module } from '../nn/module.js';
import type { Loss } from '../nn/loss.js';
import type { Tensor } from '../nn/tensor.js';
import { GradientMonitor } from '../monitor/gradient-monitor.js';
import { InterruptGuard } from './interrupt.js';
import { BufferSnapshot } from './buffer-snapshot.js';
import { applyPolicyAndStep, checkPolicy, type CheckedPolicy, type GradientPolicy } from './policy.js';
import { makeReporter, type ProgressMode, type ProgressStream, type ProgressUpdate } from './progress.js';

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

/** What Trainer.saveCheckpoint stores beside the model and the optimiser (the checkpoint's meta). */
export interface TrainerCheckpointMeta {
  step: number;
  lr: number;
  /** The scheduler's `state()`, when it has one. */
  scheduler: unknown;
  /** The adaptive clipper's `state()` (AutoClip/ZClip), when the policy has one. */
  adaptive: unknown;
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
   */
  monitor?: GradientMonitor;
}

/** Options of {@link Trainer.fit}. */
export interface FitOptions {
  /** Passes over the data (integer >= 0, or Infinity). Default 1. */
  epochs?: number;
  /** Stop after this many steps in all. Default unlimited. */
  maxSteps?: number;
}

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

/** A non-finite loss under `nonFinite: 'throw'`. */
export class NonFiniteLossError extends GradGuardError {
  /** The step whose loss was non-finite. */
  readonly step: number;
  /** The loss: NaN or ±Infinity. */
  readonly loss: number;
  /**
   * An error with code `ERR_GRADGUARD_NONFINITE_LOSS`.
   * @param step the step number.
   * @param loss the non-finite loss.
   */
  constructor(step: number, loss: number) {
    super(`Training loss is ${loss} at step ${step}; nothing was updated. Lower the learning rate, clip gradients, or use nonFinite: 'skip'.`, 'ERR_GRADGUARD_NONFINITE_LOSS');
    this.name = 'NonFiniteLossError';
    this.step = step;
    this.loss = loss;
  }
}

const isIterable = (v: unknown): boolean =>
  v !== null && typeof v === 'object' && (typeof (v as Iterable<unknown>)[Symbol.iterator] === 'function' || typeof (v as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function');

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * The training loop (the role of PyTorch Lightning's `Trainer` or Keras' `fit`): for each batch,
 * zeroGrad → forward → loss → backward → monitor → gradient policy → optimiser step (norm clipping
 * folded in) → scheduler, with callbacks, progress output, Ctrl-C handling and checkpoints.
 * `step(batch)` runs one step synchronously; `fit(data)` loops, yielding to the event loop between
 * steps so Ctrl-C and other I/O are handled. A skipped step (non-finite loss or gradients) leaves the
 * parameters, optimiser state and BatchNorm running statistics as they were.
 * @typeParam T the loss's target type.
 */
export class Trainer<T = Tensor> {
  /** The model being trained. */
  readonly model: Module;
  /** The loss. */
  readonly loss: Loss<T>;
  /** The optimiser (over `store`). */
  readonly optimizer: Optimizer;
  /** The model's packed parameters and gradients. */
  readonly store: ParamStore;
  /** Steps run by this trainer so far (across fit calls). */
  stepCount = 0;
  private readonly policy: CheckedPolicy;
  private readonly buffers = new BufferSnapshot();
  private readonly names: string[];
  private readonly o: TrainerOptions<T>;

  /**
   * Checks the options and packs the model (`model.paramStore()`).
   * @param options model, loss and optimiser (required), gradient policy, scheduler, callbacks,
   *   progress, checkpoint and monitor settings.
   * @throws {TypeError|RangeError} a bad option (named), or an optimiser not over model.paramStore().
   */
  constructor(options: TrainerOptions<T>) {
    const o = checkOptions('options', options) as unknown as TrainerOptions<T>;
    if (!(o.model instanceof Module)) invalidArg('options.model', 'an nn.Module', o.model);
    const l = o.loss as unknown as Record<string, unknown> | undefined;
    if (!l || typeof l.forward !== 'function' || typeof l.backward !== 'function') invalidArg('options.loss', 'a loss with forward(input, target) and backward()', o.loss);
    this.policy = checkPolicy(o as unknown as Record<string, unknown>);
    this.model = o.model;
    this.loss = o.loss;
    this.store = o.model.paramStore();
    this.names = o.model.namedParameters().map(([n]) => n);
    const opt = typeof o.optimizer === 'function' && !(o.optimizer instanceof Optimizer) ? o.optimizer(this.store) : o.optimizer;
    if (!(opt instanceof Optimizer)) invalidArg('options.optimizer', 'an Optimizer or a function (params) => Optimizer', opt);
    const g = opt.grads();
    if (!(g instanceof FlatTensors) || g !== this.store.grads) {
      invalidArg('options.optimizer', 'an optimiser over model.paramStore() (create it after packing, or pass (params) => new Adam(params))', opt, 'range');
    }
    this.optimizer = opt;
    if (o.scheduler !== undefined && (o.scheduler === null || typeof (o.scheduler as SchedulerLike).step !== 'function')) invalidArg('options.scheduler', 'a scheduler with step()', o.scheduler);
    if (o.schedulerInterval !== undefined && o.schedulerInterval !== 'step' && o.schedulerInterval !== 'epoch') invalidArg('options.schedulerInterval', '"step" or "epoch"', o.schedulerInterval, 'range');
    if (o.monitor !== undefined && !(o.monitor instanceof GradientMonitor)) invalidArg('options.monitor', 'a GradientMonitor', o.monitor);
    for (const k of ['onStep', 'onEpoch', 'shouldStop'] as const) if (o[k] !== undefined && typeof o[k] !== 'function') invalidArg(`options.${k}`, 'a function', o[k]);
    if (o.progress !== undefined && !['auto', 'bar', 'lines', 'none'].includes(o.progress)) invalidArg('options.progress', '"auto", "bar", "lines" or "none"', o.progress, 'range');
    if (o.logEvery !== undefined) checkInteger('options.logEvery', o.logEvery, 1, Number.MAX_SAFE_INTEGER);
    if (o.checkpoint !== undefined) {
      const c = checkOptions('options.checkpoint', o.checkpoint);
      if (typeof c.path !== 'string' || c.path === '') invalidArg('options.checkpoint.path', 'a file path', c.path);
      if (c.everySteps !== undefined) checkInteger('options.checkpoint.everySteps', c.everySteps, 1, Number.MAX_SAFE_INTEGER);
    }
    this.o = o;
  }

  /**
   * One training step on one batch (synchronous). The scheduler is advanced here when its interval
   * is 'step'.
   * @param batch `{ input, target }`.
   * @param epoch the epoch to report in StepInfo (default 1).
   * @throws {NonFiniteLossError|NonFiniteGradientError} under nonFinite 'throw' (nothing updated).
   * @throws {TypeError|RangeError} a malformed batch, or what the model or loss throws (the BatchNorm
   *   statistics are restored).
   */
  step(batch: Batch<T>, epoch = 1): StepInfo {
    if (batch === null || typeof batch !== 'object') invalidArg('batch', 'an object { input, target }', batch);
    const t0 = performance.now();
    const step = this.stepCount + 1;
    const lr = this.optimizer.lr;
    // The forward pass updates BatchNorm's running statistics: a step that is skipped or throws
    // puts them back, so it leaves the model as it found it.
    this.buffers.take(this.model);
    let info: StepInfo;
    try {
      this.model.zeroGrad();
      const out = this.model.forward(batch.input);
      const loss = this.loss.forward(out, batch.target);
      if (!Number.isFinite(loss)) {
        if (this.policy.nonFinite === 'throw') throw new NonFiniteLossError(step, loss);
        this.record(step, loss);
        info = { step, epoch, loss, gradNorm: NaN, clipped: false, skipped: true, lr, time: 0 };
      } else {
        this.model.backward(this.loss.backward());
        this.record(step, loss);
        const r = applyPolicyAndStep(this.policy, this.store.params, this.store.grads, this.optimizer, this.names);
        info = { step, epoch, loss, gradNorm: r.gradNorm, clipped: r.clipped, skipped: r.skipped, lr, time: 0 };
      }
    } catch (err) {
      this.buffers.restore();
      throw err;
    }
    if (info.skipped) this.buffers.restore();
    this.stepCount = step;
    if (this.o.scheduler && (this.o.schedulerInterval ?? 'step') === 'step') this.o.scheduler.step();
    info.time = (performance.now() - t0) / 1e3;
    return info;
  }

  /** Feeds the monitor once per step number (a step that threw is retried under the same number). */
  private record(step: number, loss: number): void {
    const m = this.o.monitor;
    if (m && m.lastStep < step) m.record(step, loss);
  }

  /**
   * Saves everything a run needs to resume to `path`, atomically: the model, the optimiser's state,
   * and as meta the step count, the learning rate, the scheduler's and the adaptive clipper's state.
   * @param path the checkpoint file (replaced if it exists).
   * @throws {Error} I/O errors from writing the file.
   */
  saveCheckpoint(path: string): void {
    const meta: TrainerCheckpointMeta = {
      step: this.stepCount,
      lr: this.optimizer.lr,
      scheduler: this.o.scheduler?.state?.() ?? null,
      adaptive: this.policy.adaptive?.state() ?? null,
    };
    saveCheckpoint(path, this.model, this.optimizer as unknown as StatefulOptimizer, { meta });
  }

  /**
   * Resumes from a checkpoint written by `saveCheckpoint` (also on Ctrl-C or every N steps): model,
   * optimiser state, step count, learning rate, and the scheduler's and adaptive clipper's state
   * when both the checkpoint and this trainer have them. Checked before anything changes.
   * @param path a file written by `saveCheckpoint`.
   * @returns the checkpoint's meta: `{ step, lr, scheduler, adaptive }`.
   * @throws {GradGuardError} not a checkpoint, or not one written by a Trainer (no step/lr meta).
   * @throws {StateDictError} another architecture or optimiser (the first mismatch named).
   */
  loadCheckpoint(path: string): TrainerCheckpointMeta {
    const ck = readCheckpoint(path);
    const m = ck.meta as Partial<TrainerCheckpointMeta> | undefined;
    if (m === null || typeof m !== 'object' || !Number.isSafeInteger(m.step) || (m.step as number) < 0 || typeof m.lr !== 'number' || !(m.lr >= 0) || !Number.isFinite(m.lr)) {
      throw new GradGuardError(`Trainer.loadCheckpoint: ${path} was not written by a Trainer (its meta has no step count and learning rate); load it with nn.loadCheckpoint`, 'ERR_GRADGUARD_CHECKPOINT');
    }
    const opt = this.optimizer as unknown as StatefulOptimizer;
    const sched = this.o.scheduler;
    const adaptive = this.policy.adaptive;
    // A scheduler or clipper state that does not fit (another scheduler type) is found only by
    // loading it: keep what was there and put it all back if any part is refused.
    const before = { model: this.model.stateDict({ encoding: 'float32' }), opt: opt.state(), sched: sched?.state?.(), adaptive: adaptive?.state(), lr: this.optimizer.lr };
    try {
      applyCheckpoint(ck, path, this.model, opt);
      if (sched?.loadState && m.scheduler !== null && m.scheduler !== undefined) sched.loadState(m.scheduler as never);
      if (adaptive && m.adaptive !== null && m.adaptive !== undefined) adaptive.loadState(m.adaptive as never);
    } catch (err) {
      this.model.loadStateDict(before.model);
      opt.loadState(before.opt as never);
      if (sched?.loadState && before.sched !== undefined) sched.loadState(before.sched as never);
      if (adaptive && before.adaptive) adaptive.loadState(before.adaptive as never);
      this.optimizer.lr = before.lr;
      throw err;
    }
    this.stepCount = m.step as number;
    // An epoch scheduler's loadState sets the lr of its epoch; the saved lr is what the run used.
    this.optimizer.lr = m.lr;
    return { step: m.step as number, lr: m.lr, scheduler: m.scheduler ?? null, adaptive: m.adaptive ?? null };
  }

  /**
   * Trains over `data` for `epochs` passes (or until maxSteps, shouldStop, Ctrl-C, or the source runs
   * dry). Ctrl-C stops between steps, saves a checkpoint when configured, and resolves with
   * `interrupted: true`; the SIGINT handler exists only while fit runs.
   * @param data an array or (async) iterable of batches, or a function `(epoch) => iterable`.
   * @param options `epochs` (default 1) and `maxSteps` (default unlimited).
   * @throws {TypeError|RangeError} (rejection) bad data or options, or anything `step` throws.
   */
  async fit(data: BatchSource<T>, options?: FitOptions): Promise<FitResult> {
    if (typeof data !== 'function' && !isIterable(data)) invalidArg('data', 'an iterable of batches, an async iterable, or a function (epoch) => iterable', data);
    const f = checkOptions('options', options);
    const epochs = f.epochs === undefined ? 1 : f.epochs === Infinity ? Infinity : checkInteger('options.epochs', f.epochs, 0, Number.MAX_SAFE_INTEGER);
    const maxSteps = f.maxSteps === undefined ? Infinity : checkInteger('options.maxSteps', f.maxSteps, 0, Number.MAX_SAFE_INTEGER);
    const o = this.o;
    const knownLength = Array.isArray(data) ? data.length * epochs : Infinity;
    const total = Math.min(maxSteps, knownLength);
    const reporter = makeReporter(o.silent ? 'none' : (o.progress ?? 'auto'), o.stream ?? process.stderr, total, o.logEvery ?? 100);
    const guard = new InterruptGuard();
    if (o.handleSigint !== false) guard.install();
    const t0 = performance.now();
    let steps = 0, skipped = 0, epochsDone = 0, lastLoss = NaN;
    let reason: FitResult['reason'] = 'completed';
    let last: ProgressUpdate | null = null;
    let checkpointPath: string | undefined;
    try {
      outer: for (let epoch = 1; epoch <= epochs; epoch++) {
        const source = typeof data === 'function' ? data(epoch) : data;
        if (!isIterable(source)) invalidArg('data(epoch)', 'an iterable of batches', source);
        const e0 = performance.now();
        let epochSteps = 0, lossSum = 0, lossCount = 0;
        for await (const batch of source as AsyncIterable<Batch<T>>) {
          if (steps >= maxSteps) {
            reason = 'maxSteps';
            break outer;
          }
          const info = this.step(batch, epoch);
          steps++;
          epochSteps++;
          if (info.skipped) skipped++;
          lastLoss = info.loss;
          if (Number.isFinite(info.loss)) {
            lossSum += info.loss;
            lossCount++;
          }
          const elapsed = (performance.now() - t0) / 1e3;
          last = { step: steps, epoch, loss: info.loss, gradNorm: info.gradNorm, stepsPerSecond: steps / elapsed, skipped };
          reporter.update(last);
          o.onStep?.(info);
          if (o.checkpoint?.everySteps && this.stepCount % o.checkpoint.everySteps === 0) this.saveCheckpoint(o.checkpoint.path);
          if (o.shouldStop?.(info)) {
            reason = 'shouldStop';
            break outer;
          }
          // Let Ctrl-C (and other events) in between steps.
          await yieldToEventLoop();
          if (guard.requested) {
            reason = 'interrupted';
            break outer;
          }
          if (steps >= maxSteps) {
            // Stop before pulling another batch from the source. An array's last batch ends its
            // epoch, which then counts (scheduler, onEpoch); another source's end is unknown
            // without pulling one more batch, so its epoch is not counted.
            reason = 'maxSteps';
            if (Array.isArray(source) && epochSteps === source.length) break;
            break outer;
          }
        }
        if (epochSteps === 0) {
          reason = 'exhausted';
          break;
        }
        epochsDone++;
        const meanLoss = lossCount ? lossSum / lossCount : NaN;
        if (o.scheduler && o.schedulerInterval === 'epoch') o.scheduler.step(meanLoss);
        o.onEpoch?.({ epoch, steps: epochSteps, meanLoss, time: (performance.now() - e0) / 1e3 });
        if (reason === 'maxSteps') {
          if (epoch === epochs) reason = 'completed'; // both limits met at once: every epoch ran
          break;
        }
      }
      if (reason === 'interrupted' && o.checkpoint && o.checkpoint.onInterrupt !== false) {
        this.saveCheckpoint(o.checkpoint.path);
        checkpointPath = o.checkpoint.path;
      }
    } finally {
      guard.remove();
      reporter.stop(last, reason === 'interrupted' ? `interrupted at step ${steps}${checkpointPath ? `; checkpoint saved to ${checkpointPath}` : ''}` : undefined);
    }
    return { steps, skippedSteps: skipped, epochs: epochsDone, reason, interrupted: reason === 'interrupted', lastLoss, time: (performance.now() - t0) / 1e3, ...(checkpointPath ? { checkpointPath } : {}) };
  }
}

/**
 * `new Trainer(options).fit(data, { epochs, maxSteps })` in one call.
 * @param options the {@link TrainerOptions}, plus `data`, `epochs` and `maxSteps`.
 * @throws {TypeError|RangeError} a bad option (synchronously, from the Trainer's constructor); the
 *   returned Promise rejects as {@link Trainer.fit}'s does.
 */
export function fit<T = Tensor>(options: TrainerOptions<T> & FitOptions & { data: BatchSource<T> }): Promise<FitResult> {
  const { data, epochs, maxSteps, ...rest } = checkOptions('options', options) as unknown as TrainerOptions<T> & FitOptions & { data: BatchSource<T> };
  return new Trainer<T>(rest as TrainerOptions<T>).fit(data, { epochs, maxSteps });
}

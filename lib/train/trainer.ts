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
import { checkInteger, checkOptions, optionKeys } from '../validate/index.js';
import { Module } from '../nn/module.js';
import type { Loss } from '../nn/loss.js';
import type { Tensor } from '../nn/tensor.js';
import { formatEvent, GradientMonitor } from '../monitor/gradient-monitor.js';
import { describeRun } from './monitor-context.js';
import { InterruptGuard } from './interrupt.js';
import { BufferSnapshot } from './buffer-snapshot.js';
import { checkCheckpointOptions, loadTrainerCheckpoint, saveTrainerCheckpoint, type TrainerCheckpointMeta, type TrainerParts } from './checkpoint.js';
import { applyPolicyAndStep, checkPolicy, type CheckedPolicy } from './policy.js';
import { makeReporter, type ProgressUpdate } from './progress.js';
import { FIT_OPTION_KEYS, TRAINER_OPTION_KEYS, type Batch, type BatchSource, type FitOptions, type FitResult, type SchedulerLike, type StepInfo, type TrainerOptions } from './trainer-types.js';

export type { Batch, BatchSource, EpochInfo, FitOptions, FitResult, SchedulerLike, StepInfo, TrainerOptions } from './trainer-types.js';

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

/** Monitors whose warnings a Trainer already prints (two Trainers sharing one monitor print once). */
const printing = new WeakSet<GradientMonitor>();

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
  /** The learning rate the monitor was last told. */
  private monitorLr = NaN;

  /**
   * Checks the options and packs the model (`model.paramStore()`).
   * @param options model, loss and optimiser (required), gradient policy, scheduler, callbacks,
   *   progress, checkpoint and monitor settings.
   * @throws {TypeError|RangeError} a bad option (named), or an optimiser not over model.paramStore().
   */
  constructor(options: TrainerOptions<T>) {
    const o = checkOptions('new Trainer: options', options, TRAINER_OPTION_KEYS) as unknown as TrainerOptions<T>;
    if (o.checkpoint !== undefined) checkCheckpointOptions(o.checkpoint);
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
    this.o = o;
    if (o.monitor) {
      o.monitor.describeRun(describeRun(this.policy, opt, o.scheduler, o.model));
      // The console shows the monitor's warnings and errors (not its info events) beside the progress,
      // unless the run is silent or the monitor prints them itself.
      if (!o.silent && o.progress !== 'none' && o.monitor.printLevel === null && !printing.has(o.monitor)) {
        printing.add(o.monitor);
        const stream = o.stream ?? process.stderr;
        o.monitor.on('all', (e) => void stream.write(`${formatEvent(e)}\n`), { minLevel: 'warning' });
      }
    }
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
    if (!m || m.lastStep >= step) return;
    // A scheduler moves the rate: the monitor's diagnoses quote the one this step uses.
    if (this.optimizer.lr !== this.monitorLr) m.describeRun({ lr: (this.monitorLr = this.optimizer.lr) });
    m.record(step, loss);
  }

  /**
   * Saves everything a run needs to resume to `path`, atomically: the model, the optimiser's state,
   * and as meta the step count, the learning rate, the scheduler's and the adaptive clipper's state.
   * @param path the checkpoint file (replaced if it exists).
   * @throws {Error} I/O errors from writing the file.
   */
  saveCheckpoint(path: string): void {
    saveTrainerCheckpoint(path, this.parts(), this.stepCount);
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
    const meta = loadTrainerCheckpoint(path, this.parts());
    this.stepCount = meta.step;
    return meta;
  }

  /** What the checkpoint module saves and restores. */
  private parts(): TrainerParts {
    return { model: this.model, optimizer: this.optimizer, scheduler: this.o.scheduler, adaptive: this.policy.adaptive };
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
    const f = checkOptions('Trainer.fit: options', options, FIT_OPTION_KEYS);
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
  const { data, epochs, maxSteps, ...rest } = checkOptions('fit: options', options, optionKeys<NonNullable<typeof options>>()([...TRAINER_OPTION_KEYS, ...FIT_OPTION_KEYS, 'data'])) as unknown as TrainerOptions<T> & FitOptions & { data: BatchSource<T> };
  return new Trainer<T>(rest as TrainerOptions<T>).fit(data, { epochs, maxSteps });
}

/**
 * Data-parallel training on MPI (the scheme of PyTorch DDP): every rank holds the whole model,
 * starts from rank 0's parameters, trains on its own shard of each batch, and after backward the
 * gradients are averaged across ranks (bucketed all-reduce), clipped with the global norm, and
 * stepped, so every rank takes the same step. Clipping comes after the averaging, never before
 * (clipping per rank would clip a different gradient than the one applied), and the norm of the
 * averaged, replicated gradients is counted once.
 */
import { getBackend } from '../backend/index.js';
import { clipCoefficient } from '../backend/types.js';
import { invalidArg } from '../errors.js';
import { FlatTensors } from '../validate/flat-tensors.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { ClipAndStepResult } from '../optim/clip-and-step.js';
import type { OptimParams } from '../optim/param-list.js';
import { checkBoolean, checkNonNegative, checkNormType, checkOptions, optionKeys, checkTensors, type TensorsLike } from '../validate/index.js';
import { allReduce, allReduceAsync, broadcast } from './collectives.js';
import { totalNorm } from './global-norm.js';
import { rank as currentRank, size as currentSize } from './runtime.js';

/** The part of a batch this rank works on: rows [start, end), and its weight count / batchSize. */
export interface BatchShard {
  /** First row (inclusive). */
  start: number;
  /** End row (exclusive). */
  end: number;
  /** Rows in this shard, end − start. */
  count: number;
  /** count / batchSize: the factor that makes the averaged gradient equal the whole batch's. */
  weight: number;
}

/**
 * Splits `batchSize` rows into `size` contiguous shards that differ by at most one row (the first
 * `batchSize % size` ranks get one more) and returns `rank`'s. Reference: DistributedSampler without
 * padding.
 * @param batchSize rows in the whole batch (integer >= 0).
 * @param rank the rank to compute for (default this process's).
 * @param size the number of ranks (default the group's).
 * @throws {TypeError|RangeError} arguments that are not integers in range.
 */
export function shardOfBatch(batchSize: number, rank: number = currentRank, size: number = currentSize): BatchShard {
  if (typeof batchSize !== 'number') invalidArg('batchSize', 'an integer >= 0', batchSize);
  if (!Number.isInteger(batchSize) || batchSize < 0) invalidArg('batchSize', 'an integer >= 0', batchSize, 'range');
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 1) invalidArg('size', 'an integer >= 1', size, typeof size === 'number' ? 'range' : 'type');
  if (typeof rank !== 'number' || !Number.isInteger(rank) || rank < 0 || rank >= size) invalidArg('rank', `an integer in [0, ${size - 1}]`, rank, typeof rank === 'number' ? 'range' : 'type');
  const base = Math.floor(batchSize / size);
  const extra = batchSize % size;
  const start = rank * base + Math.min(rank, extra);
  const count = base + (rank < extra ? 1 : 0);
  return { start, end: start + count, count, weight: batchSize === 0 ? 0 : count / batchSize };
}

/** Options of {@link DataParallel}. */
export interface DataParallelOptions {
  /** Clip the averaged gradients to this global norm (default Infinity: measure, never clip). */
  maxNorm?: number;
  /** Norm order for clipping, p > 0 or Infinity. Default 2. Must be the same on every rank (checked). */
  normType?: number;
  /** Skip the step on every rank when the global norm is NaN/Inf (e.g. NaN on one rank). Default true. */
  skipIfNonfinite?: boolean;
  /** Gradient bytes per all-reduce call (DDP's bucket_cap_mb). Default 25 MiB. */
  bucketBytes?: number;
  /** Broadcast rank 0's parameters to every rank at construction. Default true. */
  broadcastParameters?: boolean;
}

const DATA_PARALLEL_OPTION_KEYS = optionKeys<DataParallelOptions>()(['maxNorm', 'normType', 'skipIfNonfinite', 'bucketBytes', 'broadcastParameters']);

/** Every `bucket` elements of a FlatTensors' base, or the tensors grouped into buckets of about that size. */
function buckets(grads: FlatTensors | readonly Float32Array[], bucket: number): TensorsLike[] {
  const out: TensorsLike[] = [];
  if (grads instanceof FlatTensors) {
    for (let at = 0; at < grads.base.length; at += bucket) out.push(grads.base.subarray(at, Math.min(grads.base.length, at + bucket)));
    return out;
  }
  let group: Float32Array[] = [];
  let n = 0;
  for (const g of grads) {
    group.push(g);
    n += g.length;
    if (n >= bucket) {
      out.push(group);
      group = [];
      n = 0;
    }
  }
  if (group.length > 0) out.push(group);
  return out;
}

/**
 * Data-parallel training on MPI (the scheme of PyTorch `DistributedDataParallel`): every rank holds
 * the whole model, starts from rank 0's parameters, trains on its own shard of each batch, and after
 * backward the gradients are averaged across ranks (bucketed all-reduce), clipped with the global
 * norm, and stepped, so every rank takes the same step. Clipping comes after the averaging, never
 * before, and the norm of the averaged (replicated) gradients is counted once.
 */
export class DataParallel {
  private readonly optimizer: Optimizer;
  private readonly maxNorm: number;
  private readonly normType: number;
  private readonly skip: boolean;
  private readonly bucketElements: number;

  /**
   * @param optimizer the optimiser over `params` (every rank builds the same one).
   * @param params what the optimiser was built on (a ParamStore, or `{ data, grad }` entries):
   *   its parameters are broadcast from rank 0 unless `broadcastParameters: false`.
   * @param options clipping (maxNorm, normType), skipIfNonfinite, bucketBytes, broadcastParameters.
   * @throws {GradGuardError} before `dist.init()`; {TypeError|RangeError} on bad options.
   */
  constructor(optimizer: Optimizer, params: OptimParams, options?: DataParallelOptions) {
    const o = checkOptions('new dist.DataParallel: options', options, DATA_PARALLEL_OPTION_KEYS);
    this.optimizer = optimizer;
    this.maxNorm = o.maxNorm === undefined ? Infinity : checkNonNegative('options.maxNorm', o.maxNorm);
    this.normType = o.normType === undefined ? 2 : checkNormType('options.normType', o.normType);
    this.skip = checkBoolean('options.skipIfNonfinite', o.skipIfNonfinite, true);
    const bytes = o.bucketBytes === undefined ? 25 * 2 ** 20 : checkNonNegative('options.bucketBytes', o.bucketBytes);
    if (!(bytes >= 4) || !Number.isFinite(bytes)) invalidArg('options.bucketBytes', 'a finite number >= 4', bytes, 'range');
    this.bucketElements = Math.floor(bytes / 4);
    const b = checkBoolean('options.broadcastParameters', o.broadcastParameters, true);
    if (b) broadcast(parameterTensors(params), 0);
  }

  /**
   * This rank's rows of a batch of `batchSize` (see `shardOfBatch`).
   * @param batchSize rows in the whole batch (integer >= 0).
   */
  shard(batchSize: number): BatchShard {
    return shardOfBatch(batchSize);
  }

  /**
   * Replaces every rank's gradients by their weighted sum across ranks, in buckets: with the default
   * weight 1/size that is the mean; with `shard(n).weight` (this rank's share of the batch) it is
   * exactly the whole batch's mean gradient even when shards differ in size. A weight of 0 (an empty
   * shard) sets this rank's gradients to 0 first, so a NaN from its 0/0 mean loss does not spread.
   * @param weight this rank's factor (default 1/size).
   * @throws {TypeError|RangeError} unless `weight` is a finite number >= 0 (naming `weight`).
   * @throws {GradGuardError} the errors of {@link allReduce}.
   */
  averageGradients(weight?: number): void {
    this.average(this.checkWeight(weight, 'weight'));
  }

  /**
   * `averageGradients` with every bucket's all-reduce on the communication thread (see
   * {@link allReduceAsync}: the gradients belong to the call until it settles).
   * @param weight this rank's factor (default 1/size).
   * @throws {TypeError|RangeError|GradGuardError} (rejection) as averageGradients and allReduceAsync.
   */
  averageGradientsAsync(weight?: number): Promise<void> {
    try {
      return this.averageAsync(this.checkWeight(weight, 'weight'));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private average(w: number): void {
    const grads = this.optimizer.grads();
    weigh(grads, w);
    for (const b of buckets(grads, this.bucketElements)) allReduce(b, 'sum');
  }

  private async averageAsync(w: number): Promise<void> {
    const grads = this.optimizer.grads();
    weigh(grads, w);
    await Promise.all(buckets(grads, this.bucketElements).map((b) => allReduceAsync(b, 'sum')));
  }

  /**
   * One data-parallel step after backward: average the gradients (weighted by `weight`, default
   * 1/size), take the global norm of the averaged (replicated) gradients, and step with the clip
   * coefficient folded in (`optimizer.step({ gradScale })`; the gradients are left averaged, not
   * clipped). NaN on any rank makes the norm NaN on every rank, and every rank skips.
   * @param options `weight`: this rank's factor (default 1/size; `shard(n).weight` for uneven shards).
   * @returns the global norm, the clip factor applied and whether the step was skipped.
   * @throws {TypeError|RangeError} unless `options.weight` is a finite number >= 0.
   * @throws {GradGuardError} the errors of {@link allReduce} and {@link getTotalNorm}.
   */
  step(options?: { weight?: number }): ClipAndStepResult {
    this.average(this.checkWeight(checkOptions('DataParallel.step: options', options, optionKeys<NonNullable<typeof options>>()(['weight'])).weight, 'options.weight'));
    return this.clipAndStep();
  }

  /**
   * `step` with the all-reduce on the communication thread (await it before touching the gradients).
   * @param options `weight`: this rank's factor (default 1/size).
   * @throws {TypeError|RangeError|GradGuardError} (rejection) as step and allReduceAsync.
   */
  async stepAsync(options?: { weight?: number }): Promise<ClipAndStepResult> {
    await this.averageAsync(this.checkWeight(checkOptions('DataParallel.stepAsync: options', options, optionKeys<NonNullable<typeof options>>()(['weight'])).weight, 'options.weight'));
    return this.clipAndStep();
  }

  private clipAndStep(): ClipAndStepResult {
    const grads = this.optimizer.grads();
    const norm = totalNorm({ sharded: null, replicated: grads }, this.normType, 'dist.DataParallel.step');
    const gradScale = clipCoefficient(this.maxNorm, norm);
    const r = this.optimizer.step({ gradScale, skipIfNonfinite: this.skip, totalNorm: norm });
    return { totalNorm: norm, gradScale, skipped: r.skipped };
  }

  private checkWeight(weight: unknown, name: string): number {
    if (weight === undefined) return 1 / currentSize;
    if (typeof weight !== 'number') invalidArg(name, 'a number >= 0', weight);
    if (!(weight >= 0) || !Number.isFinite(weight)) invalidArg(name, 'a finite number >= 0', weight, 'range');
    return weight;
  }
}

function parameterTensors(params: OptimParams): TensorsLike {
  if (Array.isArray(params)) {
    return (params as readonly { data: Float32Array }[]).map((p, i) => {
      if (typeof p !== 'object' || p === null || !(p.data instanceof Float32Array)) invalidArg(`params[${i}].data`, 'a Float32Array', p?.data);
      return p.data;
    });
  }
  const store = params as { params?: unknown };
  if (!(store.params instanceof FlatTensors)) invalidArg('params', 'a ParamStore or an array of { data, grad }', params);
  return store.params;
}

/**
 * grads *= w, in place, in one native pass (the backend's scale kernel). w = 0 (an empty shard)
 * zeroes them instead: its mean-loss gradient may be 0/0 = NaN, and NaN * 0 is NaN, which would
 * make every rank skip the step.
 */
function weigh(grads: FlatTensors | readonly Float32Array[], w: number): void {
  if (w === 1) return;
  if (w === 0) {
    if (grads instanceof FlatTensors) grads.base.fill(0);
    else for (const g of grads) g.fill(0);
    return;
  }
  getBackend().scale(checkTensors('grads', grads, { inPlace: true }), w);
}

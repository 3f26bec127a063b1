/**
 * GradientMonitor: gradient health every step from one `gradStats` pass (total and per-parameter L2
 * norms, non-finite count), kept in a bounded history, with detectors for exploding gradients
 * (non-finite, or a norm far above its recent median), vanishing gradients (a norm below a floor, or
 * orders of magnitude below the other layers, for many steps) and loss divergence (non-finite, or the
 * smoothed loss far above its running minimum for k steps). Loop-agnostic: any training loop calls
 * `record(step, loss)` after the backward pass and before clipping (so it sees the raw gradients).
 */
import { invalidArg } from '../errors.js';
import { FlatTensors } from '../validate/flat-tensors.js';
import { gradStats, type GradStats } from '../grad/grad-stats.js';
import { Module } from '../nn/module.js';
import { makeEvent, type MonitorEvent, type MonitorEventKind } from './events.js';
import { HISTORY_FORMAT, jsonNumber, type MonitorHistory, type MonitorSummary } from './history.js';
import { resolveOptions, type MonitorOptions, type ResolvedOptions } from './options.js';
import { finiteMedian, RingBuffer } from './ring-buffer.js';

/** A named gradient (`data` is accepted and ignored, so `{ name, data, grad }` parameters pass as they are). */
export interface NamedGrad {
  /** The parameter's name, unique in the monitor (used in events and reports). */
  name: string;
  /** Its gradient; re-read every step, so a re-pointed `grad` (e.g. after packing) is followed. */
  grad: Float32Array;
  /** Ignored. */
  data?: Float32Array;
}

/** What `record` saw at one step. */
export interface StepRecord {
  /** The step number given. */
  step: number;
  /** The loss given (NaN when none). */
  loss: number;
  /** L2 norm of all gradients (NaN/Infinity when any is non-finite). Feed it to `clipGradsWithNorm` to save a pass. */
  totalNorm: number;
  /** The full one-pass statistics (per-tensor norms in the monitor's name order). */
  stats: GradStats;
  /** Events raised at this step (usually none). */
  events: MonitorEvent[];
}

type Listener = (e: MonitorEvent) => void;

function isStoreLike(v: unknown): v is { grads: FlatTensors } {
  return v !== null && typeof v === 'object' && (v as { grads?: unknown }).grads instanceof FlatTensors;
}

/**
 * Gradient health every step from one `gradStats` pass (total and per-parameter L2 norms,
 * non-finite count), kept in a bounded history, with detectors for exploding gradients (non-finite,
 * or a norm far above its recent median), vanishing gradients (a norm below a floor, or orders of
 * magnitude below the other layers, for many steps) and loss divergence (non-finite, or the smoothed
 * loss far above its running minimum for k steps). Loop-agnostic: any training loop calls
 * `record(step, loss)` after the backward pass and before clipping (so it sees the raw gradients);
 * the Trainer does it with its `monitor` option. The history renders as a report
 * ({@link monitor.writeReport}) or a table ({@link monitor.summaryTable}).
 */
export class GradientMonitor {
  /** Parameter names, in gradStats order. */
  readonly names: readonly string[];
  private grads: FlatTensors | Float32Array[];
  /** The `{ name, grad }` objects given, re-read each step: packing a model re-points `grad`. */
  private readonly sources: readonly NamedGrad[] | null = null;
  private readonly opt: ResolvedOptions;
  private readonly steps: RingBuffer;
  private readonly losses: RingBuffer;
  private readonly totals: RingBuffer;
  private readonly norms: RingBuffer[];
  private readonly events: MonitorEvent[] = [];
  private readonly listeners = new Map<MonitorEventKind, Set<Listener>>();
  private readonly scratch: Float64Array;
  private readonly others: Float64Array;
  // Detector state.
  private readonly vanishRun: Int32Array;
  private readonly spiking: Uint8Array;
  private nonFiniteEpisode = false;
  private lastSpikeStep = -Infinity;
  private lossNonFiniteEpisode = false;
  private lossEma = 0;
  private lossSeen = 0;
  private lossMin = Infinity;
  private lossRiseRun = 0;
  // Summary state over every recorded step.
  private recorded = 0;
  private nonFiniteSteps = 0;
  private maxTotal = -Infinity;
  private minLoss = Infinity;
  private last = -Infinity;
  private readonly eventCounts = { explode: 0, vanish: 0, diverge: 0 };

  /**
   * @param params an `nn` model (packed into its flat store, parameters named "0.weight" …), named
   *   gradients (`[{ name, grad, data? }]`; each `grad` is re-read every step) or a ParamStore
   *   (`{ grads }`; names from `options.names`).
   * @param options names (for a ParamStore), history sizes, detector settings and `onEvent`.
   * @throws {TypeError|RangeError} params that are not one of those, duplicate names, a bad option.
   */
  constructor(params: Module | readonly NamedGrad[] | { grads: FlatTensors }, options?: MonitorOptions) {
    this.opt = resolveOptions(options);
    const o = options ?? {};
    if (params instanceof Module) {
      // The model's own store (the one a Trainer and its optimiser use): packing first means the
      // monitor reads the same gradients the step clips and applies.
      this.grads = params.paramStore().grads;
      this.names = params.namedParameters().map(([n]) => n);
    } else if (isStoreLike(params)) {
      this.grads = params.grads;
      const n = params.grads.length;
      if (o.names !== undefined && (!Array.isArray(o.names) || o.names.length !== n || !o.names.every((s) => typeof s === 'string'))) {
        invalidArg('options.names', `an array of ${n} strings (one per tensor of the store)`, o.names, Array.isArray(o.names) ? 'range' : 'type');
      }
      this.names = o.names ? [...o.names] : Array.from({ length: n }, (_, i) => `param${i}`);
    } else if (Array.isArray(params)) {
      params.forEach((p: unknown, i) => {
        const q = p as Partial<NamedGrad> | null;
        if (q === null || typeof q !== 'object' || typeof q.name !== 'string' || !(q.grad instanceof Float32Array)) {
          invalidArg(`params[${i}]`, 'an object { name: string, grad: Float32Array }', p);
        }
      });
      this.sources = [...params];
      this.grads = params.map((p) => p.grad);
      this.names = params.map((p) => p.name);
    } else {
      invalidArg('params', 'an nn model, an array of { name, grad } or a ParamStore', params);
    }
    if (new Set(this.names).size !== this.names.length) {
      invalidArg('params', 'unique parameter names (for an nn model pass the model itself: new GradientMonitor(model))', this.names, 'range');
    }
    const cap = this.opt.historySize;
    this.steps = new RingBuffer(cap);
    this.losses = new RingBuffer(cap);
    this.totals = new RingBuffer(cap);
    this.norms = this.names.map(() => new RingBuffer(cap));
    this.scratch = new Float64Array(this.opt.explode.window);
    this.others = new Float64Array(this.names.length);
    this.vanishRun = new Int32Array(this.names.length);
    this.spiking = new Uint8Array(this.names.length);
  }

  /** The last step recorded (-Infinity before the first). */
  get lastStep(): number {
    return this.last;
  }

  /** A new array only when some `grad` was re-pointed, so the list keeps its cached native handle. */
  private refreshGrads(): void {
    const src = this.sources;
    if (src === null) return;
    const cur = this.grads as Float32Array[];
    if (src.every((p, i) => p.grad === cur[i])) return;
    src.forEach((p, i) => {
      if (!(p.grad instanceof Float32Array) || p.grad.length !== cur[i].length) {
        invalidArg(`params[${i}].grad`, `a Float32Array of ${cur[i].length} elements (as when the monitor was made)`, p.grad, 'range');
      }
    });
    this.grads = src.map((p) => p.grad);
  }

  /**
   * Calls `fn` with every event of that kind (after `options.onEvent`). Returns this.
   * @param kind 'explode', 'vanish' or 'diverge'.
   * @param fn called with each MonitorEvent of that kind, synchronously inside `record`.
   * @throws {TypeError|RangeError} an unknown kind or a non-function.
   */
  on(kind: MonitorEventKind, fn: Listener): this {
    if (kind !== 'explode' && kind !== 'vanish' && kind !== 'diverge') invalidArg('kind', '"explode", "vanish" or "diverge"', kind, typeof kind === 'string' ? 'range' : 'type');
    if (typeof fn !== 'function') invalidArg('fn', 'a function', fn);
    let set = this.listeners.get(kind);
    if (!set) this.listeners.set(kind, (set = new Set()));
    set.add(fn);
    return this;
  }

  /**
   * Removes a listener added with `on` (nothing happens if it is not there). Returns this.
   * @param kind the kind it was added for.
   * @param fn the same function.
   */
  off(kind: MonitorEventKind, fn: Listener): this {
    this.listeners.get(kind)?.delete(fn);
    return this;
  }

  /**
   * Records one training step: reads every gradient once (gradStats), stores the norms and the loss,
   * runs the detectors and emits their events. Call it after backward and before clipping.
   * @param step the step number (must increase from call to call).
   * @param loss the step's loss; NaN/Infinity are recorded (and flagged), undefined skips the loss checks.
   * @throws {TypeError|RangeError} a step that is not a number greater than the previous one, a loss that is not a number.
   */
  record(step: number, loss?: number): StepRecord {
    if (typeof step !== 'number') invalidArg('step', 'a number', step);
    if (!Number.isFinite(step) || step <= this.last) invalidArg('step', `a finite number greater than the previous step (${this.last})`, step, 'range');
    if (loss !== undefined && typeof loss !== 'number') invalidArg('loss', 'a number or undefined', loss);
    this.refreshGrads();
    const stats = gradStats(this.grads);
    const raised: MonitorEvent[] = [];
    this.checkExplode(step, stats, raised);
    this.checkVanish(step, stats.perTensorNorms, raised);
    if (loss !== undefined) this.checkDiverge(step, loss, raised);
    this.push(step, loss ?? NaN, stats);
    for (const e of raised) this.emit(e);
    return { step, loss: loss ?? NaN, totalNorm: stats.totalNorm, stats, events: raised };
  }

  private push(step: number, loss: number, stats: GradStats): void {
    this.last = step;
    this.recorded++;
    this.steps.push(step);
    this.losses.push(loss);
    this.totals.push(stats.totalNorm);
    stats.perTensorNorms.forEach((v, i) => this.norms[i].push(v));
    if (Number.isFinite(stats.totalNorm)) this.maxTotal = Math.max(this.maxTotal, stats.totalNorm);
    else this.nonFiniteSteps++;
    if (Number.isFinite(loss)) this.minLoss = Math.min(this.minLoss, loss);
  }

  private checkExplode(step: number, stats: GradStats, out: MonitorEvent[]): void {
    const per = stats.perTensorNorms;
    if (stats.nonFiniteCount > 0 || !Number.isFinite(stats.totalNorm)) {
      if (!this.nonFiniteEpisode) {
        // Name the first tensor holding a NaN/Inf, and list the others hit (up to 4).
        let first = stats.firstNonFiniteIndex;
        const bad: string[] = [];
        per.forEach((v, i) => {
          if (!Number.isFinite(v)) {
            if (first < 0) first = i;
            if (i !== first) bad.push(this.names[i]);
          }
        });
        const also = bad.length === 0 ? '' : ` (also ${bad.slice(0, 4).join(', ')}${bad.length > 4 ? ` and ${bad.length - 4} more` : ''})`;
        const extra = `${also}; ${stats.nonFiniteCount} non-finite values`;
        out.push(makeEvent('explode', 'nonfinite', step, first >= 0 ? this.names[first] : null, first >= 0 ? per[first] : stats.totalNorm, NaN, extra));
      }
      this.nonFiniteEpisode = true;
      return;
    }
    this.nonFiniteEpisode = false;
    const { factor, window, minHistory, cooldown } = this.opt.explode;
    let worst = -1;
    let worstRatio = factor;
    let worstMedian = NaN;
    for (let i = 0; i < per.length; i++) {
      const hist = this.norms[i];
      if (hist.length < minHistory) continue;
      const med = finiteMedian(hist.last(window, this.scratch));
      const ratio = per[i] / med;
      const spiking = med > 0 && ratio > factor;
      // One event per episode: a layer that was already spiking on the previous step stays quiet.
      if (spiking && !this.spiking[i] && ratio > worstRatio) {
        worst = i;
        worstRatio = ratio;
        worstMedian = med;
      }
      this.spiking[i] = spiking ? 1 : 0;
    }
    // A burst of spikes (often across layers, step after step) is one event; non-finite ones always report.
    if (worst >= 0 && step - this.lastSpikeStep > cooldown) {
      this.lastSpikeStep = step;
      out.push(makeEvent('explode', 'spike', step, this.names[worst], per[worst], worstMedian));
    }
  }

  private checkVanish(step: number, per: Float64Array, out: MonitorEvent[]): void {
    const { floor, ratio, patience } = this.opt.vanish;
    const n = per.length;
    // The finite norms sorted once; "the median of the other layers" then skips one position: O(n log n) a step.
    let m = 0;
    for (let i = 0; i < n; i++) if (Number.isFinite(per[i])) this.others[m++] = per[i];
    const sorted = this.others.subarray(0, m).sort();
    for (let i = 0; i < n; i++) {
      const v = per[i];
      let reference = NaN;
      let reason: 'floor' | 'ratio' | null = null;
      if (!Number.isFinite(v)) {
        this.vanishRun[i] = 0;
        continue;
      }
      if (v < floor) {
        reason = 'floor';
        reference = floor;
      } else if (m > 1) {
        const med = medianWithout(sorted, v);
        if (v < ratio * med) {
          reason = 'ratio';
          reference = med;
        }
      }
      if (reason === null) {
        this.vanishRun[i] = 0;
        continue;
      }
      // Emitted once, when the condition has held for `patience` consecutive steps.
      if (++this.vanishRun[i] === patience) out.push(makeEvent('vanish', reason, step, this.names[i], v, reference, ` for ${patience} steps`));
    }
  }

  private checkDiverge(step: number, loss: number, out: MonitorEvent[]): void {
    if (!Number.isFinite(loss)) {
      if (!this.lossNonFiniteEpisode) out.push(makeEvent('diverge', 'nonfinite-loss', step, null, loss, NaN));
      this.lossNonFiniteEpisode = true;
      return;
    }
    this.lossNonFiniteEpisode = false;
    const { factor, patience, smoothing, warmup } = this.opt.diverge;
    this.lossSeen++;
    this.lossEma = smoothing * this.lossEma + (1 - smoothing) * loss;
    const smooth = this.lossEma / (1 - smoothing ** this.lossSeen); // bias-corrected (Adam's trick)
    if (this.lossSeen <= warmup) return;
    this.lossMin = Math.min(this.lossMin, smooth);
    // A rise of (factor − 1) × |minimum| above the minimum: smooth > factor × min for positive losses,
    // and still meaningful for losses that are negative (a log-likelihood, a maximised objective).
    if (smooth - this.lossMin > (factor - 1) * Math.abs(this.lossMin)) {
      if (++this.lossRiseRun === patience) out.push(makeEvent('diverge', 'loss-rise', step, null, smooth, this.lossMin, ` for ${patience} steps`));
    } else {
      this.lossRiseRun = 0;
    }
  }

  private emit(e: MonitorEvent): void {
    this.eventCounts[e.kind]++;
    if (this.opt.maxEvents > 0) {
      if (this.events.length >= this.opt.maxEvents) this.events.shift();
      this.events.push(e);
    }
    this.opt.onEvent?.(e);
    for (const fn of this.listeners.get(e.kind) ?? []) fn(e);
  }

  /** Events kept so far (the last `maxEvents`), oldest first. */
  get eventLog(): readonly MonitorEvent[] {
    return this.events;
  }

  /** Figures over the whole run (max, counts) and over the kept history (median). */
  summary(): MonitorSummary {
    const totals = new Float64Array(this.totals.toArray());
    const med = finiteMedian(totals);
    const last = this.losses.length ? this.losses.at(this.losses.length - 1) : NaN;
    return {
      recorded: this.recorded,
      nonFiniteSteps: this.nonFiniteSteps,
      maxTotalNorm: this.maxTotal === -Infinity ? null : this.maxTotal,
      medianTotalNorm: jsonNumber(med),
      lastLoss: jsonNumber(last),
      minLoss: this.minLoss === Infinity ? null : this.minLoss,
      eventCounts: { ...this.eventCounts },
    };
  }

  /** The kept history as plain JSON (non-finite values → null); `JSON.stringify(monitor)` uses it. */
  toJSON(): MonitorHistory {
    const series = (r: RingBuffer) => r.toArray().map(jsonNumber);
    const norms: Record<string, (number | null)[]> = {};
    this.names.forEach((n, i) => (norms[n] = series(this.norms[i])));
    return {
      format: HISTORY_FORMAT,
      names: [...this.names],
      historySize: this.opt.historySize,
      steps: this.steps.toArray(),
      loss: series(this.losses),
      totalNorm: series(this.totals),
      norms,
      events: this.events.map((e) => ({ ...e })),
      summary: this.summary(),
    };
  }
}

/** Median of sorted `a` with one occurrence of `v` (which it holds) removed. */
function medianWithout(a: Float64Array, v: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  const k = a.length - 1; // elements left
  const at = (j: number) => a[j < lo ? j : j + 1];
  return k % 2 ? at((k - 1) >> 1) : 0.5 * (at(k / 2 - 1) + at(k / 2));
}

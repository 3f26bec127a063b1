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
import { checkOptions, optionKeys } from '../validate/index.js';
import { gradStats, type GradStats } from '../grad/grad-stats.js';
import { Module } from '../nn/module.js';
import type { ParamView } from './causes.js';
import type { Detector } from './detectors/detector.js';
import { ClipPinnedDetector } from './detectors/clip-pinned.js';
import { CollapseDetector } from './detectors/collapse.js';
import { DivergeDetector } from './detectors/diverge.js';
import { ExplodeDetector } from './detectors/explode.js';
import { SpectralDetector } from './detectors/spectral.js';
import { VanishDetector } from './detectors/vanish.js';
import { LEVELS, levelRank, type DetectorEvent, type MonitorEvent, type MonitorEventKind, type MonitorEventLevel } from './events.js';
import { HISTORY_FORMAT, jsonNumber, type MonitorHistory, type MonitorSummary } from './history.js';
import { JsonlSink } from './jsonl.js';
import { checkLevel, resolveOptions, type MonitorOptions, type ResolvedOptions } from './options.js';
import { finiteMedian, RingBuffer } from './ring-buffer.js';
import { mergeRun, type ResolvedRunContext, type RunContext } from './run-context.js';

/** A named gradient (`data` is accepted and ignored, so `{ name, data, grad }` parameters pass as they are). */
export interface NamedGrad {
  /** The parameter's name, unique in the monitor (used in events and reports). */
  name: string;
  /** Its gradient; re-read every step, so a re-pointed `grad` (e.g. after packing) is followed. */
  grad: Float32Array;
  /** The parameter's values: optional, read only when an event fires (cause figures: spectral radius, weight scale). */
  data?: Float32Array;
  /** Its shape (PyTorch layout, [out, in, …]): optional, for the cause figures. */
  shape?: readonly number[];
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

/** Options of {@link GradientMonitor.on}. */
export interface ListenerOptions {
  /** The least serious level the listener hears. Default 'info' (every event). */
  minLevel?: MonitorEventLevel;
}

const LISTENER_KEYS = optionKeys<ListenerOptions>()(['minLevel']);
const KINDS = ['explode', 'vanish', 'diverge', 'all'] as const;

/**
 * An event as the console shows it (`options.print`): level, message, and the diagnosis indented below.
 * @param e the event.
 * @throws {TypeError} e is not an event.
 */
export function formatEvent(e: MonitorEvent): string {
  if (e === null || typeof e !== 'object' || typeof e.message !== 'string') invalidArg('e', 'a MonitorEvent', e);
  return `gradguard monitor [${e.level}] ${e.message}\n  ${e.diagnosis}`;
}

function isStoreLike(v: unknown): v is { grads: FlatTensors } {
  return v !== null && typeof v === 'object' && (v as { grads?: unknown }).grads instanceof FlatTensors;
}

/**
 * Gradient health every step from one `gradStats` pass (total and per-parameter L2 norms,
 * non-finite count), kept in a bounded history, with detectors that raise leveled events ('info',
 * 'warning', 'error'): exploding gradients (non-finite: error; a spike or sustained growth: warning,
 * or info when clipping absorbed it or the loss is falling), a clipped run pinned at its threshold,
 * a recurrent spectral radius above 1, vanishing or collapsed (dead, zeroed) layers, and loss
 * divergence (error). Diagnoses know the run (clipping, optimiser, lr, schedule, normalisation,
 * initialisation: `options.run`, {@link GradientMonitor.describeRun}, or a Trainer) and name the
 * likely cause with its figure. Loop-agnostic: any training loop calls `record(step, loss)` after
 * the backward pass and before clipping (so it sees the raw gradients); recording every k-th step
 * works too. The Trainer does it with its `monitor` option. Events and step summaries can go to a
 * JSONL file or stream (`options.jsonl`), the history renders as a report
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
  private readonly listeners = new Map<MonitorEventKind | 'all', Map<Listener, number>>();
  /** Run on every step, in order (MonitorOptions.detectors, or the built-in ones). */
  private readonly detectors: readonly Detector[];
  /** What the monitor knows of the run (MonitorOptions.run, describeRun, a Trainer). */
  private readonly run: ResolvedRunContext;
  private readonly params: readonly ParamView[];
  private readonly jsonl: JsonlSink | null;
  // Summary state over every recorded step.
  private recorded = 0;
  private nonFiniteSteps = 0;
  private maxTotal = -Infinity;
  private minLoss = Infinity;
  private last = -Infinity;
  private readonly eventCounts = { explode: 0, vanish: 0, diverge: 0 };
  private readonly levelCounts = { info: 0, warning: 0, error: 0 };

  /**
   * @param params an `nn` model (packed into its flat store, parameters named "0.weight" …), named
   *   gradients (`[{ name, grad, data? }]`; each `grad` is re-read every step) or a ParamStore
   *   (`{ grads }`; names from `options.names`).
   * @param options names (for a ParamStore), history sizes, detector settings, the run's context,
   *   `onEvent`, console printing and JSONL output.
   * @throws {TypeError|RangeError} params that are not one of those, duplicate names, a bad option.
   */
  constructor(params: Module | readonly NamedGrad[] | { grads: FlatTensors }, options?: MonitorOptions) {
    this.opt = resolveOptions(options);
    const o = options ?? {};
    if (params instanceof Module) {
      // The model's own store (the one a Trainer and its optimiser use): packing first means the
      // monitor reads the same gradients the step clips and applies.
      this.grads = params.paramStore().grads;
      const named = params.namedParameters();
      this.names = named.map(([n]) => n);
      // Getters: the weights are read only when an event fires, from wherever they live then.
      this.params = named.map(([name, p]) => ({ name, get data() { return p.data; }, shape: p.shape }));
    } else if (isStoreLike(params)) {
      this.grads = params.grads;
      const n = params.grads.length;
      if (o.names !== undefined && (!Array.isArray(o.names) || o.names.length !== n || !o.names.every((s) => typeof s === 'string'))) {
        invalidArg('options.names', `an array of ${n} strings (one per tensor of the store)`, o.names, Array.isArray(o.names) ? 'range' : 'type');
      }
      this.names = o.names ? [...o.names] : Array.from({ length: n }, (_, i) => `param${i}`);
      const store = (params as { params?: unknown }).params;
      const data = store instanceof FlatTensors && store.length === n ? store : null;
      this.params = this.names.map((name, i) => ({ name, data: data ? data.views[i] : null, shape: params.grads.shapes[i] ?? null }));
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
      this.params = params.map((p) => ({ name: p.name, get data() { return p.data instanceof Float32Array ? p.data : null; }, shape: Array.isArray(p.shape) ? p.shape : null }));
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
    this.detectors = this.opt.detectors ?? [
      new ExplodeDetector(this.opt.explode),
      new VanishDetector(this.opt.vanish),
      new CollapseDetector(this.opt.collapse),
      new ClipPinnedDetector(this.opt.clipPinned),
      new SpectralDetector(this.opt.spectral),
      new DivergeDetector(this.opt.diverge),
    ];
    this.run = this.opt.run;
    this.jsonl = this.opt.jsonl ? new JsonlSink(this.opt.jsonl, () => ({ names: [...this.names], historySize: this.opt.historySize, run: { ...this.run } })) : null;
  }

  /**
   * Tells the monitor about the run (merged into what it knows): the clip threshold (null: none),
   * optimiser, learning rate, schedule, normalisation and initialisation. Its levels and diagnoses
   * follow: a clipped run is never told to clip, and a spike clipping absorbed is 'info'. A Trainer
   * given this monitor calls it. Returns this.
   * @param run the fields to set (each optional; null = none/unknown).
   * @throws {TypeError|RangeError} an unknown key or a field of the wrong type.
   */
  describeRun(run: RunContext): this {
    const before = JSON.stringify(this.run);
    mergeRun(this.run, run, 'GradientMonitor.describeRun: run');
    // A JSONL log notes context changes other than the learning rate (a schedule moves it every step).
    if (this.jsonl && this.recorded > 0 && JSON.stringify({ ...this.run, lr: null }) !== JSON.stringify({ ...JSON.parse(before), lr: null })) {
      this.jsonl.write({ type: 'run', step: this.last, run: { ...this.run } });
    }
    return this;
  }

  /** The least level `options.print` writes to the console, or null when it prints nothing (the default). */
  get printLevel(): MonitorEventLevel | null {
    return this.opt.print;
  }

  /** What the monitor knows of the run (a copy). */
  get runContext(): Readonly<ResolvedRunContext> {
    return { ...this.run };
  }

  /** Closes the JSONL file, if any (later lines are dropped; a stream is left open). */
  close(): void {
    this.jsonl?.close();
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
   * Calls `fn` with every event of that kind (or of every kind, 'all') at or above `minLevel`
   * (after `options.onEvent`). Returns this.
   * @param kind 'explode', 'vanish', 'diverge' or 'all'.
   * @param fn called with each MonitorEvent of that kind, synchronously inside `record`.
   * @param options `minLevel`: the least serious level heard (default 'info': all).
   * @throws {TypeError|RangeError} an unknown kind or level, or a non-function.
   */
  on(kind: MonitorEventKind | 'all', fn: Listener, options?: ListenerOptions): this {
    if (!KINDS.includes(kind)) invalidArg('kind', '"explode", "vanish", "diverge" or "all"', kind, typeof kind === 'string' ? 'range' : 'type');
    if (typeof fn !== 'function') invalidArg('fn', 'a function', fn);
    const o = checkOptions('GradientMonitor.on: options', options, LISTENER_KEYS);
    const min = o.minLevel === undefined ? 0 : levelRank(checkLevel('options.minLevel', o.minLevel));
    let set = this.listeners.get(kind);
    if (!set) this.listeners.set(kind, (set = new Map()));
    set.set(fn, min);
    return this;
  }

  /**
   * Removes a listener added with `on` (nothing happens if it is not there). Returns this.
   * @param kind the kind it was added for.
   * @param fn the same function.
   */
  off(kind: MonitorEventKind | 'all', fn: Listener): this {
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
    const input = { step, loss, stats, names: this.names, history: this.norms, losses: this.losses, totals: this.totals, run: this.run, params: this.params };
    this.detectors.forEach((d, i) => {
      for (const e of d.check(input) as readonly DetectorEvent[]) {
        if (e === null || typeof e !== 'object' || !(e.kind in this.eventCounts)) {
          invalidArg(`options.detectors[${i}].check(...)`, 'events of kind "explode", "vanish" or "diverge"', e, 'range');
        }
        if (e.level !== undefined && !LEVELS.includes(e.level)) invalidArg(`options.detectors[${i}].check(...)`, 'events whose level is "info", "warning" or "error"', e, 'range');
        // An event without a level (a detector written before levels) is a warning.
        raised.push(e.level === undefined ? { ...e, level: 'warning' } : (e as MonitorEvent));
      }
    });
    this.push(step, loss ?? NaN, stats);
    if (this.jsonl && (raised.length > 0 || (this.recorded - 1) % this.jsonl.every === 0 || !Number.isFinite(stats.totalNorm))) {
      this.jsonl.write({ type: 'step', step, recorded: this.recorded, loss: jsonNumber(loss ?? NaN), totalNorm: jsonNumber(stats.totalNorm), norms: Array.from(stats.perTensorNorms, jsonNumber) });
    }
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

  private emit(e: MonitorEvent): void {
    this.eventCounts[e.kind]++;
    this.levelCounts[e.level]++;
    if (this.opt.maxEvents > 0) {
      if (this.events.length >= this.opt.maxEvents) this.events.shift();
      this.events.push(e);
    }
    this.jsonl?.write({ type: 'event', ...e });
    const rank = levelRank(e.level);
    if (this.opt.print !== null && rank >= levelRank(this.opt.print)) console.error(formatEvent(e));
    if (this.opt.onEvent && rank >= levelRank(this.opt.onEventLevel)) this.opt.onEvent(e);
    for (const set of [this.listeners.get(e.kind), this.listeners.get('all')]) {
      for (const [fn, min] of set ?? []) if (rank >= min) fn(e);
    }
  }

  /**
   * The kept events at or above a level, oldest first.
   * @param minLevel 'info' (all), 'warning' or 'error'.
   * @throws {TypeError|RangeError} an unknown level.
   */
  eventsAtLeast(minLevel: MonitorEventLevel): MonitorEvent[] {
    const min = levelRank(checkLevel('minLevel', minLevel));
    return this.events.filter((e) => levelRank(e.level) >= min);
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
      levelCounts: { ...this.levelCounts },
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

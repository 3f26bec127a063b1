/** The monitor's options, their defaults and their validation (TypeError/RangeError naming the option). */
import { invalidArg } from '../errors.js';
import { checkInteger, checkOptions, optionKeys } from '../validate/index.js';
import type { Detector } from './detectors/detector.js';
import type { MonitorEvent } from './events.js';

/** Exploding-gradient detector: non-finite norms at once, and norms far above their recent median. */
export interface ExplodeOptions {
  /** A norm above `factor` × its median over the last `window` steps is a spike. Default 10. */
  factor?: number;
  /** Steps in the median window. Default 50. */
  window?: number;
  /** Steps of history needed before spikes are judged (non-finite norms are flagged from step one). Default 10. */
  minHistory?: number;
  /** Steps after a spike event during which further spikes are not reported (one event per burst). Default 50. */
  cooldown?: number;
}

const EXPLODE_KEYS = optionKeys<ExplodeOptions>()(['factor', 'window', 'minHistory', 'cooldown']);

/** Vanishing-gradient detector: a layer's norm below a floor, or far below the other layers', for many steps. */
export interface VanishOptions {
  /** A layer norm below this absolute floor counts as vanished. Default 1e-8. */
  floor?: number;
  /** …or below `ratio` × the median norm of the other layers at the same step. Default 1e-4. */
  ratio?: number;
  /** Consecutive steps either condition must hold before an event. Default 100. */
  patience?: number;
}

const VANISH_KEYS = optionKeys<VanishOptions>()(['floor', 'ratio', 'patience']);

/** Loss-divergence detector: a non-finite loss at once, or the smoothed loss far above its running minimum. */
export interface DivergeOptions {
  /** The smoothed loss above `factor` × its running minimum counts as divergence. Default 4. */
  factor?: number;
  /** Consecutive steps that must hold before an event (a non-finite loss is flagged at once). Default 20. */
  patience?: number;
  /** Exponential smoothing of the loss, β in [0, 1) (0 = raw loss; 0.98 ≈ a 50-step average, so a short bump is not divergence). Default 0.98. */
  smoothing?: number;
  /** Steps before the running minimum starts (the first losses of a run are not a baseline). Default 50. */
  warmup?: number;
}

const DIVERGE_KEYS = optionKeys<DivergeOptions>()(['factor', 'patience', 'smoothing', 'warmup']);

/** Options of {@link GradientMonitor}; every figure has a default. */
export interface MonitorOptions {
  /** Names of a ParamStore's tensors (a named list brings its own). Default `param0`, `param1`, … */
  names?: readonly string[];
  /** Steps kept in the history (a ring buffer: older steps are dropped). Default 10,000. */
  historySize?: number;
  /** Events kept in the history (the oldest are dropped). Default 1,000. */
  maxEvents?: number;
  /** The exploding-gradient detector's settings. */
  explode?: ExplodeOptions;
  /** The vanishing-gradient detector's settings. */
  vanish?: VanishOptions;
  /** The loss-divergence detector's settings. */
  diverge?: DivergeOptions;
  /**
   * The detectors to run, in order, instead of the built-in three (`new ExplodeDetector(explode)`,
   * `new VanishDetector(vanish)`, `new DivergeDetector(diverge)`): configured instances of those,
   * your own {@link monitor.Detector}s, or both. With `detectors`, the explode/vanish/diverge options
   * are refused (configure the instances you pass instead). Each instance serves one monitor.
   */
  detectors?: readonly Detector[];
  /**
   * Called with every event, like `on(kind, fn)` for all kinds.
   * @param e the event.
   */
  onEvent?: (e: MonitorEvent) => void;
}

const MONITOR_KEYS = optionKeys<MonitorOptions>()(['names', 'historySize', 'maxEvents', 'explode', 'vanish', 'diverge', 'detectors', 'onEvent']);

export interface ResolvedOptions {
  historySize: number;
  maxEvents: number;
  explode: Required<ExplodeOptions>;
  vanish: Required<VanishOptions>;
  diverge: Required<DivergeOptions>;
  /** The detectors given, or null for the built-in three. */
  detectors: readonly Detector[] | null;
  onEvent: ((e: MonitorEvent) => void) | null;
}

function positive(name: string, v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number') invalidArg(name, 'a number', v);
  if (!(v > 0) || !Number.isFinite(v)) invalidArg(name, 'a finite number > 0', v, 'range');
  return v;
}

function int(name: string, v: unknown, dflt: number, lo: number): number {
  return v === undefined ? dflt : checkInteger(name, v, lo, 2 ** 31 - 1);
}

/** The explode detector's options with defaults; `name` prefixes the option names in errors. */
export function resolveExplode(options: unknown, name: string): Required<ExplodeOptions> {
  const ex = checkOptions(name, options, EXPLODE_KEYS);
  return {
    factor: positive(`${name}.factor`, ex.factor, 10),
    window: int(`${name}.window`, ex.window, 50, 1),
    minHistory: int(`${name}.minHistory`, ex.minHistory, 10, 1),
    cooldown: int(`${name}.cooldown`, ex.cooldown, 50, 0),
  };
}

/** The vanish detector's options with defaults. */
export function resolveVanish(options: unknown, name: string): Required<VanishOptions> {
  const va = checkOptions(name, options, VANISH_KEYS);
  return {
    floor: positive(`${name}.floor`, va.floor, 1e-8),
    ratio: positive(`${name}.ratio`, va.ratio, 1e-4),
    patience: int(`${name}.patience`, va.patience, 100, 1),
  };
}

/** The diverge detector's options with defaults. */
export function resolveDiverge(options: unknown, name: string): Required<DivergeOptions> {
  const di = checkOptions(name, options, DIVERGE_KEYS);
  const smoothing = di.smoothing === undefined ? 0.98 : di.smoothing;
  if (typeof smoothing !== 'number') invalidArg(`${name}.smoothing`, 'a number', smoothing);
  if (!(smoothing >= 0 && smoothing < 1)) invalidArg(`${name}.smoothing`, 'a number in [0, 1)', smoothing, 'range');
  return {
    factor: positive(`${name}.factor`, di.factor, 4),
    patience: int(`${name}.patience`, di.patience, 20, 1),
    smoothing,
    warmup: int(`${name}.warmup`, di.warmup, 50, 0),
  };
}

function detectorList(o: Record<string, unknown>): readonly Detector[] | null {
  const d = o.detectors;
  if (d === undefined) return null;
  if (!Array.isArray(d)) invalidArg('options.detectors', 'an array of detectors (objects with a check(input) method)', d);
  d.forEach((x: unknown, i) => {
    if (x === null || typeof x !== 'object' || typeof (x as Detector).check !== 'function') {
      invalidArg(`options.detectors[${i}]`, 'a detector (an object with a check(input) method)', x);
    }
  });
  for (const k of ['explode', 'vanish', 'diverge'] as const) {
    if (o[k] !== undefined) invalidArg(`options.${k}`, 'absent when options.detectors is given (configure the detectors you pass)', o[k], 'range');
  }
  return [...d] as Detector[];
}

export function resolveOptions(options: unknown, name = 'new GradientMonitor: options'): ResolvedOptions {
  const o = checkOptions(name, options, MONITOR_KEYS);
  if (o.onEvent !== undefined && typeof o.onEvent !== 'function') invalidArg('options.onEvent', 'a function', o.onEvent);
  const detectors = detectorList(o);
  return {
    historySize: int('options.historySize', o.historySize, 10_000, 1),
    maxEvents: int('options.maxEvents', o.maxEvents, 1000, 0),
    explode: resolveExplode(o.explode, `${name}.explode`),
    vanish: resolveVanish(o.vanish, `${name}.vanish`),
    diverge: resolveDiverge(o.diverge, `${name}.diverge`),
    detectors,
    onEvent: (o.onEvent as ResolvedOptions['onEvent']) ?? null,
  };
}

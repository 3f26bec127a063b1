/** The monitor's options, their defaults and their validation (TypeError/RangeError naming the option). */
import { invalidArg } from '../errors.js';
import { checkInteger, checkOptions } from '../validate/index.js';
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

/** Vanishing-gradient detector: a layer's norm below a floor, or far below the other layers', for many steps. */
export interface VanishOptions {
  /** A layer norm below this absolute floor counts as vanished. Default 1e-8. */
  floor?: number;
  /** …or below `ratio` × the median norm of the other layers at the same step. Default 1e-4. */
  ratio?: number;
  /** Consecutive steps either condition must hold before an event. Default 100. */
  patience?: number;
}

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
   * Called with every event, like `on(kind, fn)` for all kinds.
   * @param e the event.
   */
  onEvent?: (e: MonitorEvent) => void;
}

export interface ResolvedOptions {
  historySize: number;
  maxEvents: number;
  explode: Required<ExplodeOptions>;
  vanish: Required<VanishOptions>;
  diverge: Required<DivergeOptions>;
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

export function resolveOptions(options: unknown): ResolvedOptions {
  const o = checkOptions('options', options);
  const ex = checkOptions('options.explode', o.explode);
  const va = checkOptions('options.vanish', o.vanish);
  const di = checkOptions('options.diverge', o.diverge);
  if (o.onEvent !== undefined && typeof o.onEvent !== 'function') invalidArg('options.onEvent', 'a function', o.onEvent);
  const smoothing = di.smoothing === undefined ? 0.98 : di.smoothing;
  if (typeof smoothing !== 'number') invalidArg('options.diverge.smoothing', 'a number', smoothing);
  if (!(smoothing >= 0 && smoothing < 1)) invalidArg('options.diverge.smoothing', 'a number in [0, 1)', smoothing, 'range');
  return {
    historySize: int('options.historySize', o.historySize, 10_000, 1),
    maxEvents: int('options.maxEvents', o.maxEvents, 1000, 0),
    explode: {
      factor: positive('options.explode.factor', ex.factor, 10),
      window: int('options.explode.window', ex.window, 50, 1),
      minHistory: int('options.explode.minHistory', ex.minHistory, 10, 1),
      cooldown: int('options.explode.cooldown', ex.cooldown, 50, 0),
    },
    vanish: {
      floor: positive('options.vanish.floor', va.floor, 1e-8),
      ratio: positive('options.vanish.ratio', va.ratio, 1e-4),
      patience: int('options.vanish.patience', va.patience, 100, 1),
    },
    diverge: {
      factor: positive('options.diverge.factor', di.factor, 4),
      patience: int('options.diverge.patience', di.patience, 20, 1),
      smoothing,
      warmup: int('options.diverge.warmup', di.warmup, 50, 0),
    },
    onEvent: (o.onEvent as ResolvedOptions['onEvent']) ?? null,
  };
}

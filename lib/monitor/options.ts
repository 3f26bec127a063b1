/** The monitor's options, their defaults and their validation (TypeError/RangeError naming the option). */
import { invalidArg } from '../errors.js';
import { checkInteger, checkOptions, optionKeys } from '../validate/index.js';
import type { Detector } from './detectors/detector.js';
import { LEVELS, type MonitorEvent, type MonitorEventLevel } from './events.js';
import { checkJsonlOptions, type JsonlOptions, type JsonlTarget } from './jsonl.js';
import { emptyRun, mergeRun, type ResolvedRunContext, type RunContext } from './run-context.js';

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
  /** Sustained growth: the median of the last `growthSteps` norms above `growthFactor` × the window's median. Default 5. */
  growthFactor?: number;
  /** Steps whose median is compared for sustained growth (1 turns growth off). Default 5. */
  growthSteps?: number;
}

const EXPLODE_KEYS = optionKeys<ExplodeOptions>()(['factor', 'window', 'minHistory', 'cooldown', 'growthFactor', 'growthSteps']);

/** Collapse detector: a layer's gradient falls to (nearly) zero from its own recent level within a few steps (dead units, a detached or zeroed layer). */
export interface CollapseOptions {
  /** A norm below `ratio` × the layer's recent level (an EMA of its norms) counts as collapsed. Default 1e-3. */
  ratio?: number;
  /** Consecutive collapsed steps before an event. Default 3. */
  patience?: number;
  /** Steps of history before collapses are judged. Default 10. */
  minHistory?: number;
}

const COLLAPSE_KEYS = optionKeys<CollapseOptions>()(['ratio', 'patience', 'minHistory']);

/** Clip-pinned detector (clipped runs only): the raw total norm above the clip threshold on most recent steps. */
export interface ClipPinnedOptions {
  /** Fraction of the last `window` steps above the threshold that raises a warning. Default 0.9. */
  fraction?: number;
  /** Steps looked at (and the least number between two events). Default 200. */
  window?: number;
}

const CLIP_PINNED_KEYS = optionKeys<ClipPinnedOptions>()(['fraction', 'window']);

/** Spectral-radius check of recurrent weights (names like weight_hh), on the first recorded step. */
export interface SpectralOptions {
  /** A spectral radius above this is reported ('warning' in an unclipped run, 'info' in a clipped one). Default 1.1. */
  maxRadius?: number;
}

const SPECTRAL_KEYS = optionKeys<SpectralOptions>()(['maxRadius']);

/** Vanishing-gradient detector: a layer's norm below a floor, or far below the other layers', for many steps. */
export interface VanishOptions {
  /** A layer norm below this absolute floor counts as vanished. Default 1e-8. */
  floor?: number;
  /** …or below `ratio` × the median norm of the other layers at the same step. Default 1e-4. */
  ratio?: number;
  /** Consecutive steps either condition must hold before an event. Default 100. */
  patience?: number;
  /**
   * The start-of-run check (a deep plain network whose gradients vanish from step 1 is flagged after
   * `startSteps` steps, not `patience`): a parameter whose norm is below `startRatio` × the largest
   * norm among the parameters after it (nearer the output) on each of the first `startSteps`
   * recorded steps. Default 3; 0 turns the check off.
   */
  startSteps?: number;
  /**
   * The start-of-run check's ratio. Default 1e-6: the plain 20-convolution CNN of the demo's part 3
   * has its first convolutions ≈ 1e-9 × its head on the first steps; on the evaluation's healthy runs the lowest figure is 1.4e-4 (the cured CNN's residual branches), most are above 1e-2.
   */
  startRatio?: number;
}

const VANISH_KEYS = optionKeys<VanishOptions>()(['floor', 'ratio', 'patience', 'startSteps', 'startRatio']);

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
  /**
   * The rise must also undo at least this fraction of the progress made: of the fall from the smoothed
   * loss after warm-up to the minimum (0 turns this off). A converged run's bump from 0.003 to 0.013 is
   * 4× its minimum but undoes 4 % of its fall from 0.28: not divergence. Default 0.25.
   */
  retrace?: number;
}

const DIVERGE_KEYS = optionKeys<DivergeOptions>()(['factor', 'patience', 'smoothing', 'warmup', 'retrace']);

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
  /** The collapse (dead or zeroed layer) detector's settings. */
  collapse?: CollapseOptions;
  /** The clip-pinned detector's settings (it runs only when the run's clip threshold is known). */
  clipPinned?: ClipPinnedOptions;
  /** The recurrent spectral-radius check's settings. */
  spectral?: SpectralOptions;
  /**
   * The detectors to run, in order, instead of the built-in ones (`ExplodeDetector`,
   * `VanishDetector`, `CollapseDetector`, `ClipPinnedDetector`, `SpectralDetector`,
   * `DivergeDetector`, each with its options): configured instances of those, your own
   * {@link monitor.Detector}s, or both. With `detectors`, the built-in detectors' options are refused
   * (configure the instances you pass instead). Each instance serves one monitor.
   */
  detectors?: readonly Detector[];
  /**
   * What the monitor knows of the run, for its levels and diagnoses: the clip threshold, optimiser,
   * learning rate, schedule, normalisation, initialisation. A Trainer given this monitor fills it in.
   */
  run?: RunContext;
  /**
   * Called with every event at or above `onEventLevel`, like `on('all', fn)`.
   * @param e the event.
   */
  onEvent?: (e: MonitorEvent) => void;
  /** The least serious level `onEvent` hears. Default 'info' (every event). */
  onEventLevel?: MonitorEventLevel;
  /**
   * Print events to the console (stderr) as they happen: true for warnings and errors, a level for
   * that level and above, false (default) for none.
   */
  print?: boolean | MonitorEventLevel;
  /**
   * Write events and per-step summaries as JSON lines, for log shippers and `gradguard report`: a
   * file path (appended to; reopened when rotated), a stream (anything with `write(string)`), or
   * `{ path | stream, every }` to write a step line every `every` recorded steps (default 1).
   */
  jsonl?: string | JsonlTarget | JsonlOptions;
}

const MONITOR_KEYS = optionKeys<MonitorOptions>()([
  'names', 'historySize', 'maxEvents', 'explode', 'vanish', 'diverge', 'collapse', 'clipPinned', 'spectral', 'detectors', 'run', 'onEvent', 'onEventLevel', 'print', 'jsonl',
]);

export interface ResolvedOptions {
  historySize: number;
  maxEvents: number;
  explode: Required<ExplodeOptions>;
  vanish: Required<VanishOptions>;
  diverge: Required<DivergeOptions>;
  collapse: Required<CollapseOptions>;
  clipPinned: Required<ClipPinnedOptions>;
  spectral: Required<SpectralOptions>;
  /** The detectors given, or null for the built-in ones. */
  detectors: readonly Detector[] | null;
  run: ResolvedRunContext;
  onEvent: ((e: MonitorEvent) => void) | null;
  onEventLevel: MonitorEventLevel;
  /** The least level printed, or null for none. */
  print: MonitorEventLevel | null;
  jsonl: JsonlOptions | null;
}

/** A level option: one of 'info', 'warning', 'error'. */
export function checkLevel(name: string, v: unknown): MonitorEventLevel {
  if (typeof v !== 'string') invalidArg(name, '"info", "warning" or "error"', v);
  if (!LEVELS.includes(v as MonitorEventLevel)) invalidArg(name, '"info", "warning" or "error"', v, 'range');
  return v as MonitorEventLevel;
}

function positive(name: string, v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number') invalidArg(name, 'a number', v);
  if (!(v > 0) || !Number.isFinite(v)) invalidArg(name, 'a finite number > 0', v, 'range');
  return v;
}

function fractionOrZero(name: string, v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number') invalidArg(name, 'a number', v);
  if (!(v >= 0 && v <= 1)) invalidArg(name, 'a number in [0, 1]', v, 'range');
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
    growthFactor: positive(`${name}.growthFactor`, ex.growthFactor, 5),
    growthSteps: int(`${name}.growthSteps`, ex.growthSteps, 5, 1),
  };
}

/** The collapse detector's options with defaults. */
export function resolveCollapse(options: unknown, name: string): Required<CollapseOptions> {
  const c = checkOptions(name, options, COLLAPSE_KEYS);
  return {
    ratio: positive(`${name}.ratio`, c.ratio, 1e-3),
    patience: int(`${name}.patience`, c.patience, 3, 1),
    minHistory: int(`${name}.minHistory`, c.minHistory, 10, 1),
  };
}

/** The clip-pinned detector's options with defaults. */
export function resolveClipPinned(options: unknown, name: string): Required<ClipPinnedOptions> {
  const c = checkOptions(name, options, CLIP_PINNED_KEYS);
  const fraction = positive(`${name}.fraction`, c.fraction, 0.9);
  if (fraction > 1) invalidArg(`${name}.fraction`, 'a number in (0, 1]', fraction, 'range');
  return { fraction, window: int(`${name}.window`, c.window, 200, 1) };
}

/** The spectral-radius check's options with defaults. */
export function resolveSpectral(options: unknown, name: string): Required<SpectralOptions> {
  const c = checkOptions(name, options, SPECTRAL_KEYS);
  return { maxRadius: positive(`${name}.maxRadius`, c.maxRadius, 1.1) };
}

/** The vanish detector's options with defaults. */
export function resolveVanish(options: unknown, name: string): Required<VanishOptions> {
  const va = checkOptions(name, options, VANISH_KEYS);
  return {
    floor: positive(`${name}.floor`, va.floor, 1e-8),
    ratio: positive(`${name}.ratio`, va.ratio, 1e-4),
    patience: int(`${name}.patience`, va.patience, 100, 1),
    startSteps: int(`${name}.startSteps`, va.startSteps, 3, 0),
    startRatio: positive(`${name}.startRatio`, va.startRatio, 1e-6),
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
    retrace: fractionOrZero(`${name}.retrace`, di.retrace, 0.25),
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
  for (const k of ['explode', 'vanish', 'diverge', 'collapse', 'clipPinned', 'spectral'] as const) {
    if (o[k] !== undefined) invalidArg(`options.${k}`, 'absent when options.detectors is given (configure the detectors you pass)', o[k], 'range');
  }
  return [...d] as Detector[];
}

export function resolveOptions(options: unknown, name = 'new GradientMonitor: options'): ResolvedOptions {
  const o = checkOptions(name, options, MONITOR_KEYS);
  if (o.onEvent !== undefined && typeof o.onEvent !== 'function') invalidArg('options.onEvent', 'a function', o.onEvent);
  const detectors = detectorList(o);
  let print: MonitorEventLevel | null = null;
  if (o.print === true) print = 'warning';
  else if (o.print !== undefined && o.print !== false) print = checkLevel('options.print', o.print);
  return {
    historySize: int('options.historySize', o.historySize, 10_000, 1),
    maxEvents: int('options.maxEvents', o.maxEvents, 1000, 0),
    explode: resolveExplode(o.explode, `${name}.explode`),
    vanish: resolveVanish(o.vanish, `${name}.vanish`),
    diverge: resolveDiverge(o.diverge, `${name}.diverge`),
    collapse: resolveCollapse(o.collapse, `${name}.collapse`),
    clipPinned: resolveClipPinned(o.clipPinned, `${name}.clipPinned`),
    spectral: resolveSpectral(o.spectral, `${name}.spectral`),
    detectors,
    run: mergeRun(emptyRun(), o.run, `${name}.run`),
    onEvent: (o.onEvent as ResolvedOptions['onEvent']) ?? null,
    onEventLevel: o.onEventLevel === undefined ? 'info' : checkLevel('options.onEventLevel', o.onEventLevel),
    print,
    jsonl: o.jsonl === undefined ? null : checkJsonlOptions(o.jsonl, 'options.jsonl'),
  };
}

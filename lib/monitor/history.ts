/**
 * The monitor's serialisable history (`GradientMonitor.toJSON()`): plain JSON, so it can be written
 * to disk, sent to a dashboard or rendered later by `renderReport`. JSON has no NaN/Infinity: a
 * non-finite value is written as null in the series (the events keep the exact figure as a string
 * in their message, and `nonFiniteSteps` counts them).
 */
import type { MonitorEvent } from './events.js';

/** The `format` tag of a {@link MonitorHistory}. */
export const HISTORY_FORMAT = 'gradguard.monitor/1';

/** Figures over a monitored run (`GradientMonitor.summary()`), JSON-safe. */
export interface MonitorSummary {
  /** Steps recorded in total (the series keep only the last `historySize`). */
  recorded: number;
  /** Steps whose total gradient norm was NaN or ±Infinity. */
  nonFiniteSteps: number;
  /** Largest finite total gradient norm over every recorded step (null before any). */
  maxTotalNorm: number | null;
  /** Median finite total gradient norm over the kept history (null when none). */
  medianTotalNorm: number | null;
  /** The last recorded loss (null when none or non-finite). */
  lastLoss: number | null;
  /** Smallest finite loss recorded (null when none). */
  minLoss: number | null;
  /** Events raised, by kind (including those dropped from `events`). */
  eventCounts: {
    /** Exploding-gradient events. */
    explode: number;
    /** Vanishing-gradient events. */
    vanish: number;
    /** Loss-divergence events. */
    diverge: number;
  };
  /** Events raised, by level (absent in histories written before levels existed). */
  levelCounts?: {
    /** Informational events (a spike clipping absorbed, a phase change). */
    info: number;
    /** Warnings. */
    warning: number;
    /** Errors (non-finite gradients or loss, divergence). */
    error: number;
  };
}

/**
 * The monitor's serialisable history (`GradientMonitor.toJSON()`): plain JSON, so it can be written
 * to disk, sent to a dashboard or rendered later by {@link renderReport}. JSON has no NaN/Infinity: a
 * non-finite value is null in the series (the events keep the exact figure in their message, and
 * `summary.nonFiniteSteps` counts them).
 */
export interface MonitorHistory {
  /** Always {@link HISTORY_FORMAT}. */
  format: typeof HISTORY_FORMAT;
  /** Parameter names, in the order of `norms`. */
  names: string[];
  /** The monitor's `historySize` option: the most steps the series keep. */
  historySize: number;
  /** The kept steps, oldest first, and the series aligned with them. */
  steps: number[];
  /** The loss at each kept step (null when absent or non-finite). */
  loss: (number | null)[];
  /** The total L2 gradient norm at each kept step (null when non-finite). */
  totalNorm: (number | null)[];
  /** Each parameter's L2 gradient norm at each kept step, by name. */
  norms: Record<string, (number | null)[]>;
  /** The kept events (the last `maxEvents`), oldest first. */
  events: MonitorEvent[];
  /** Figures over the run. */
  summary: MonitorSummary;
}

/** A number for JSON: non-finite → null. */
export const jsonNumber = (v: number): number | null => (Number.isFinite(v) ? v : null);

/**
 * Whether a value (e.g. `JSON.parse` of a file) has a MonitorHistory's shape: the format tag and
 * the arrays and objects in place (the numbers themselves are not checked).
 * @param v any value.
 */
export function isMonitorHistory(v: unknown): v is MonitorHistory {
  if (v === null || typeof v !== 'object') return false;
  const h = v as Partial<MonitorHistory>;
  return (
    h.format === HISTORY_FORMAT &&
    Array.isArray(h.names) &&
    Array.isArray(h.steps) &&
    Array.isArray(h.loss) &&
    Array.isArray(h.totalNorm) &&
    h.norms !== null &&
    typeof h.norms === 'object' &&
    h.names.every((n) => Array.isArray((h.norms as Record<string, unknown>)[n])) &&
    Array.isArray(h.events) &&
    h.summary !== null &&
    typeof h.summary === 'object'
  );
}

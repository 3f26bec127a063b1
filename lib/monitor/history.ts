/**
 * The monitor's serialisable history (`GradientMonitor.toJSON()`): plain JSON, so it can be written
 * to disk, sent to a dashboard or rendered later by `renderReport`. JSON has no NaN/Infinity: a
 * non-finite value is written as null in the series (the events keep the exact figure as a string
 * in their message, and `nonFiniteSteps` counts them).
 */
import type { MonitorEvent } from './events.js';

export const HISTORY_FORMAT = 'gradguard.monitor/1';

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
  eventCounts: { explode: number; vanish: number; diverge: number };
}

export interface MonitorHistory {
  format: typeof HISTORY_FORMAT;
  /** Parameter names, in the order of `norms`. */
  names: string[];
  historySize: number;
  /** The kept steps, oldest first, and the series aligned with them. */
  steps: number[];
  loss: (number | null)[];
  totalNorm: (number | null)[];
  norms: Record<string, (number | null)[]>;
  events: MonitorEvent[];
  summary: MonitorSummary;
}

/** A number for JSON: non-finite → null. */
export const jsonNumber = (v: number): number | null => (Number.isFinite(v) ? v : null);

/** Reads a history back (e.g. from a file), checking its shape. */
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

/**
 * A compact terminal table of one or more runs, side by side (runs as columns, figures as rows), drawn
 * with cli-table3. Extra rows (e.g. time, test error) can be added per run.
 */
import Table from 'cli-table3';
import { resolveRuns, type ReportRun } from './report-spec.js';
import { invalidArg } from '../errors.js';
import type { MonitorHistory } from './history.js';
import { checkOptions, optionKeys } from '../validate/index.js';

/** Options of {@link summaryTable}. */
export interface SummaryTableOptions {
  /** Extra rows: label → one value per run (in the runs' order), printed after the monitor's figures. */
  extraRows?: Record<string, readonly string[]>;
  /** Draw with ASCII characters only (for logs that mangle box-drawing). Default false. */
  ascii?: boolean;
}

const SUMMARY_TABLE_OPTION_KEYS = optionKeys<SummaryTableOptions>()(['extraRows', 'ascii']);

/**
 * A figure as the table prints it: 3 significant digits, exponent form for |v| >= 1e4 or < 1e-3, '—' for null.
 * @param v a number, or null for a missing one.
 */
export const formatFigure = (v: number | null): string =>
  v === null ? '—' : typeof v !== 'number' ? invalidArg('v', 'a number or null', v) : Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(2) : String(+v.toPrecision(3));

/** 'errors / warnings' of a run (a history written before levels: its kept events without a level are warnings). */
function levels(h: MonitorHistory, s: MonitorHistory['summary']): string {
  const c = s.levelCounts ?? { error: 0, warning: h.events.filter((e) => (e.level ?? 'warning') === 'warning').length };
  return `${c.error} / ${c.warning}`;
}

/**
 * A compact terminal table of one or more runs side by side (runs as columns; steps, final loss,
 * max and median gradient norm, non-finite steps, errors / warnings, info events, event counts by kind as rows), drawn with cli-table3.
 * @param runs one or more `{ name, history }`, names unique; history is a GradientMonitor or its `toJSON()`.
 * @param options extra rows (label → one value per run) and ASCII-only drawing.
 * @returns the table as a string (no trailing newline).
 * @throws {TypeError|RangeError} malformed runs or options.
 */
export function summaryTable(runs: readonly ReportRun[], options?: SummaryTableOptions): string {
  const r = resolveRuns(runs);
  checkOptions('monitor.summaryTable: options', options, SUMMARY_TABLE_OPTION_KEYS);
  const ascii = options?.ascii ?? false;
  // No rule between body rows: compact.
  const compact = { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' };
  const chars = ascii
    ? { ...compact, top: '-', 'top-mid': '+', 'top-left': '+', 'top-right': '+', bottom: '-', 'bottom-mid': '+', 'bottom-left': '+', 'bottom-right': '+', left: '|', right: '|', middle: '|' }
    : compact;
  const table = new Table({ head: ['', ...r.map((x) => x.name)], chars, style: { head: [], border: [] }, colAligns: ['left', ...r.map(() => 'right' as const)] });
  const s = r.map((x) => x.history.summary);
  const rows: [string, string[]][] = [
    ['steps', s.map((x) => String(x.recorded))],
    ['final loss', s.map((x) => formatFigure(x.lastLoss))],
    ['max grad norm', s.map((x) => formatFigure(x.maxTotalNorm))],
    ['median grad norm', s.map((x) => formatFigure(x.medianTotalNorm))],
    ['non-finite steps', s.map((x) => String(x.nonFiniteSteps))],
    ['errors / warnings', r.map((x) => levels(x.history, s[r.indexOf(x)]))],
    ['info events', r.map((x) => String(x.history.summary.levelCounts?.info ?? x.history.events.filter((e) => e.level === 'info').length))],
    ['events (expl/van/div)', s.map((x) => `${x.eventCounts.explode}/${x.eventCounts.vanish}/${x.eventCounts.diverge}`)],
  ];
  for (const [label, values] of Object.entries(options?.extraRows ?? {})) rows.push([label, r.map((_, i) => values[i] ?? '')]);
  for (const [label, values] of rows) table.push([label, ...values]);
  return table.toString();
}

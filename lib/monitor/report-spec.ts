/**
 * The report's chart as a Vega-Lite spec (pure data, no dependency): one column per run, its loss
 * above its per-layer gradient norms (log scales, each panel its own range), with the monitor's
 * events as vertical rules. Long runs are bucketed to at most `maxPoints` points per
 * series: norms keep each bucket's maximum (spikes are the story), the loss its mean.
 */
import { invalidArg } from '../errors.js';
import { levelRank, type MonitorEvent, type MonitorEventLevel } from './events.js';
import { isMonitorHistory, type MonitorHistory } from './history.js';
import { checkLevel } from './options.js';
import { checkOptions, optionKeys } from '../validate/index.js';

/** A run to chart: a name and a monitor (or its `toJSON()` history). */
export interface ReportRun {
  /** The run's label (a column heading; unique among the runs). */
  name: string;
  /** A GradientMonitor (anything with `toJSON()` returning a history) or a MonitorHistory read back from JSON. */
  history: MonitorHistory | {
    /** The monitor's history. */
    toJSON(): MonitorHistory;
  };
}

/** Options of the report functions ({@link reportSpec}, {@link renderSvg}, {@link renderReport}, {@link writeReport}). */
export interface ReportOptions {
  /** Heading of the report. Default 'gradguard training report'. */
  title?: string;
  /** Points kept per series (longer series are bucketed). Default 400. */
  maxPoints?: number;
  /** Width of one panel (each run has a column: its loss above its gradient norms) in pixels. Default 360. */
  panelWidth?: number;
  /** The least serious level charted and listed ('info', 'warning' or 'error'); the page counts the rest. Default 'warning'. */
  minLevel?: MonitorEventLevel;
}

/** The keys of ReportOptions, checked by reportSpec, renderSvg, renderReport and writeReport. */
export const REPORT_OPTION_KEYS = optionKeys<ReportOptions>()(['title', 'maxPoints', 'panelWidth', 'minLevel']);

/** An event's level (a history written before levels has none: a warning). */
export const eventLevel = (e: MonitorEvent): MonitorEventLevel => e.level ?? 'warning';

/** The report's `minLevel` option, checked (default 'warning'). */
export const reportMinLevel = (o: ReportOptions | undefined): MonitorEventLevel => (o?.minLevel === undefined ? 'warning' : checkLevel('options.minLevel', o.minLevel));

/** The events of a history at or above `min`. */
export const shownEvents = (h: MonitorHistory, min: MonitorEventLevel): MonitorEvent[] => h.events.filter((e) => levelRank(eventLevel(e)) >= levelRank(min));

export interface ResolvedRun {
  name: string;
  history: MonitorHistory;
}

export function resolveRuns(runs: unknown): ResolvedRun[] {
  if (!Array.isArray(runs) || runs.length === 0) invalidArg('runs', 'a non-empty array of { name, history }', runs);
  const seen = new Set<string>();
  return runs.map((r: unknown, i) => {
    const q = r as Partial<ReportRun> | null;
    if (q === null || typeof q !== 'object' || typeof q.name !== 'string') invalidArg(`runs[${i}]`, 'an object { name: string, history }', r);
    if (seen.has(q.name)) invalidArg(`runs[${i}].name`, 'a name not used by another run', q.name, 'range');
    seen.add(q.name);
    const h = q.history !== null && typeof q.history === 'object' && 'toJSON' in q.history && typeof q.history.toJSON === 'function' ? q.history.toJSON() : q.history;
    if (!isMonitorHistory(h)) invalidArg(`runs[${i}].history`, 'a GradientMonitor or its toJSON() history', q.history);
    return { name: q.name, history: h };
  });
}

type Reduce = 'max' | 'mean';

/** Buckets (step, value) pairs to at most `max` points; nulls and values <= 0 (not on a log scale) are dropped. */
function bucket(steps: readonly number[], values: readonly (number | null)[], max: number, how: Reduce): [number, number][] {
  const pts: [number, number][] = [];
  for (let i = 0; i < steps.length; i++) {
    const v = values[i];
    if (v !== null && v > 0) pts.push([steps[i], v]);
  }
  if (pts.length <= max) return pts;
  const out: [number, number][] = [];
  const size = pts.length / max;
  for (let b = 0; b < max; b++) {
    const lo = Math.floor(b * size);
    const hi = Math.floor((b + 1) * size);
    let acc = how === 'max' ? -Infinity : 0;
    for (let i = lo; i < hi; i++) acc = how === 'max' ? Math.max(acc, pts[i][1]) : acc + pts[i][1];
    out.push([pts[hi - 1][0], how === 'max' ? acc : acc / (hi - lo)]);
  }
  return out;
}

export interface ChartRow {
  /** 'loss' | 'norm' | 'event' */
  t: string;
  run: string;
  step: number;
  value?: number;
  series?: string;
  label?: string;
}

export function chartRows(runs: readonly ResolvedRun[], maxPoints: number, minLevel: MonitorEventLevel = 'info'): ChartRow[] {
  const rows: ChartRow[] = [];
  for (const { name, history: h } of runs) {
    for (const [step, value] of bucket(h.steps, h.loss, maxPoints, 'mean')) rows.push({ t: 'loss', run: name, step, value });
    const series: [string, (number | null)[]][] = [['total', h.totalNorm], ...h.names.map((n): [string, (number | null)[]] => [n, h.norms[n]])];
    for (const [s, values] of series) for (const [step, value] of bucket(h.steps, values, maxPoints, 'max')) rows.push({ t: 'norm', run: name, step, value, series: s });
    for (const e of shownEvents(h, minLevel)) rows.push({ t: 'event', run: name, step: e.step, series: eventLevel(e), label: `[${eventLevel(e)}] ${e.message}` });
  }
  return rows;
}

/**
 * The Vega-Lite spec of the report's chart (feed it to vega-lite's `compile` to render it yourself):
 * one column per run, its loss above its per-layer gradient norms (log scales, each panel its own
 * range), the monitor's events at or above `minLevel` as vertical rules (red: error, orange: warning,
 * grey: info). Long runs are bucketed to at most `maxPoints`
 * points per series: norms keep each bucket's maximum, the loss its mean. Pure data; needs no
 * dependency.
 * @param runs one or more `{ name, history }`, names unique; history is a GradientMonitor or its `toJSON()`.
 * @param options title (default 'gradguard training report'), maxPoints (default 400), panelWidth (default 360).
 * @throws {TypeError|RangeError} malformed runs, duplicate names, maxPoints not an integer >= 2.
 */
export function reportSpec(runs: readonly ReportRun[], options?: ReportOptions): Record<string, unknown> {
  const r = resolveRuns(runs);
  const o = checkOptions('monitor.reportSpec: options', options, REPORT_OPTION_KEYS) as ReportOptions;
  const maxPoints = o.maxPoints ?? 400;
  if (!Number.isInteger(maxPoints) || maxPoints < 2) invalidArg('options.maxPoints', 'an integer >= 2', maxPoints, typeof maxPoints === 'number' ? 'range' : 'type');
  const width = o.panelWidth ?? 360;
  const minLevel = reportMinLevel(o);
  const log = { type: 'log' };
  const logAxis = { format: '~e', grid: true }; // 1e+5, not 100,000
  const eventRule = {
    transform: [{ filter: "datum.t === 'event'" }],
    mark: { type: 'rule', strokeDash: [4, 3], opacity: 0.6 }, // dashed: a monitor event, red for an error
    encoding: {
      x: { field: 'step', type: 'quantitative' },
      color: { condition: [{ test: "datum.series === 'error'", value: '#d62728' }, { test: "datum.series === 'warning'", value: '#ff7f0e' }], value: '#7f7f7f' },
      tooltip: [{ field: 'label', title: 'event' }],
    },
  };
  return {
    title: o.title ?? 'gradguard training report',
    data: { values: chartRows(r, maxPoints, minLevel) },
    config: { font: 'sans-serif', view: { stroke: '#ddd' } },
    vconcat: [
      {
        // One panel per run with its own scale: a run that overflows (loss 1e40) would otherwise
        // flatten every other run's curve against the bottom of a shared axis.
        title: 'loss (log scale; bucket means)',
        facet: { column: { field: 'run', type: 'nominal', title: null, sort: r.map((x) => x.name) } },
        spec: {
          width,
          height: 200,
          layer: [
            {
              transform: [{ filter: "datum.t === 'loss'" }],
              mark: { type: 'line', strokeWidth: 1.2 },
              encoding: {
                x: { field: 'step', type: 'quantitative', title: 'step' },
                y: { field: 'value', type: 'quantitative', scale: log, axis: logAxis, title: 'loss' },
                color: { value: '#4c78a8' },
              },
            },
            eventRule,
          ],
        },
        resolve: { scale: { x: 'independent', y: 'independent' } },
      },
      {
        title: 'gradient L2 norm per parameter, before clipping (log scale; bucket maxima)',
        facet: { column: { field: 'run', type: 'nominal', title: null, sort: r.map((x) => x.name) } },
        spec: {
          width,
          height: 240,
          layer: [
            {
              transform: [{ filter: "datum.t === 'norm'" }],
              mark: { type: 'line', strokeWidth: 1 },
              encoding: {
                x: { field: 'step', type: 'quantitative', title: 'step' },
                y: { field: 'value', type: 'quantitative', scale: log, axis: logAxis, title: 'gradient norm' },
                color: { field: 'series', type: 'nominal', title: 'parameter', scale: { scheme: 'tableau20' }, legend: { labelLimit: 300 } },
                strokeWidth: { condition: { test: "datum.series === 'total'", value: 2.2 }, value: 1 },
              },
            },
            eventRule,
          ],
        },
        resolve: { scale: { x: 'independent', y: 'independent' } },
      },
    ],
    resolve: { scale: { color: 'independent' } },
  };
}

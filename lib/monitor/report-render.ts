/**
 * Renders the report: the Vega-Lite chart (report-spec.ts) to SVG in Node with vega's headless view
 * (`renderer: 'none'`, no canvas or browser), embedded in one self-contained HTML page with a summary
 * table and the event log: no scripts, no network references. vega and vega-lite are optional peer
 * dependencies, loaded on first use, so training code that never draws a chart does not pay for them.
 */
import { rename, rm, writeFile } from 'node:fs/promises';
import { GradGuardError, invalidArg } from '../errors.js';
import { eventLevel, REPORT_OPTION_KEYS, reportMinLevel, reportSpec, resolveRuns, shownEvents, type ReportOptions, type ReportRun } from './report-spec.js';
import type { MonitorHistory } from './history.js';
import { checkOptions } from '../validate/index.js';

interface VegaModules {
  vega: { parse(spec: unknown): unknown; View: new (runtime: unknown, opts: { renderer: string }) => { toSVG(): Promise<string>; finalize(): void } };
  vl: { compile(spec: unknown): { spec: unknown } };
}

let loaded: Promise<VegaModules> | null = null;

function loadVega(): Promise<VegaModules> {
  loaded ??= Promise.all([import('vega'), import('vega-lite')]).then(
    ([vega, vl]) => ({ vega: vega as unknown as VegaModules['vega'], vl: vl as unknown as VegaModules['vl'] }),
    (err: unknown) => {
      loaded = null;
      throw new GradGuardError(
        `monitor reports need the optional packages vega and vega-lite (npm install vega vega-lite): ${(err as Error)?.message ?? err}`,
        'ERR_GRADGUARD_MISSING_DEPENDENCY',
      );
    },
  );
  return loaded;
}

/**
 * The chart as a standalone SVG document: a column per run, its loss above its per-layer gradient
 * norms, log scales, monitor events as dashed red rules.
 * Rendered in Node by vega's headless view (no canvas or browser); vega and vega-lite are optional
 * peer dependencies, loaded on first use.
 * @param runs one or more `{ name, history }`, names unique; history is a GradientMonitor or its `toJSON()`.
 * @param options title (default 'gradguard training report'), maxPoints (default 400), panelWidth (default 360).
 * @throws {TypeError|RangeError} malformed runs or options.
 * @throws {GradGuardError} `ERR_GRADGUARD_MISSING_DEPENDENCY`: vega/vega-lite not installed.
 */
export async function renderSvg(runs: readonly ReportRun[], options?: ReportOptions): Promise<string> {
  checkOptions('monitor.renderSvg: options', options, REPORT_OPTION_KEYS);
  const spec = reportSpec(runs, options);
  const { vega, vl } = await loadVega();
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const cell = (v: number | null): string => (v === null ? '—' : Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(3) : String(+v.toPrecision(4)));

/**
 * The report as one self-contained HTML page: the SVG chart inline, a summary per run (with event
 * counts by level) and the event log at or above `minLevel` (default 'warning'; message and diagnosis). It references nothing outside itself (the inline SVG needs no xmlns).
 * @param runs one or more `{ name, history }`, names unique; history is a GradientMonitor or its `toJSON()`.
 * @param options title (default 'gradguard training report'), maxPoints (default 400), panelWidth (default 360).
 * @throws {TypeError|RangeError} malformed runs or options.
 * @throws {GradGuardError} `ERR_GRADGUARD_MISSING_DEPENDENCY`: vega/vega-lite not installed.
 */
export async function renderReport(runs: readonly ReportRun[], options?: ReportOptions): Promise<string> {
  const r = resolveRuns(runs);
  // The page's <h1> carries the title; the chart inside it does not repeat it.
  checkOptions('monitor.renderReport: options', options, REPORT_OPTION_KEYS);
  const svg = (await renderSvg(runs, { ...options, title: '' })).replace(/\s+xmlns(:xlink)?="[^"]*"/g, '');
  const title = escapeHtml(options?.title ?? 'gradguard training report');
  const minLevel = reportMinLevel(options);
  const head = ['run', 'steps recorded', 'final loss', 'min loss', 'max ‖g‖', 'median ‖g‖', 'non-finite steps', 'errors / warnings / info', 'events (explode / vanish / diverge)'];
  const rows = r.map(({ name, history: h }) => {
    const s = h.summary;
    const lv = levelCounts(h);
    return [escapeHtml(name), String(s.recorded), cell(s.lastLoss), cell(s.minLoss), cell(s.maxTotalNorm), cell(s.medianTotalNorm), String(s.nonFiniteSteps), `${lv.error} / ${lv.warning} / ${lv.info}`, `${s.eventCounts.explode} / ${s.eventCounts.vanish} / ${s.eventCounts.diverge}`];
  });
  const item = (name: string, e: (typeof r)[number]['history']['events'][number]) =>
    `<li class="${eventLevel(e)}"><b>${escapeHtml(name)}</b> <span class="lv">${eventLevel(e)}</span> ${escapeHtml(e.message)}<br><small>${escapeHtml(e.diagnosis)}</small></li>`;
  const events = r.flatMap(({ name, history }) => shownEvents(history, minLevel).map((e) => item(name, e)));
  const hidden = r.reduce((a, { history }) => a + history.events.length - shownEvents(history, minLevel).length, 0);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<style>body{font-family:sans-serif;margin:24px;color:#222}svg{max-width:100%;height:auto}table{border-collapse:collapse;margin:16px 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th:first-child,td:first-child{text-align:left}li{margin:6px 0}small{color:#555}.lv{font-size:80%;padding:0 4px;border-radius:3px;background:#eee}.error .lv{background:#f4c7c3}.warning .lv{background:#fde5c0}</style>
</head><body>
<h1>${title}</h1>
${svg}
<h2>Summary</h2>
<table><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>
${rows.map((row) => `<tr>${row.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n')}</table>
<h2>Events</h2>
${events.length ? `<ul>\n${events.join('\n')}\n</ul>` : `<p>no ${minLevel === 'info' ? '' : minLevel === 'warning' ? 'warnings or errors' : 'errors'}${minLevel === 'info' ? 'events' : ''}</p>`}
${hidden ? `<p><small>${hidden} event${hidden > 1 ? 's' : ''} below ${minLevel} not listed (minLevel: 'info' lists every event).</small></p>` : ''}
</body></html>
`;
}

/** Events by level (a history written before levels counts them from its kept events, as warnings when they have none). */
function levelCounts(h: MonitorHistory): { info: number; warning: number; error: number } {
  if (h.summary.levelCounts) return h.summary.levelCounts;
  const c = { info: 0, warning: 0, error: 0 };
  for (const e of h.events) c[eventLevel(e)]++;
  return c;
}

let tmpCounter = 0;

/**
 * Writes `renderReport(runs, options)` to `path` (via a temporary file and a rename, so a crash
 * never leaves half a report). Returns the path.
 * @param path the HTML file to write (replaced if it exists).
 * @param runs one or more `{ name, history }`, names unique; history is a GradientMonitor or its `toJSON()`.
 * @param options title (default 'gradguard training report'), maxPoints (default 400), panelWidth (default 360).
 * @throws {TypeError|RangeError} an empty path, malformed runs or options.
 * @throws {GradGuardError} `ERR_GRADGUARD_MISSING_DEPENDENCY`: vega/vega-lite not installed.
 * @throws {Error} I/O errors from writing the file.
 */
export async function writeReport(path: string, runs: readonly ReportRun[], options?: ReportOptions): Promise<string> {
  if (typeof path !== 'string' || path === '') invalidArg('path', 'a file path', path);
  checkOptions('monitor.writeReport: options', options, REPORT_OPTION_KEYS);
  const html = await renderReport(runs, options);
  // Unique per call (two reports written at once to one path must not share a temporary).
  const tmp = `${path}.${process.pid}.${++tmpCounter}.tmp`;
  try {
    await writeFile(tmp, html);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  return path;
}

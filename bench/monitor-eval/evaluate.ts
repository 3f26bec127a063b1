// Scores the monitor on the runs of runs.ts: per run, its events by level; a healthy run passes with no
// warning or error, a faulty run when a warning or error arrives within 5 steps of the fault's onset
// naming the right layer (and no warning or error came before the onset: that would be a false alarm).
import type { GradientMonitor, monitor } from '../../lib/index.js';
import { RUNS, type EvalRun, type EvalSettings } from './runs.js';

/** Steps after the onset within which a fault must be flagged. */
export const MAX_DELAY = 5;

export interface EvalResult {
  name: string;
  healthy: boolean;
  steps: number;
  seconds: number;
  info: number;
  warning: number;
  error: number;
  /** Healthy: the first warning or error (a false alarm). Fault: the event that caught it, or the first warning/error after the onset. */
  event: monitor.MonitorEvent | null;
  /** Fault: steps from the onset to the catching event. */
  delay: number | null;
  /** Warnings/errors before a fault's onset, or any on a healthy run. */
  falseAlarms: number;
  pass: boolean;
}

const serious = (e: monitor.MonitorEvent) => e.level !== 'info';

export function score(r: EvalRun, mon: GradientMonitor, seconds: number): EvalResult {
  const events = mon.eventLog;
  const counts = { info: 0, warning: 0, error: 0 };
  for (const e of events) counts[e.level]++;
  const base = { name: r.name, healthy: !r.fault, steps: mon.summary().recorded, seconds, ...counts };
  if (!r.fault) {
    const bad = events.filter(serious);
    return { ...base, event: bad[0] ?? null, delay: null, falseAlarms: bad.length, pass: bad.length === 0 };
  }
  const { onset, layer } = r.fault;
  const before = events.filter((e) => serious(e) && e.step < onset);
  const after = events.filter((e) => serious(e) && e.step >= onset && e.step <= onset + MAX_DELAY);
  const right = after.find((e) => layer === null || (e.layer !== null && layer.test(e.layer)));
  const event = right ?? after[0] ?? events.find((e) => serious(e) && e.step >= onset) ?? null;
  return { ...base, event, delay: event ? event.step - onset : null, falseAlarms: before.length, pass: right !== undefined && before.length === 0 };
}

/** Runs and scores every run (or those given). */
export function evaluate(settings: EvalSettings, runs: readonly EvalRun[] = RUNS, onResult?: (r: EvalResult) => void): EvalResult[] {
  return runs.filter((r) => !(settings.short && r.fullOnly)).map((r) => {
    const t0 = performance.now();
    const mon = r.run(settings);
    const res = score(r, mon, (performance.now() - t0) / 1000);
    onResult?.(res);
    return res;
  });
}

/** The results as a Markdown table (runs × events × levels). */
export function table(results: readonly EvalResult[]): string {
  const head = '| run | type | steps | info | warning | error | first warning/error (step: reason, layer) | delay | result |\n|---|---|---|---|---|---|---|---|---|';
  const rows = results.map((r) => {
    const e = r.event;
    const ev = e ? `${e.step}: ${e.level} ${e.kind}/${e.reason}, ${e.layer ?? '—'}` : '—';
    const verdict = r.pass ? (r.healthy ? 'pass: quiet' : 'pass: caught') : r.healthy ? 'FAIL: false alarm' : r.falseAlarms ? 'FAIL: alarm before onset' : 'FAIL: missed';
    return `| ${r.name} | ${r.healthy ? 'healthy' : 'fault'} | ${r.steps} | ${r.info} | ${r.warning} | ${r.error} | ${ev} | ${r.delay ?? '—'} | ${verdict} |`;
  });
  return [head, ...rows].join('\n');
}

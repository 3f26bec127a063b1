/**
 * Reads the monitor's JSON lines (jsonl.ts) back into histories the report functions take, so a run
 * that crashed, runs remotely or still runs can be charted from its log. A file may hold several runs
 * (a new start line whose steps restart): each becomes its own history. A last line cut off by a crash
 * is ignored; any other line that is not JSON is an error naming its line number.
 */
import { readFileSync } from 'node:fs';
import { GradGuardError, invalidArg } from '../errors.js';
import { LEVELS, type MonitorEvent, type MonitorEventLevel } from './events.js';
import { HISTORY_FORMAT, type MonitorHistory } from './history.js';
import { JSONL_FORMAT } from './jsonl.js';
import { finiteMedian } from './ring-buffer.js';

interface Building {
  names: string[];
  historySize: number;
  steps: number[];
  loss: (number | null)[];
  totalNorm: (number | null)[];
  norms: (number | null)[][];
  events: MonitorEvent[];
  /** The monitor's count of recorded steps at the last step line (more than the lines when `every` > 1). */
  recorded: number;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * The runs in a monitor JSONL text, as histories (oldest run first).
 * @param text the file's contents (several files concatenated, oldest first, also work).
 * @param source a name for error messages (a file path).
 * @throws {TypeError} text or source not a string.
 * @throws {GradGuardError} `ERR_GRADGUARD_BAD_JSONL`: a line that is not JSON (other than a cut-off last line), lines before a start line, no start line at all.
 */
export function historiesFromJsonl(text: string, source = 'jsonl'): MonitorHistory[] {
  if (typeof text !== 'string') invalidArg('text', 'a string', text);
  if (typeof source !== 'string') invalidArg('source', 'a string (the name errors cite)', source);
  const lines = text.split('\n');
  const runs: Building[] = [];
  let cur: Building | null = null;
  const bad = (i: number, why: string): never => {
    throw new GradGuardError(`${source}:${i + 1}: ${why}`, 'ERR_GRADGUARD_BAD_JSONL');
  };
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].trim();
    if (raw === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      if (i === lines.length - 1) break; // the last line, cut off by a crash mid-write
      bad(i, 'not a JSON line');
    }
    if (parsed === null || typeof parsed !== 'object') bad(i, 'not a JSON object');
    const o = parsed as Record<string, unknown>;
    if (o.type === 'start') {
      if (o.format !== JSONL_FORMAT) bad(i, `unknown format ${JSON.stringify(o.format)} (expected ${JSONL_FORMAT})`);
      const names = o.names;
      if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) bad(i, 'a start line without names');
      // A start line continues the run (a rotated file's first line) unless its names differ; a step
      // that does not increase starts a new run (below).
      if (!cur || cur.names.join('\0') !== (names as string[]).join('\0')) {
        cur = { names: names as string[], historySize: num(o.historySize) ?? 0, steps: [], loss: [], totalNorm: [], norms: (names as string[]).map(() => []), events: [], recorded: 0 };
        runs.push(cur);
      }
      continue;
    }
    if (!cur) bad(i, 'a line before the first start line');
    const run = cur as Building;
    if (o.type === 'step') {
      const step = num(o.step);
      if (step === null) bad(i, 'a step line without a step number');
      const norms = Array.isArray(o.norms) ? o.norms : [];
      if (run.steps.length && (step as number) <= run.steps[run.steps.length - 1]) {
        // The steps restart: another run appended to the same file.
        cur = { ...run, steps: [], loss: [], totalNorm: [], norms: run.names.map(() => []), events: [], recorded: 0 };
        runs.push(cur);
      }
      const c = cur as Building;
      c.steps.push(step as number);
      c.loss.push(num(o.loss));
      c.totalNorm.push(num(o.totalNorm));
      c.names.forEach((_, k) => c.norms[k].push(num(norms[k])));
      c.recorded = Math.max(c.recorded, num(o.recorded) ?? 0, c.steps.length);
    } else if (o.type === 'event') {
      const { type: _t, ...e } = o;
      const level = LEVELS.includes(e.level as MonitorEventLevel) ? (e.level as MonitorEventLevel) : 'warning';
      run.events.push({ ...(e as unknown as MonitorEvent), level, value: (e.value as number | null) ?? NaN, reference: (e.reference as number | null) ?? NaN });
    }
    // 'run' lines and unknown types are context only.
  }
  if (runs.length === 0) throw new GradGuardError(`${source}: no start line: not a gradguard monitor JSONL file`, 'ERR_GRADGUARD_BAD_JSONL');
  return runs.map(toHistory);
}

/**
 * Reads monitor JSONL files (oldest first: rotated files, then the current one) into histories.
 * @param paths one or more files.
 * @throws {GradGuardError} as {@link historiesFromJsonl}; I/O errors as thrown by readFileSync.
 */
export function readJsonl(...paths: string[]): MonitorHistory[] {
  if (paths.length === 0 || !paths.every((p) => typeof p === 'string' && p !== '')) invalidArg('paths', 'one or more file paths', paths);
  return historiesFromJsonl(paths.map((p) => readFileSync(p, 'utf8')).join(''), paths.join(' + '));
}

function toHistory(b: Building): MonitorHistory {
  const finite = b.totalNorm.filter((v): v is number => v !== null);
  const losses = b.loss.filter((v): v is number => v !== null);
  const eventCounts = { explode: 0, vanish: 0, diverge: 0 };
  const levelCounts = { info: 0, warning: 0, error: 0 };
  for (const e of b.events) {
    if (e.kind in eventCounts) eventCounts[e.kind]++;
    levelCounts[e.level]++;
  }
  const norms: Record<string, (number | null)[]> = {};
  b.names.forEach((n, k) => (norms[n] = b.norms[k]));
  const med = finiteMedian(Float64Array.from(finite));
  return {
    format: HISTORY_FORMAT,
    names: [...b.names],
    historySize: Math.max(b.historySize, b.steps.length),
    steps: b.steps,
    loss: b.loss,
    totalNorm: b.totalNorm,
    norms,
    events: b.events,
    summary: {
      recorded: Math.max(b.recorded, b.steps.length),
      nonFiniteSteps: b.totalNorm.length - finite.length,
      maxTotalNorm: finite.length ? finite.reduce((a, v) => Math.max(a, v), -Infinity) : null,
      medianTotalNorm: Number.isFinite(med) ? med : null,
      lastLoss: b.loss.length ? b.loss[b.loss.length - 1] : null,
      minLoss: losses.length ? losses.reduce((a, v) => Math.min(a, v), Infinity) : null,
      eventCounts,
      levelCounts,
    },
  };
}

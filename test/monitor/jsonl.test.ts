// JSON-lines output (options.jsonl): what the lines hold, the `every` knob, a stream target, rotation
// (the file renamed away, or truncated in place), reading logs back (rotated files, several runs, a
// line cut off by a crash) and the option's validation.
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GradientMonitor, monitor } from '../../lib/index.js';
import { noisyLayers } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'gg-jsonl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const NAMES = ['a.weight', 'a.bias'];
const lines = (path: string) => readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));

/** Records steps from..to with a NaN at `nanAt` and a 1000× spike at `spikeAt`. */
function drive(mon: GradientMonitor, fill: (i: number, b: number) => void, grads: Float32Array[], from: number, to: number, { nanAt = -1, spikeAt = -1 } = {}) {
  for (let s = from; s <= to; s++) {
    fill(0, s === spikeAt ? 1000 : 1);
    fill(1, 0.3);
    if (s === nanAt) grads[1][0] = NaN;
    mon.record(s, s === nanAt ? NaN : 1 / s);
  }
}

describe('monitor JSONL output', () => {
  it('writes a start line, one step line per step and the events; reading it back gives the monitor’s own history', () => {
    const path = join(dir, 'run.jsonl');
    const { store, fill } = noisyLayers(NAMES);
    const mon = new GradientMonitor(store, { names: NAMES, jsonl: path, run: { clip: 5 } });
    drive(mon, fill, store.grads.views as Float32Array[], 1, 120, { nanAt: 100, spikeAt: 60 });
    mon.close();
    const ls = lines(path);
    expect(ls[0]).toMatchObject({ type: 'start', format: monitor.JSONL_FORMAT, names: NAMES, run: { clip: 5 } });
    expect(ls.filter((l) => l.type === 'step')).toHaveLength(120);
    const ev = ls.filter((l) => l.type === 'event');
    expect(ev.map((e) => [e.step, e.reason, e.level])).toEqual(mon.eventLog.map((e) => [e.step, e.reason, e.level]));
    expect(ls.find((l) => l.type === 'step' && l.step === 100)).toMatchObject({ loss: null, totalNorm: null });
    // Each event follows its step's line.
    const idx = ls.findIndex((l) => l.type === 'event' && l.step === 100);
    expect(ls[idx - 1]).toMatchObject({ type: 'step', step: 100 });
    const [h] = monitor.readJsonl(path);
    const own = mon.toJSON();
    expect(h.steps).toEqual(own.steps);
    expect(h.loss).toEqual(own.loss);
    expect(h.totalNorm).toEqual(own.totalNorm);
    expect(h.norms).toEqual(own.norms);
    expect(h.events.map((e) => e.message)).toEqual(own.events.map((e) => e.message));
    expect(h.summary).toMatchObject({ recorded: 120, nonFiniteSteps: 1, eventCounts: own.summary.eventCounts, levelCounts: own.summary.levelCounts });
    expect(monitor.isMonitorHistory(h)).toBe(true);
  });

  it('`every` thins the step lines, keeping every step with an event or a non-finite norm', () => {
    const path = join(dir, 'every.jsonl');
    const { store, fill } = noisyLayers(NAMES);
    const mon = new GradientMonitor(store, { names: NAMES, jsonl: { path, every: 25 } });
    drive(mon, fill, store.grads.views as Float32Array[], 1, 120, { nanAt: 77, spikeAt: 60 });
    mon.close();
    const steps = lines(path).filter((l) => l.type === 'step').map((l) => l.step);
    expect(steps).toEqual([1, 26, 51, 60, 76, 77, 101]);
    // The history read back has the lines' steps, and the monitor's count of recorded steps at the last one.
    const [h] = monitor.readJsonl(path);
    expect(h.steps).toEqual([1, 26, 51, 60, 76, 77, 101]);
    expect(h.summary.recorded).toBe(101);
  });

  it('writes one complete line per write to a stream', () => {
    const writes: string[] = [];
    const { store, fill } = noisyLayers(NAMES);
    const mon = new GradientMonitor(store, { names: NAMES, jsonl: { write: (s: string) => void writes.push(s) } });
    drive(mon, fill, store.grads.views as Float32Array[], 1, 30, { nanAt: 20 });
    expect(writes.length).toBe(1 + 30 + 2); // start, steps, the NaN gradient and the NaN loss
    for (const w of writes) {
      expect(w.endsWith('\n')).toBe(true);
      expect(w.slice(0, -1)).not.toContain('\n');
      JSON.parse(w);
    }
    expect(JSON.parse(writes[0]).type).toBe('start');
  });

  it('follows a rotation by rename (reopens at the path with a new start line), and the files read back as one run', () => {
    const path = join(dir, 'rot.jsonl');
    const { store, fill } = noisyLayers(NAMES);
    const mon = new GradientMonitor(store, { names: NAMES, jsonl: path });
    drive(mon, fill, store.grads.views as Float32Array[], 1, 50);
    renameSync(path, `${path}.1`); // logrotate's create mode
    drive(mon, fill, store.grads.views as Float32Array[], 51, 80, { spikeAt: 70 });
    renameSync(path, `${path}.0`);
    rmSync(`${path}.0`); // deleted outright: a new file again
    drive(mon, fill, store.grads.views as Float32Array[], 81, 90);
    mon.close();
    const old = lines(`${path}.1`);
    const cur = lines(path);
    expect(old[0].type).toBe('start');
    expect(old.filter((l) => l.type === 'step').map((l) => l.step)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(cur[0].type).toBe('start');
    expect(cur.filter((l) => l.type === 'step').map((l) => l.step)).toEqual(Array.from({ length: 10 }, (_, i) => i + 81));
    const [h] = monitor.readJsonl(`${path}.1`, path);
    expect(h.steps).toEqual([...Array.from({ length: 50 }, (_, i) => i + 1), ...Array.from({ length: 10 }, (_, i) => i + 81)]);
  });

  it('keeps appending after copytruncate (the file emptied in place)', () => {
    const path = join(dir, 'trunc.jsonl');
    const { store, fill } = noisyLayers(NAMES);
    const mon = new GradientMonitor(store, { names: NAMES, jsonl: path });
    drive(mon, fill, store.grads.views as Float32Array[], 1, 20);
    truncateSync(path, 0);
    drive(mon, fill, store.grads.views as Float32Array[], 21, 25);
    mon.close();
    const text = readFileSync(path, 'utf8');
    expect(text.startsWith('{')).toBe(true); // no hole of zero bytes where the old lines were
    expect(lines(path).map((l) => l.step)).toEqual([21, 22, 23, 24, 25]);
    // No start line in this file: it reads as a continuation only after the rotated part.
    expect(() => monitor.readJsonl(path)).toThrow(/line before the first start line/);
  });

  it('reads several runs in one file as several histories, ignores a last line cut off by a crash, and names a bad line', () => {
    const path = join(dir, 'two.jsonl');
    for (const n of [30, 12]) {
      const { store, fill } = noisyLayers(NAMES);
      const mon = new GradientMonitor(store, { names: NAMES, jsonl: path });
      drive(mon, fill, store.grads.views as Float32Array[], 1, n);
      mon.close();
    }
    writeFileSync(path, readFileSync(path, 'utf8') + '{"type":"step","step":13,"loss":0.'); // the crash
    const hs = monitor.readJsonl(path);
    expect(hs.map((h) => h.steps.length)).toEqual([30, 12]);
    const broken = readFileSync(path, 'utf8').replace('{"type":"step","step":5,', '{"type":"step",,');
    expect(() => monitor.historiesFromJsonl(broken, 'x.jsonl')).toThrow(/^x\.jsonl:6: not a JSON line/);
    expect(() => monitor.historiesFromJsonl('')).toThrow(/no start line/);
    expect(() => monitor.historiesFromJsonl('{"type":"start","format":"other/9","names":[]}\n')).toThrow(/unknown format/);
  });

  it('checks the option', () => {
    const { store } = noisyLayers(NAMES);
    const mk = (jsonl: unknown) => new GradientMonitor(store, { names: NAMES, jsonl: jsonl as never });
    expect(() => mk('')).toThrow(RangeError);
    expect(() => mk({ path: join(dir, 'x'), stream: { write() {} } })).toThrow(/exactly one of path and stream/);
    expect(() => mk({ path: join(dir, 'x'), every: 0 })).toThrow(/options\.jsonl\.every/);
    expect(() => mk({ path: join(dir, 'x'), bogus: 1 })).toThrow(TypeError);
    expect(() => mk(42)).toThrow(TypeError);
    expect(() => mk({ stream: {} })).toThrow(/options\.jsonl\.stream/);
    // Nothing is written before the first record: a monitor made and dropped leaves no file.
    mk(join(dir, 'never.jsonl'));
    expect(existsSync(join(dir, 'never.jsonl'))).toBe(false);
  });
});

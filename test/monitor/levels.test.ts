// Event levels and run-aware diagnoses on planted signals: each detector's level, what a clipped run
// is (never) told, a spike during a falling loss, and the level filters of on(), onEvent and print.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Adam, GradientMonitor, LinearWarmup, monitor, nn, orthogonal, Rng, Trainer } from '../../lib/index.js';
import { noisyLayers } from './helpers.js';

const NAMES = ['l1.weight', 'l1.bias', 'l2.weight'];
const BASES = [1, 0.3, 2];

/** 200 steps of steady noisy norms with l2.weight × `mult` at step 120, and the given loss. */
function spikeRun(options: monitor.MonitorOptions, loss: (s: number) => number, mult = 1000) {
  const { store, fill } = noisyLayers(NAMES);
  const mon = new GradientMonitor(store, { names: NAMES, ...options });
  for (let s = 1; s <= 200; s++) {
    NAMES.forEach((_, i) => fill(i, BASES[i] * (s === 120 && i === 2 ? mult : 1)));
    mon.record(s, loss(s));
  }
  return mon;
}

afterEach(() => vi.restoreAllMocks());

describe('event levels', () => {
  it('a spike in an unclipped run with a steady loss is a warning that advises clipping and names the likely cause', () => {
    const mon = spikeRun({ run: { optimizer: 'SGD', lr: 0.1 } }, () => 0.5);
    expect(mon.eventLog.map((e) => [e.reason, e.level, e.step, e.layer])).toEqual([['spike', 'warning', 120, 'l2.weight']]);
    expect(mon.eventLog[0].diagnosis).toMatch(/Clip them/);
    expect(mon.eventLog[0].diagnosis).toMatch(/SGD lr 0\.1/);
    // No recurrent weights here: the initialisation advice is not about them.
    expect(mon.eventLog[0].diagnosis).toMatch(/Kaiming for ReLU layers/);
    expect(mon.eventLog[0].diagnosis).not.toMatch(/recurrent/);
  });

  it('the same spike in a clipped run is info, says clipping absorbed it, and never advises clipping', () => {
    // (Threshold 10: the total norm, ≈ 2.3, is under it except at the spike, so the run is not pinned.)
    const mon = spikeRun({ run: { clip: 10 } }, () => 0.5);
    const [e] = mon.eventLog;
    expect([e.reason, e.level, e.step]).toEqual(['spike', 'info', 120]);
    expect(e.message).toMatch(/clipping at 10 scaled this step's total norm .* down/);
    expect(e.diagnosis).toMatch(/already clips at 10/);
    expect(e.diagnosis).not.toMatch(/clipGradNorm|Clip them|clip gradients/i);
    expect(mon.summary().levelCounts).toEqual({ info: 1, warning: 0, error: 0 });
  });

  it('a spike while the loss falls is info (a phase change), and a spike with a loss that jumps is not', () => {
    const falling = spikeRun({}, (s) => (s < 100 ? 0.2 : 0.2 * 0.9 ** (s - 100)));
    expect(falling.eventLog.map((e) => [e.reason, e.level])).toEqual([['spike', 'info']]);
    expect(falling.eventLog[0].message).toMatch(/loss is falling/);
    expect(falling.eventLog[0].diagnosis).not.toMatch(/[Cc]lip/);
    // Falling before, but this step's loss leaps above the earlier level: a bad update, not a phase change.
    const jump = spikeRun({}, (s) => (s === 120 ? 50 : s < 100 ? 0.2 : 0.2 * 0.9 ** (s - 100)));
    // (…and the 250,000× loss jump keeps the smoothed loss above 4× its minimum: divergence follows.)
    expect(jump.eventLog.map((e) => [e.reason, e.level])).toEqual([['spike', 'warning'], ['loss-rise', 'error']]);
  });

  it('sustained growth below the spike factor is a growth warning after the median of 5 steps moves', () => {
    const { store, fill } = noisyLayers(NAMES);
    // ×4 from step 100 with growthFactor 3: above it in median, below the spike factor 10 on every step.
    const mon = new GradientMonitor(store, { names: NAMES, explode: { growthFactor: 3 } });
    for (let s = 1; s <= 200; s++) {
      NAMES.forEach((_, i) => fill(i, BASES[i] * (i === 0 && s >= 100 ? 4 : 1)));
      mon.record(s, 0.5);
    }
    expect(mon.eventLog.map((e) => [e.reason, e.level, e.step, e.layer])).toEqual([['growth', 'warning', 102, 'l1.weight']]);
    expect(mon.eventLog[0].message).toMatch(/has grown to .*× its earlier median .* over the last 5 steps/);
  });

  it('a clipped run pinned above its threshold on most steps gets one warning per window that names threshold and LR', () => {
    const { store, fill } = noisyLayers(['a']);
    const pinned = new GradientMonitor(store, { names: ['a'], run: { clip: 1, lr: 0.5, optimizer: 'SGD' } });
    const fine = new GradientMonitor(store, { names: ['a'], run: { clip: 1 } });
    const unclipped = new GradientMonitor(store, { names: ['a'] });
    for (let s = 1; s <= 450; s++) {
      fill(0, 3);
      for (const m of [pinned, unclipped]) m.record(s, 0.5);
      fill(0, 0.3);
      fine.record(s, 0.5);
    }
    expect(pinned.eventLog.map((e) => [e.reason, e.level, e.step])).toEqual([['clip-pinned', 'warning', 200], ['clip-pinned', 'warning', 400]]);
    expect(pinned.eventLog[0].message).toMatch(/above the clip threshold 1 on 200 of the last 200 steps \(median raw norm (2\.9|3)\d*, (2\.9|3)\d*× the threshold\)/);
    expect(pinned.eventLog[0].diagnosis).toMatch(/threshold 1 is too low .* or the learning rate is too high/);
    expect(pinned.eventLog[0].diagnosis).toMatch(/SGD lr 0\.5/);
    expect(fine.eventLog).toEqual([]);
    expect(unclipped.eventLog).toEqual([]);
  });

  it('recurrent weights with spectral radius > 1: a warning unclipped, info clipped, nothing at 0.9; the figure is exact for scaled orthogonal matrices', () => {
    const H = 16;
    const make = (gain: number, options: monitor.MonitorOptions, lstm = false) => {
      const w = new Float32Array((lstm ? 4 : 1) * H * H);
      const rng = new Rng(3);
      for (let g = 0; g < (lstm ? 4 : 1); g++) orthogonal(w.subarray(g * H * H, (g + 1) * H * H), [H, H], { gain: g === 2 || !lstm ? gain : 0.5, rng });
      const name = lstm ? 'lstm.weight_hh_l0' : 'rnn.weight_hh';
      const params = [{ name, data: w, grad: new Float32Array(w.length).fill(0.01), ...(lstm ? { shape: [4 * H, H] } : {}) }, { name: 'head.weight', grad: new Float32Array(4).fill(0.1) }];
      const mon = new GradientMonitor(params, options);
      for (let s = 1; s <= 5; s++) mon.record(s, 1);
      return mon.eventLog.filter((e) => e.reason === 'spectral-radius');
    };
    const warn = make(1.5, {});
    expect(warn.map((e) => [e.level, e.step, e.layer])).toEqual([['warning', 1, 'rnn.weight_hh']]);
    expect(warn[0].value).toBeCloseTo(1.5, 4);
    expect(warn[0].diagnosis).toMatch(/clip the gradient norm/);
    const info = make(1.5, { run: { clip: 1 } });
    expect(info.map((e) => e.level)).toEqual(['info']);
    expect(make(0.9, {})).toEqual([]);
    // An LSTM's [4H, H] matrix is four gate blocks: the largest radius among them is reported.
    const gates = make(1.3, {}, true);
    expect(gates).toHaveLength(1);
    expect(gates[0].value).toBeCloseTo(1.3, 4);
  });

  it('non-finite gradients and losses, and divergence, are errors', () => {
    const { store, fill } = noisyLayers(['a']);
    const mon = new GradientMonitor(store, { names: ['a'], diverge: { factor: 4, patience: 5, smoothing: 0.5, warmup: 5 } });
    for (let s = 1; s <= 60; s++) {
      fill(0, 1);
      if (s === 30) store.grads.views[0][0] = NaN;
      mon.record(s, s === 35 ? Infinity : s < 40 ? 1 / s : 10);
    }
    expect(mon.eventLog.map((e) => [e.reason, e.level])).toEqual([['nonfinite', 'error'], ['nonfinite-loss', 'error'], ['loss-rise', 'error']]);
  });

  it('a converged run’s loss bump near a tiny minimum is not divergence; undoing a quarter of the progress is', () => {
    const run = (bump: number, retrace?: number) => {
      const { store, fill } = noisyLayers(['a']);
      const mon = new GradientMonitor(store, { names: ['a'], diverge: retrace === undefined ? {} : { retrace } });
      for (let s = 1; s <= 600; s++) {
        fill(0, 1);
        mon.record(s, s <= 300 ? 0.5 * 0.97 ** s + 0.003 : s <= 400 ? bump : 0.003);
      }
      return mon.eventLog.filter((e) => e.kind === 'diverge').map((e) => [e.reason, e.level]);
    };
    // The smoothed minimum is ≈ 0.005 and the smoothed loss after warm-up ≈ 0.2: a bump to 0.04 takes
    // the smoothed loss to 5× the minimum but undoes about 10 % of the fall; 0.2 undoes half of it.
    expect(run(0.04)).toEqual([]);
    expect(run(0.04, 0)).toEqual([['loss-rise', 'error']]); // the ratio alone, as before retrace
    expect(run(0.2)).toEqual([['loss-rise', 'error']]);
    expect(() => new GradientMonitor(noisyLayers(['a']).store, { diverge: { retrace: 2 } })).toThrow(/diverge\.retrace/);
  });

  it('a collapse names the deepest layer whose parameters all went silent (dead ReLUs in layer 2 also silence layer 0 and 4.weight)', () => {
    const names = ['0.weight', '0.bias', '2.weight', '2.bias', '4.weight', '4.bias'];
    const { store, fill } = noisyLayers(names);
    const mon = new GradientMonitor(store, { names });
    const dead = new Set(['0.weight', '0.bias', '2.weight', '2.bias', '4.weight']);
    for (let s = 1; s <= 80; s++) {
      names.forEach((n, i) => fill(i, s >= 50 && dead.has(n) ? 0 : 1));
      mon.record(s, 0.5);
    }
    expect(mon.eventLog.map((e) => [e.reason, e.level, e.step, e.layer])).toEqual([['collapse', 'warning', 52, '2.weight']]);
    expect(mon.eventLog[0].message).toMatch(/every parameter of layer 2\) for 3 steps; also silent: 0\.weight, 0\.bias, 4\.weight/);
    expect(mon.eventLog[0].diagnosis).toMatch(/dead or saturated/);
    // One parameter zeroed by a bug: it is named itself.
    const lone = noisyLayers(names);
    const mon2 = new GradientMonitor(lone.store, { names });
    for (let s = 1; s <= 80; s++) {
      names.forEach((n, i) => lone.fill(i, s >= 50 && n === '4.weight' ? 0 : 1));
      mon2.record(s, 0.5);
    }
    expect(mon2.eventLog.map((e) => [e.reason, e.step, e.layer])).toEqual([['collapse', 52, '4.weight']]);
  });

  it('an event from a custom detector without a level is a warning; an unknown level is refused', () => {
    const { store, fill } = noisyLayers(['a']);
    const old: monitor.Detector = { check: ({ step }) => (step === 2 ? [{ kind: 'explode', reason: 'spike', step, layer: 'a', value: 1, reference: 1, message: 'm', diagnosis: 'd' }] : []) };
    const mon = new GradientMonitor(store, { names: ['a'], detectors: [old] });
    fill(0, 1);
    mon.record(1);
    mon.record(2);
    expect(mon.eventLog[0].level).toBe('warning');
    const bad: monitor.Detector = { check: ({ step }) => [{ kind: 'explode', reason: 'spike', level: 'fatal' as never, step, layer: null, value: 1, reference: 1, message: 'm', diagnosis: 'd' }] };
    expect(() => new GradientMonitor(store, { names: ['a'], detectors: [bad] }).record(1)).toThrow(/level is "info", "warning" or "error"/);
  });
});

describe('level filters', () => {
  /** Two info spikes (clipped) and one error (non-finite). */
  function mixed(options: monitor.MonitorOptions) {
    const { store, fill } = noisyLayers(['a']);
    const mon = new GradientMonitor(store, { names: ['a'], run: { clip: 1 }, ...options });
    for (let s = 1; s <= 150; s++) {
      fill(0, s === 20 || s === 100 ? 100 : 1);
      if (s === 140) store.grads.views[0][0] = NaN;
      mon.record(s, 0.5);
    }
    return mon;
  }

  it('onEvent with onEventLevel, eventsAtLeast, and level options checked', () => {
    const heard: string[] = [];
    const m = mixed({ onEvent: (e) => heard.push(e.level), onEventLevel: 'warning' });
    expect(m.eventLog.map((e) => e.level)).toEqual(['info', 'info', 'error']);
    expect(heard).toEqual(['error']);
    expect(m.eventsAtLeast('warning').map((e) => e.level)).toEqual(['error']);
    expect(m.eventsAtLeast('info')).toHaveLength(3);
    expect(m.summary().levelCounts).toEqual({ info: 2, warning: 0, error: 1 });
    expect(() => m.eventsAtLeast('loud' as never)).toThrow(RangeError);
    expect(() => m.on('all', () => {}, { minLevel: 'loud' as never })).toThrow(/options\.minLevel/);
    expect(() => m.on('all', () => {}, { min: 'info' } as never)).toThrow(TypeError);
  });

  it('listeners hear events at or above their level', () => {
    const { store, fill } = noisyLayers(['a']);
    const got: Record<string, string[]> = { all: [], warn: [], err: [], vanish: [] };
    const mon = new GradientMonitor(store, { names: ['a'], run: { clip: 1 } })
      .on('all', (e) => got.all.push(e.level))
      .on('all', (e) => got.warn.push(e.level), { minLevel: 'warning' })
      .on('explode', (e) => got.err.push(e.level), { minLevel: 'error' })
      .on('vanish', (e) => got.vanish.push(e.level));
    for (let s = 1; s <= 150; s++) {
      fill(0, s === 20 || s === 100 ? 100 : 1);
      if (s === 140) store.grads.views[0][0] = NaN;
      mon.record(s, 0.5);
    }
    expect(got).toEqual({ all: ['info', 'info', 'error'], warn: ['error'], err: ['error'], vanish: [] });
  });

  it('print writes warnings and errors to the console (true), a chosen level and above, or nothing by default', () => {
    const lines: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((s: string) => void lines.push(s));
    mixed({});
    expect(lines).toEqual([]);
    mixed({ print: true });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^gradguard monitor \[error\] step 140: explode: non-finite gradient in a/);
    lines.length = 0;
    mixed({ print: 'info' });
    expect(lines.map((l) => /\[(\w+)\]/.exec(l)![1])).toEqual(['info', 'info', 'error']);
    expect(() => mixed({ print: 'loud' as never })).toThrow(/options\.print/);
  });
});

describe('the Trainer’s console output', () => {
  it('shows the monitor’s warnings and errors on its stream, not its info events; silent shows none', () => {
    const model = () => new nn.Sequential(new nn.Linear(3, 4, { seed: 1 }), new nn.Tanh(), new nn.Linear(4, 1, { seed: 2 }));
    const batch = { input: nn.tensor(Float32Array.from({ length: 24 }, (_, i) => Math.sin(i)), [8, 3]), target: nn.tensor(new Float32Array(8).fill(0.3), [8, 1]) };
    const nanBatch = { input: nn.tensor(new Float32Array(24).fill(NaN), [8, 3]), target: batch.target };
    const run = (extra: Record<string, unknown>, monitorOptions: monitor.MonitorOptions = {}) => {
      const out: string[] = [];
      const m = model();
      // One info event at step 1 (a detector that says so), and the divergence detector: the NaN batch is an error.
      const info: monitor.Detector = { check: ({ step }) => (step === 1 ? [{ kind: 'explode', reason: 'spike', level: 'info', step, layer: null, value: 1, reference: 1, message: 'an info event', diagnosis: '' }] : []) };
      const mon = new GradientMonitor(m, { detectors: [info, new monitor.DivergeDetector()], ...monitorOptions });
      const t = new Trainer({ model: m, loss: new nn.MSELoss(), optimizer: (p) => new Adam(p), monitor: mon, handleSigint: false, progress: 'lines', logEvery: 1000, stream: { write: (c: string) => void out.push(c) }, ...extra });
      t.step(batch);
      t.step(nanBatch);
      return { out: out.join(''), mon };
    };
    const loud = run({});
    expect(loud.out).toMatch(/^gradguard monitor \[error\] step 2: diverge: loss is NaN\n  /m);
    expect(loud.mon.eventLog.map((e) => e.level)).toEqual(['info', 'error']);
    expect(loud.out).not.toContain('an info event');
    expect(run({ silent: true }).out).toBe('');
    expect(run({ progress: 'none' }).out).toBe('');
    // The monitor prints itself (to the console): the Trainer does not print it a second time.
    const lines: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((s: string) => void lines.push(s));
    expect(run({}, { print: true }).out).toBe('');
    expect(lines).toHaveLength(1);
  });
});

describe('the run the monitor knows', () => {
  it('describeRun merges and validates; runContext reads it back', () => {
    const mon = new GradientMonitor([{ name: 'w', grad: new Float32Array(2) }], { run: { clip: 2, optimizer: 'SGD' } });
    mon.describeRun({ lr: 0.1, schedule: 'StepLR' });
    expect(mon.runContext).toEqual({ clip: 2, optimizer: 'SGD', lr: 0.1, schedule: 'StepLR', normalization: null, init: null });
    mon.describeRun({ clip: null });
    expect(mon.runContext.clip).toBeNull();
    expect(() => mon.describeRun({ clipp: 1 } as never)).toThrow(TypeError);
    expect(() => mon.describeRun({ clip: 'x' as never })).toThrow(/run\.clip/);
    expect(() => mon.describeRun({ lr: -1 })).toThrow(RangeError);
    expect(() => new GradientMonitor([{ name: 'w', grad: new Float32Array(2) }], { run: { init: 3 as never } })).toThrow(/run\.init/);
  });

  it('a Trainer tells its monitor the clip threshold, optimiser, lr (as the schedule moves it), schedule and normalisation', () => {
    const model = new nn.Sequential(new nn.Linear(3, 4, { seed: 1 }), new nn.LayerNorm(4), new nn.Tanh(), new nn.Linear(4, 1, { seed: 2 }));
    const mon = new GradientMonitor(model);
    const opt = new Adam(model.paramStore(), { lr: 0.01 });
    const trainer = new Trainer({ model, loss: new nn.MSELoss(), optimizer: opt, scheduler: new LinearWarmup(opt, { startFactor: 0.1, totalIters: 10 }), clip: { maxNorm: 0.5 }, monitor: mon, silent: true, handleSigint: false });
    expect(mon.runContext).toMatchObject({ clip: 0.5, optimizer: 'Adam', schedule: 'LinearWarmup', normalization: 'LayerNorm' });
    const batch = { input: nn.tensor(Float32Array.from({ length: 24 }, (_, i) => Math.sin(i)), [8, 3]), target: nn.tensor(new Float32Array(8).fill(0.3), [8, 1]) };
    trainer.step(batch);
    const lr1 = mon.runContext.lr;
    expect(lr1).toBeCloseTo(0.001, 9);
    const lr2 = opt.lr; // what step 2 uses, after the warm-up's step
    trainer.step(batch);
    expect(lr2).not.toBe(lr1);
    expect(mon.runContext.lr).toBe(lr2); // the monitor was told before recording step 2
    const m2 = new nn.Linear(2, 1, { seed: 3 });
    const mon2 = new GradientMonitor(m2);
    new Trainer({ model: m2, loss: new nn.MSELoss(), optimizer: (p) => new Adam(p), monitor: mon2, silent: true, handleSigint: false });
    expect(mon2.runContext).toMatchObject({ clip: null, schedule: null, normalization: null, optimizer: 'Adam' });
  });
});

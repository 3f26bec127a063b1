// The training loop: gradient policy, non-finite handling, schedulers, callbacks, progress output,
// Ctrl-C and checkpoints, on every backend.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Adam, AutoClip, fit, getTotalNorm, GradientMonitor, NonFiniteGradientError, nn, ReduceLROnPlateau, SGD, StepLR, train, Trainer, ZClip, type ParamStore } from '../../lib/index.js';
import { randomFloats, targets, useTarget } from '../helpers/targets.js';

const dir = mkdtempSync(join(tmpdir(), 'gradguard-train-'));
const T = (data: Float32Array, shape: number[]): nn.Tensor => nn.tensor(data, shape);

const mlp = (seed = 1): nn.Sequential => new nn.Sequential(new nn.Linear(4, 8, { seed }), new nn.Tanh(), new nn.Linear(8, 1, { seed: seed + 1 }));

/** n batches of a smooth regression target. */
function batches(n: number, scale = 1): train.Batch[] {
  return Array.from({ length: n }, (_, b) => {
    const x = randomFloats(16 * 4, 100 + b);
    const y = new Float32Array(16).map((_, i) => scale * (x[4 * i] - 0.5 * x[4 * i + 1]));
    return { input: T(x, [16, 4]), target: T(y, [16, 1]) };
  });
}

/** A stream that records what it is given, optionally pretending to be a TTY. */
function sink(isTTY = false): NodeJS.WriteStream & { text: () => string } {
  const chunks: string[] = [];
  const w = new Writable({ write(c, _e, cb) { chunks.push(String(c)); cb(); } }) as unknown as NodeJS.WriteStream & { text: () => string };
  Object.assign(w, { isTTY, columns: 120, text: () => chunks.join(''), cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
  return w;
}

/** A layer whose gradient is NaN at chosen steps (a planted fault). */
class Faulty extends nn.Module {
  readonly w = this.addParameter('w', [2]);
  calls = 0;
  constructor(private readonly badAt: Set<number>) {
    super();
  }
  forward(x: nn.Tensor): nn.Tensor {
    return x;
  }
  backward(g: nn.Tensor): nn.Tensor {
    this.calls++;
    this.w.grad.fill(this.badAt.has(this.calls) ? NaN : 0.5);
    return g;
  }
}

describe.each(targets)('Trainer on $name', (t) => {
  useTarget(t);

  it('trains: the loss falls over epochs and the result reports what happened', async () => {
    const losses: number[] = [];
    const r = await fit({ model: mlp(), loss: new nn.MSELoss(), optimizer: (p) => new Adam(p, { lr: 1e-2 }), data: batches(10), epochs: 8, silent: true, onEpoch: (e) => losses.push(e.meanLoss) });
    expect(r).toMatchObject({ steps: 80, epochs: 8, reason: 'completed', interrupted: false, skippedSteps: 0 });
    expect(losses[7]).toBeLessThan(losses[0] / 3);
  });

  it('norm clipping is folded into the step: the update uses a gradient of norm <= maxNorm', async () => {
    const model = mlp();
    const lr = 0.5;
    const maxNorm = 0.05;
    let prev = model.paramStore().params.base.slice();
    const seen: number[] = [];
    const trainer = new Trainer({
      model, loss: new nn.MSELoss(), optimizer: (p) => new SGD(p, { lr }), clip: { maxNorm }, silent: true,
      onStep: (info) => {
        const now = model.paramStore().params.base;
        let s = 0;
        for (let i = 0; i < now.length; i++) s += (now[i] - prev[i]) ** 2;
        prev = now.slice();
        // SGD without momentum: Δp = −lr·scale·g, so |Δp|/lr is the norm of the gradient used.
        const used = Math.sqrt(s) / lr;
        seen.push(used);
        expect(used).toBeLessThanOrEqual(maxNorm * (1 + 1e-4));
        expect(info.clipped).toBe(info.gradNorm > maxNorm);
        if (!info.clipped) expect(used).toBeCloseTo(info.gradNorm, 4);
        // The gradients themselves are left as backward produced them.
        expect(getTotalNorm(model.paramStore().grads)).toBeCloseTo(info.gradNorm, 4);
      },
    });
    await trainer.fit(batches(6, 10));
    expect(seen.length).toBe(6);
    expect(seen.some((n) => n > maxNorm * 0.99)).toBe(true);
  });

  it('value clipping, AGC and adaptive clipping are applied in place before the step', async () => {
    const model = mlp();
    const store = model.paramStore();
    let maxAbs = 0;
    await fit({ model, loss: new nn.MSELoss(), optimizer: (p) => new SGD(p, { lr: 0.01 }), clipValue: 0.01, silent: true, data: batches(3, 10), onStep: (i) => {
      maxAbs = Math.max(maxAbs, getTotalNorm(store.grads, Infinity));
      expect(i.clipped).toBe(true);
    } });
    expect(maxAbs).toBeLessThanOrEqual(Math.fround(0.01));

    const m2 = mlp();
    const ratios: number[] = [];
    await fit({ model: m2, loss: new nn.MSELoss(), optimizer: (p) => new SGD(p, { lr: 0.01 }), agc: { clipping: 0.001 }, silent: true, data: batches(2, 10), onStep: (i) => {
      expect(i.clipped).toBe(true);
      const [w, g] = [m2.paramStore().params.views[0], m2.paramStore().grads.views[0]];
      // Unit-wise: each row of the first weight has |g_row| <= 0.001·max(|w_row|, 1e-3).
      for (let r = 0; r < 8; r++) {
        let gw = 0, ww = 0;
        for (let c = 0; c < 4; c++) { gw += g[r * 4 + c] ** 2; ww += w[r * 4 + c] ** 2; }
        ratios.push(Math.sqrt(gw) / Math.max(Math.sqrt(ww), 1e-3));
      }
    } });
    expect(Math.max(...ratios)).toBeLessThanOrEqual(0.001 * (1 + 1e-3));

    for (const adaptive of [new AutoClip({ percentile: 50 }), new ZClip({ warmupSteps: 2 })]) {
      const m3 = mlp();
      const norms: number[] = [];
      await fit({ model: m3, loss: new nn.MSELoss(), optimizer: (p) => new SGD(p, { lr: 0.01 }), adaptive, silent: true, data: [...batches(4), ...batches(1, 1000)], onStep: (i) => norms.push(i.gradNorm) });
      expect(norms.length).toBe(5);
    }
    const auto = new AutoClip({ percentile: 0 });
    const m4 = mlp();
    await fit({ model: m4, loss: new nn.MSELoss(), optimizer: (p) => new SGD(p, { lr: 0.01 }), adaptive: auto, silent: true, data: [...batches(3), ...batches(1, 1000)], onStep: (i) => {
      // The spike at step 4 is clipped down to the smallest norm seen so far.
      if (i.step === 4) {
        expect(i.clipped).toBe(true);
        expect(getTotalNorm(m4.paramStore().grads)).toBeCloseTo(auto.threshold(), 3);
      }
    } });
  });

  it('a NaN loss skips the step (no backward, no update) or throws NonFiniteLossError', async () => {
    const model = mlp();
    const data = batches(4);
    const bad = { input: T(data[1].input.data.slice().fill(NaN, 0, 1), [16, 4]), target: data[1].target };
    const snapshots: Float32Array[] = [];
    const r = await fit({ model, loss: new nn.MSELoss(), optimizer: (p) => new Adam(p), silent: true, data: [data[0], bad, data[2]], onStep: (i) => {
      snapshots.push(model.paramStore().params.base.slice());
      if (i.step === 2) expect(i).toMatchObject({ skipped: true, clipped: false });
      if (i.step !== 2) expect(i.skipped).toBe(false);
    } });
    expect(r.skippedSteps).toBe(1);
    expect(Number.isNaN(r.lastLoss)).toBe(false);
    expect(Array.from(snapshots[1])).toEqual(Array.from(snapshots[0]));
    expect(snapshots[1].every(Number.isFinite)).toBe(true);
    const thrower = new Trainer({ model: mlp(), loss: new nn.MSELoss(), optimizer: (p) => new Adam(p), nonFinite: 'throw', silent: true });
    await expect(thrower.fit([data[0], bad])).rejects.toThrow(train.NonFiniteLossError);
    // The throwing step changed nothing, its step number included: the next try is step 2 again.
    expect(thrower.stepCount).toBe(1);
    await expect(thrower.fit([bad])).rejects.toThrow(/Training loss is NaN at step 2/);
    expect(thrower.stepCount).toBe(1);
  });

  it('feeds a monitor every step with the raw (unclipped) gradients, NaN-loss steps included', async () => {
    const model = mlp();
    const mon = new GradientMonitor(model);
    const data = batches(4);
    const bad = { input: T(data[1].input.data.slice().fill(NaN, 0, 1), [16, 4]), target: data[1].target };
    const norms: number[] = [];
    await fit({ model, loss: new nn.MSELoss(), optimizer: (p) => new SGD(p, { lr: 0.01 }), clip: { maxNorm: 1e-3 }, monitor: mon, silent: true, data: [data[0], bad, data[2], data[3]], onStep: (i) => norms.push(i.gradNorm) });
    const h = mon.toJSON();
    expect(h.steps).toEqual([1, 2, 3, 4]);
    expect(h.totalNorm[0]).toBeCloseTo(norms[0], 5); // before clipping (the step clipped it to 1e-3)
    expect(norms[0]).toBeGreaterThan(1e-2);
    expect(mon.eventLog.map((e) => [e.reason, e.step])).toContainEqual(['nonfinite-loss', 2]);
    expect(() => new Trainer({ model: mlp(), loss: new nn.MSELoss(), optimizer: (p) => new SGD(p, { lr: 0.1 }), monitor: {} as GradientMonitor })).toThrow(/options\.monitor/);
  });

  it('a skipped or throwing step leaves BatchNorm running statistics as they were (a NaN batch does not poison eval)', async () => {
    const net = () => new nn.Sequential(new nn.Linear(4, 6), new nn.BatchNorm1d(6), new nn.ReLU(), new nn.Linear(6, 1));
    const data = batches(3);
    const bad = { input: T(data[1].input.data.slice().fill(NaN, 0, 1), [16, 4]), target: data[1].target };
    const stats = (m: nn.Module) => m.namedBuffers().map(([n, b]) => [n, Array.from(b.data)] as const);
    for (const nonFinite of ['skip', 'throw'] as const) {
      const model = net();
      const trainer = new Trainer({ model, loss: new nn.MSELoss(), optimizer: (p) => new Adam(p), nonFinite, silent: true });
      trainer.step(data[0]);
      const before = stats(model);
      expect(before.flatMap(([, v]) => v).every(Number.isFinite)).toBe(true);
      if (nonFinite === 'skip') expect(trainer.step(bad).skipped).toBe(true);
      else expect(() => trainer.step(bad)).toThrow(train.NonFiniteLossError);
      expect(stats(model)).toEqual(before);
      trainer.step(data[2]); // the next good batch updates them again
      expect(stats(model)).not.toEqual(before);
      model.eval();
      expect(model.forward(data[0].input).data.every(Number.isFinite)).toBe(true);
    }
  });

  it('a step skipped for non-finite gradients (finite loss) leaves BatchNorm running statistics as they were', () => {
    const model = new nn.Sequential(new nn.Linear(4, 6), new nn.BatchNorm1d(6), new nn.Linear(6, 1));
    const data = batches(2);
    const trainer = new Trainer({ model, loss: new nn.MSELoss(), optimizer: (p) => new Adam(p), silent: true });
    trainer.step(data[0]);
    const before = model.namedBuffers().map(([, b]) => Array.from(b.data));
    // A finite loss whose backward overflows: the loss's gradient is set to 3e38, so the weight
    // gradients become Infinity and the step is skipped after the forward already ran.
    const loss = new nn.MSELoss();
    const origBackward = loss.backward.bind(loss);
    loss.backward = () => {
      const g = origBackward();
      g.data.fill(3e38);
      return g;
    };
    const t2 = new Trainer({ model, loss, optimizer: (p) => new Adam(p), silent: true });
    const info = t2.step(data[1]);
    expect(Number.isFinite(info.loss)).toBe(true);
    expect(info.skipped).toBe(true);
    expect(model.namedBuffers().map(([, b]) => Array.from(b.data))).toEqual(before);
  });

  it('non-finite gradients skip the update, or throw NonFiniteGradientError naming the parameter', async () => {
    const model = new nn.Sequential(new nn.Linear(4, 1, { seed: 3 }), new Faulty(new Set([2])));
    const states: Float32Array[] = [];
    const r = await fit({ model, loss: new nn.MSELoss(), optimizer: (p) => new SGD(p, { lr: 0.1, momentum: 0.9 }), clip: { maxNorm: 1 }, silent: true, data: batches(3), onStep: (i) => {
      states.push(model.paramStore().params.base.slice());
      expect(i.skipped).toBe(i.step === 2);
      if (i.step === 2) expect(Number.isNaN(i.gradNorm)).toBe(true);
    } });
    expect(r.skippedSteps).toBe(1);
    expect(Array.from(states[1])).toEqual(Array.from(states[0]));
    expect(states[2].every(Number.isFinite)).toBe(true);
    const model2 = new nn.Sequential(new nn.Linear(4, 1, { seed: 3 }), new Faulty(new Set([1])));
    const err = await fit({ model: model2, loss: new nn.MSELoss(), optimizer: (p) => new SGD(p, { lr: 0.1 }), nonFinite: 'throw', silent: true, data: batches(2) }).catch((e) => e);
    expect(err).toBeInstanceOf(NonFiniteGradientError);
    expect(err.message).toMatch(/parameter "1\.w"/);
  });

  it('advances the scheduler every step, or every epoch with the mean loss', async () => {
    const lrs: number[] = [];
    await fit({
      model: mlp(), loss: new nn.MSELoss(), optimizer: (p) => new SGD(p, { lr: 0.1 }), silent: true, data: batches(5),
      scheduler: undefined, onStep: (i) => lrs.push(i.lr),
    });
    expect(lrs).toEqual([0.1, 0.1, 0.1, 0.1, 0.1]);
    const model = mlp();
    const opt = new SGD(model.paramStore(), { lr: 0.1 });
    const stepLrs: number[] = [];
    await new Trainer({ model, loss: new nn.MSELoss(), optimizer: opt, scheduler: new StepLR(opt, { stepSize: 2, gamma: 0.5 }), silent: true, onStep: (i) => stepLrs.push(i.lr) }).fit(batches(5));
    expect(stepLrs).toEqual([0.1, 0.1, 0.05, 0.05, 0.025]);
    expect(opt.lr).toBeCloseTo(0.025);

    const m2 = mlp();
    const o2 = new SGD(m2.paramStore(), { lr: 0.1 });
    const plateau = new ReduceLROnPlateau(o2, { patience: 0, factor: 0.5, mode: 'max' });
    const epochLrs: number[] = [];
    await new Trainer({ model: m2, loss: new nn.MSELoss(), optimizer: o2, scheduler: plateau, schedulerInterval: 'epoch', silent: true, onEpoch: () => epochLrs.push(o2.lr) }).fit(batches(2), { epochs: 3 });
    // mode 'max' on a falling loss: every epoch after the first is "no improvement".
    expect(epochLrs).toEqual([0.1, 0.05, 0.025]);
  });

  it('SIGINT stops between steps, saves a checkpoint, returns interrupted, and removes its handler', async () => {
    const listeners = process.listenerCount('SIGINT');
    const path = join(dir, `int-${t.name.replace('/', '-')}.ckpt`);
    const model = mlp();
    let during = 0;
    const r = await fit({ model, loss: new nn.MSELoss(), optimizer: (p) => new Adam(p), silent: true, data: batches(10), epochs: 5, checkpoint: { path }, onStep: (i) => {
      during = process.listenerCount('SIGINT');
      if (i.step === 7) process.kill(process.pid, 'SIGINT');
    } });
    expect(during).toBe(listeners + 1);
    expect(process.listenerCount('SIGINT')).toBe(listeners);
    expect(r).toMatchObject({ interrupted: true, reason: 'interrupted', steps: 7, checkpointPath: path });
    const restored = mlp(50);
    expect(nn.loadCheckpoint(path, restored).meta).toEqual({ step: 7, lr: 1e-3, scheduler: null, adaptive: null });
    expect(Array.from(restored.paramStore().params.base)).toEqual(Array.from(model.paramStore().params.base));
  });

  it('resumes a scheduled, adaptively clipped run from its checkpoint exactly where it stopped', async () => {
    const path = join(dir, `resume-${t.name.replace('/', '-')}.ckpt`);
    const make = () => {
      const model = mlp();
      const opt = new Adam(model.paramStore(), { lr: 0.05 });
      return new Trainer({ model, loss: new nn.MSELoss(), optimizer: opt, scheduler: new StepLR(opt, { stepSize: 3, gamma: 0.5 }), adaptive: new AutoClip({ percentile: 50 }), silent: true });
    };
    const data = batches(10);
    const straight = make();
    await straight.fit(data);
    const first = make();
    await first.fit(data.slice(0, 6));
    first.saveCheckpoint(path);
    const resumed = make();
    expect(resumed.loadCheckpoint(path)).toMatchObject({ step: 6, lr: 0.05 * 0.25 });
    expect(resumed.stepCount).toBe(6);
    expect(resumed.optimizer.lr).toBe(first.optimizer.lr);
    await resumed.fit(data.slice(6));
    expect(resumed.stepCount).toBe(10);
    expect(resumed.optimizer.lr).toBe(straight.optimizer.lr);
    expect(Array.from(resumed.store.params.base)).toEqual(Array.from(straight.store.params.base));
  });

  it('refuses a checkpoint it cannot resume from, changing nothing', () => {
    const model = mlp();
    const opt = new Adam(model.paramStore());
    const plain = join(dir, `plain-${t.name.replace('/', '-')}.ckpt`);
    nn.saveCheckpoint(plain, model, opt);
    const trainer = new Trainer({ model, loss: new nn.MSELoss(), optimizer: opt, silent: true });
    expect(() => trainer.loadCheckpoint(plain)).toThrow(/was not written by a Trainer/);
    // A StepLR run's checkpoint into a trainer with ReduceLROnPlateau: the scheduler state does not fit.
    const a = mlp(3);
    const aOpt = new Adam(a.paramStore());
    const stepped = new Trainer({ model: a, loss: new nn.MSELoss(), optimizer: aOpt, scheduler: new StepLR(aOpt, { stepSize: 1 }), silent: true });
    stepped.step(batches(1)[0]);
    const ck = join(dir, `steplr-${t.name.replace('/', '-')}.ckpt`);
    stepped.saveCheckpoint(ck);
    const b = mlp(4);
    const bOpt = new Adam(b.paramStore(), { lr: 0.3 });
    const other = new Trainer({ model: b, loss: new nn.MSELoss(), optimizer: bOpt, scheduler: new ReduceLROnPlateau(bOpt), schedulerInterval: 'epoch', silent: true });
    const before = Array.from(b.paramStore().params.base);
    expect(() => other.loadCheckpoint(ck)).toThrow(/state\.(numBadEpochs|cooldownCounter|best)/);
    expect(Array.from(b.paramStore().params.base)).toEqual(before);
    expect(bOpt.lr).toBe(0.3);
    expect(other.stepCount).toBe(0);
  });

  it('two Ctrl-C during one step still stop cleanly between steps (the second is within the grace period)', async () => {
    const r = await fit({ model: mlp(), loss: new nn.MSELoss(), optimizer: (p) => new Adam(p), silent: true, data: batches(10), onStep: (i) => {
      if (i.step === 3) {
        process.kill(process.pid, 'SIGINT');
        process.kill(process.pid, 'SIGINT');
      }
    } });
    expect(r).toMatchObject({ interrupted: true, steps: 3 });
  });

  it('counts an epoch that maxSteps ends on its last batch (array source): scheduler and onEpoch run for it', async () => {
    const run = async (epochs: number, maxSteps: number, source: 'array' | 'generator') => {
      const epochsSeen: number[] = [];
      const data = batches(5);
      const src = source === 'array' ? data : () => (function* () { yield* data; })();
      const r = await new Trainer({ model: mlp(), loss: new nn.MSELoss(), optimizer: (p) => new SGD(p, { lr: 0.01 }), silent: true, onEpoch: (e) => epochsSeen.push(e.epoch) }).fit(src, { epochs, maxSteps });
      return { ...r, epochsSeen };
    };
    expect(await run(3, 15, 'array')).toMatchObject({ steps: 15, epochs: 3, reason: 'completed', epochsSeen: [1, 2, 3] });
    expect(await run(5, 10, 'array')).toMatchObject({ steps: 10, epochs: 2, reason: 'maxSteps', epochsSeen: [1, 2] });
    expect(await run(5, 12, 'array')).toMatchObject({ steps: 12, epochs: 2, reason: 'maxSteps', epochsSeen: [1, 2] });
    // A generator's end is unknown without pulling another batch: that epoch is not counted.
    expect(await run(5, 10, 'generator')).toMatchObject({ steps: 10, epochs: 1, reason: 'maxSteps', epochsSeen: [1] });
  });

  it('stops on maxSteps and shouldStop; reads async iterables and per-epoch functions; checkpoints every N steps', async () => {
    const base = { model: mlp(), loss: new nn.MSELoss(), optimizer: (p: ParamStore) => new Adam(p), silent: true } as const;
    expect(await new Trainer(base).fit(batches(10), { epochs: 3, maxSteps: 12 })).toMatchObject({ steps: 12, reason: 'maxSteps', epochs: 1 });
    expect(await new Trainer({ ...base, model: mlp(), shouldStop: (i) => i.loss < 10 }).fit(batches(10))).toMatchObject({ steps: 1, reason: 'shouldStop' });
    async function* gen(): AsyncGenerator<train.Batch> {
      for (const b of batches(3)) yield b;
    }
    expect(await new Trainer({ ...base, model: mlp() }).fit(gen(), { epochs: 2 })).toMatchObject({ steps: 3, epochs: 1, reason: 'exhausted' });
    const epochsSeen: number[] = [];
    expect(await new Trainer({ ...base, model: mlp() }).fit((e) => (epochsSeen.push(e), batches(2)), { epochs: 3 })).toMatchObject({ steps: 6, epochs: 3, reason: 'completed' });
    expect(epochsSeen).toEqual([1, 2, 3]);
    const path = join(dir, `every-${t.name.replace('/', '-')}.ckpt`);
    await new Trainer({ ...base, model: mlp(), checkpoint: { path, everySteps: 4 } }).fit(batches(5));
    expect(nn.readCheckpoint(path).meta).toEqual({ step: 4, lr: 1e-3, scheduler: null, adaptive: null });
  });
});

describe('Trainer output and options', () => {
  it('prints plain lines when not a TTY, a bar on a TTY, nothing when silent', async () => {
    const lines = sink(false);
    await fit({ model: mlp(), loss: new nn.MSELoss(), optimizer: (p) => new Adam(p), data: batches(5), epochs: 2, logEvery: 4, stream: lines });
    const text = lines.text().trim().split('\n');
    expect(text.length).toBe(3);
    expect(text[0]).toMatch(/^step 4\/10 \| epoch 1 \| loss \S+ \| grad-norm \S+ \| [\d.]+ steps\/s$/);
    expect(text[2]).toMatch(/^step 10\/10 \| epoch 2/);

    const tty = sink(true);
    const exitListeners = process.listenerCount('exit');
    let during = 0;
    await fit({ model: mlp(), loss: new nn.MSELoss(), optimizer: (p) => new Adam(p), data: batches(3), stream: tty, onStep: () => void (during = process.listenerCount('exit')) });
    expect(tty.text()).toMatch(/3\/3 \| loss \S+ \| grad-norm \S+ \| [\d.]+ steps\/s/);
    // While the bar (which hides the cursor) runs, an exit hook brings the cursor back; it is gone after.
    expect(during).toBe(exitListeners + 1);
    expect(process.listenerCount('exit')).toBe(exitListeners);

    const quiet = sink(true);
    await fit({ model: mlp(), loss: new nn.MSELoss(), optimizer: (p) => new Adam(p), data: batches(3), stream: quiet, silent: true });
    await fit({ model: mlp(), loss: new nn.MSELoss(), optimizer: (p) => new Adam(p), data: batches(3), stream: quiet, progress: 'none' });
    expect(quiet.text()).toBe('');
  });

  it('rejects bad options, naming them', async () => {
    const ok = { model: mlp(), loss: new nn.MSELoss(), optimizer: (p: ParamStore) => new Adam(p) };
    expect(() => new Trainer({ ...ok, model: {} as nn.Module })).toThrow(/options.model: expected an nn.Module/);
    expect(() => new Trainer({ ...ok, loss: {} as nn.Loss })).toThrow(/options.loss/);
    expect(() => new Trainer({ ...ok, clip: { maxNorm: -1 } })).toThrow(/options.clip.maxNorm/);
    expect(() => new Trainer({ ...ok, clip: { maxNorm: 1, normType: 0 } })).toThrow(/options.clip.normType/);
    expect(() => new Trainer({ ...ok, clipValue: NaN })).toThrow(/options.clipValue/);
    expect(() => new Trainer({ ...ok, adaptive: {} as AutoClip })).toThrow(/options.adaptive/);
    expect(() => new Trainer({ ...ok, nonFinite: 'ignore' as 'skip' })).toThrow(/options.nonFinite/);
    expect(() => new Trainer({ ...ok, progress: 'fancy' as 'bar' })).toThrow(/options.progress/);
    expect(() => new Trainer({ ...ok, checkpoint: { path: '' } })).toThrow(/options.checkpoint.path/);
    // An optimiser over a copy of the parameters would train nothing: refused.
    const m = mlp();
    expect(() => new Trainer({ ...ok, model: m, optimizer: new Adam(m.parameters()) })).toThrow(/options.optimizer: expected an optimiser over model.paramStore\(\)/);
    await expect(new Trainer(ok).fit(42 as unknown as train.Batch[])).rejects.toThrow(/data: expected an iterable/);
    await expect(new Trainer(ok).fit([], { epochs: -1 })).rejects.toThrow(/options.epochs/);
  });
});

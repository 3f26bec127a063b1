// The *Async buffer rule (DESIGN §4: while an *Async call runs, its buffers belong to it) for the
// RNN/LSTM and normalisation ops, on every backend/ISA: an array over a resizable ArrayBuffer or a
// growable SharedArrayBuffer is refused before any work, naming it; a buffer transferred while the
// call runs makes the Promise reject with ERR_GRADGUARD_DETACHED, naming it, never resolve. The
// rejection does not depend on timing: the addon checks on completion, the TS layer after it.
import { describe, expect, it } from 'vitest';
import { loadAddon } from '../../lib/binding.js';
import { GradGuardError, nativeAvailable, ops } from '../../lib/index.js';
import { lcgFloats as rand } from '../helpers/random.js';
import { targets, useTarget } from '../helpers/targets.js';
import { growableF32, resizableF32, resizableF64, transfer } from '../helpers/buffers.js';

async function expectDetached(p: Promise<unknown>, name: RegExp): Promise<void> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GradGuardError);
  expect((err as GradGuardError).code).toBe('ERR_GRADGUARD_DETACHED');
  expect((err as Error).message).toMatch(name);
  expect((err as Error).message).toMatch(/detached \(transferred\) or resized/);
}

const shape = { seqLen: 3, batch: 2, inputSize: 4, hiddenSize: 5 };
const x = rand(3 * 2 * 4, 1);
const w = (g: number) => ({ weightIh: rand(g * 5 * 4, 2, 0.3), weightHh: rand(g * 5 * 5, 3, 0.3), biasIh: rand(g * 5, 4), biasHh: rand(g * 5, 5) });
const wsLstm = ops.lstmWorkspaceSize(3, 2, 5);
const wsRnn = ops.rnnWorkspaceSize(3, 2, 5);
const n = 6, c = 5;
const xb = rand(n * c, 6);

describe.each(targets)('*Async buffer rule on $name', (t) => {
  useTarget(t);

  it('refuses resizable and growable buffers up front, naming the argument, before any write', async () => {
    const out = resizableF32(n * c);
    out.fill(7);
    await expect(ops.layerNormAsync(xb, c, { out })).rejects.toThrow(TypeError);
    await expect(ops.layerNormAsync(xb, c, { out })).rejects.toThrow(/options\.out: .*resizable ArrayBuffer or growable SharedArrayBuffer/);
    expect(Array.from(out).every((v) => v === 7)).toBe(true);

    const f = ops.lstmForward(x, w(4), shape);
    const cases: [string, () => Promise<unknown>, RegExp][] = [
      ['rnnForwardAsync input', () => ops.rnnForwardAsync(resizableF32(x.length).fill(0.5), w(1), shape), /^input: /],
      ['rnnForwardAsync workspace', () => ops.rnnForwardAsync(x, w(1), shape, { workspace: resizableF32(wsRnn) }), /options\.workspace: /],
      ['rnnBackwardAsync workspace', () => ops.rnnBackwardAsync(x, w(1), shape, resizableF32(wsRnn)), /^workspace: /],
      ['lstmForwardAsync h0 (growable SAB)', () => ops.lstmForwardAsync(x, w(4), shape, { h0: growableF32(10) }), /options\.h0: /],
      ['lstmForwardAsync weightHh', () => ops.lstmForwardAsync(x, { ...w(4), weightHh: resizableF32(100) }, shape), /weights\.weightHh: /],
      ['lstmBackwardAsync gradC0', () => ops.lstmBackwardAsync(x, w(4), shape, f.workspace, { grads: { gradC0: resizableF32(10) } }), /options\.grads\.gradC0: /],
      ['batchNorm1dAsync runningVar', () => ops.batchNorm1dAsync(xb, [n, c], { runningMean: new Float32Array(c), runningVar: resizableF32(c) }), /options\.runningVar: /],
      ['batchNorm1dBackwardAsync gradWeight', () => ops.batchNorm1dBackwardAsync(xb, xb, [n, c], ops.batchNorm1d(xb, [n, c]), { gradWeight: growableF32(c) }), /options\.gradWeight: /],
      ['layerNormBackwardAsync saveMean', () => ops.layerNormBackwardAsync(xb, xb, c, { ...ops.layerNorm(xb, c), saveMean: resizableF64(n) }), /saved\.saveMean: .*Float64Array/],
    ];
    for (const [what, call, name] of cases) {
      const err = await call().then(
        () => null,
        (e: unknown) => e,
      );
      expect(err, what).toBeInstanceOf(TypeError);
      expect((err as Error).message, what).toMatch(name);
    }
  });

  it('the sync forms still accept resizable buffers (nothing runs after they return)', () => {
    const out = resizableF32(n * c);
    ops.layerNorm(xb, c, { out });
    expect(Array.from(out)).toEqual(Array.from(ops.layerNorm(xb, c).y));
  });

  it('an output transferred right after the call rejects the Promise, naming it', async () => {
    const out = new Float32Array(n * c);
    const p = ops.layerNormAsync(xb, c, { out });
    const moved = transfer(out);
    await expectDetached(p, /^options\.out: /);
    expect(moved.byteLength).toBe(n * c * 4);

    const workspace = new Float32Array(wsLstm);
    const q = ops.lstmForwardAsync(x, w(4), shape, { workspace });
    const moved2 = transfer(workspace);
    await expectDetached(q, /^options\.workspace: /);
    expect(moved2.byteLength).toBe(wsLstm * 4);
  });

  it('an input transferred right after the call rejects the Promise, naming it', async () => {
    const wt = w(4);
    const f = ops.lstmForward(x, wt, shape);
    const input = x.slice();
    const p = ops.lstmBackwardAsync(input, wt, shape, f.workspace, { gradOutput: f.output });
    const moved = transfer(input);
    await expectDetached(p, /^input: /);
    expect(moved.byteLength).toBe(x.length * 4);

    const gy = rand(n * c, 9);
    const q = ops.batchNorm1dBackwardAsync(gy, xb, [n, c], ops.batchNorm1d(xb, [n, c]));
    const moved2 = transfer(gy);
    await expectDetached(q, /^gradY: /);
    expect(moved2.byteLength).toBe(n * c * 4);

    const rm = new Float32Array(c);
    const r = ops.batchNorm1dAsync(xb, [n, c], { runningMean: rm, runningVar: new Float32Array(c).fill(1) });
    const moved3 = transfer(rm);
    await expectDetached(r, /^options\.runningMean: /);
    expect(moved3.byteLength).toBe(c * 4);
  });

  it('a call whose buffers stay put still resolves with the sync result', async () => {
    const wt = w(1);
    const fa = await ops.rnnForwardAsync(x, wt, shape);
    expect(Array.from(fa.output)).toEqual(Array.from(ops.rnnForward(x, wt, shape).output));
  });
});

describe('the addon rejects a call whose buffer was detached while it ran (no TS check)', () => {
  const a = nativeAvailable() ? loadAddon() : null;

  const settle = (p: Promise<unknown>): Promise<unknown> =>
    p.then(
      () => 'resolved',
      (e: unknown) => e,
    );

  it('layerNormForwardAsync: the output', async () => {
    if (!a) return;
    const m = 64, d = 256;
    const xl = rand(m * d, 10);
    const y = new Float32Array(m * d);
    const p = a.layerNormForwardAsync(xl, m, d, null, null, 1e-5, y, new Float64Array(m), new Float64Array(m));
    const moved = transfer(y);
    const err = await settle(p);
    expect((err as { code?: string }).code).toBe('ERR_GRADGUARD_DETACHED');
    expect((err as Error).message).toMatch(/layerNormForwardAsync: argument 6 was detached \(transferred\) or resized while the call ran/);
    expect(moved.byteLength).toBe(m * d * 4);
  });

  it('recurrentForwardAsync: the workspace of an LSTM still running', async () => {
    if (!a) return;
    // Large enough that the job is usually still running when the transfer happens; the check is
    // on completion, so the outcome does not depend on that.
    const T = 40, B = 16, I = 64, H = 128;
    const wt = { weightIh: rand(4 * H * I, 11, 0.05), weightHh: rand(4 * H * H, 12, 0.05) };
    const ws = new Float32Array(6 * T * B * H);
    const z = new Float32Array(B * H);
    const p = a.recurrentForwardAsync(2, T, B, I, H, rand(T * B * I, 13), z, z, wt.weightIh, wt.weightHh, null, null, new Float32Array(T * B * H), new Float32Array(B * H), new Float32Array(B * H), ws);
    const moved = transfer(ws);
    const err = await settle(p);
    expect((err as { code?: string }).code).toBe('ERR_GRADGUARD_DETACHED');
    expect((err as Error).message).toMatch(/recurrentForwardAsync: argument 15 was detached/);
    expect(ws.length).toBe(0);
    expect(moved.byteLength).toBe(6 * T * B * H * 4);
  });

  it('batchNormBackwardAsync: a Float64 input', async () => {
    if (!a) return;
    const f = ops.batchNorm1d(xb, [n, c]);
    const sm = f.saveMean.slice();
    const p = a.batchNormBackwardAsync(xb, xb, n, c, null, sm, f.saveInvstd, true, new Float32Array(n * c), new Float32Array(c), new Float32Array(c), false);
    const moved = transfer(sm);
    const err = await settle(p);
    expect((err as { code?: string }).code).toBe('ERR_GRADGUARD_DETACHED');
    expect((err as Error).message).toMatch(/argument 5 was detached/);
    expect(moved.byteLength).toBe(c * 8);
  });
});

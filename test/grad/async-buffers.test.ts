// The *Async buffer rule (DESIGN §4) for the gradient utilities, on every backend/ISA and for every
// list form (a short Array, a remembered long Array, a FlatTensors): a tensor over a resizable or
// growable buffer is refused before any work, naming it; one transferred while the call runs makes
// the Promise reject with ERR_GRADGUARD_DETACHED, naming it. The addon checks on its own too.
import { describe, expect, it } from 'vitest';
import { loadAddon } from '../../lib/binding.js';
import {
  clipGradNormAsync,
  clipGradsWithNormAsync,
  clipGradValueAsync,
  FlatTensors,
  getTotalNormAsync,
  GradGuardError,
  gradStatsAsync,
  nativeAvailable,
} from '../../lib/index.js';
import { randomFloats, targets, useTarget } from '../helpers/targets.js';
import { growableF32, resizableF32, settle, transfer } from '../helpers/buffers.js';

const make = (n: number) => Array.from({ length: n }, (_, i) => randomFloats(17 + (i % 5), i + 1, -3, 3));

async function expectDetached(p: Promise<unknown>, name: RegExp): Promise<void> {
  const err = await settle(p);
  expect(err).toBeInstanceOf(GradGuardError);
  expect((err as GradGuardError).code).toBe('ERR_GRADGUARD_DETACHED');
  expect((err as Error).message).toMatch(name);
}

describe.each(targets)('*Async gradient utilities and their buffers on $name', (t) => {
  useTarget(t);

  it('refuse a resizable or growable tensor up front, naming it, and leave the gradients untouched', async () => {
    const r = resizableF32(8).fill(5);
    const short = [randomFloats(8, 1), r];
    const calls: [string, () => Promise<unknown>][] = [
      ['getTotalNormAsync', () => getTotalNormAsync(short)],
      ['clipGradNormAsync', () => clipGradNormAsync(short, 0.1)],
      ['clipGradsWithNormAsync', () => clipGradsWithNormAsync(short, 0.1, 100)],
      ['clipGradsWithNormAsync (nothing to scale)', () => clipGradsWithNormAsync(short, 100, 0.1)],
      ['clipGradValueAsync', () => clipGradValueAsync(short, 0.1)],
      ['gradStatsAsync', () => gradStatsAsync(short)],
    ];
    for (const [what, call] of calls) {
      const err = await settle(call());
      expect(err, what).toBeInstanceOf(TypeError);
      expect((err as Error).message, what).toMatch(/^grads\[1\]: expected a Float32Array over a fixed-length buffer/);
    }
    expect(Array.from(r).every((v) => v === 5)).toBe(true);

    // A remembered long list: refused on its first async use and on every later one.
    const long = make(40);
    long[35] = growableF32(9);
    await expect(getTotalNormAsync(long)).rejects.toThrow(/^grads\[35\]: .*growable SharedArrayBuffer/);
    await expect(clipGradNormAsync(long, 1)).rejects.toThrow(/^grads\[35\]: /);

    // A FlatTensors over a resizable buffer: the base is named.
    const flat = new FlatTensors(resizableF32(32), Uint32Array.from([0, 16, 16, 16]), [[16], [16]]);
    await expect(gradStatsAsync(flat)).rejects.toThrow(/^grads: expected a Float32Array over a fixed-length buffer/);
  });

  it('reject when a tensor is transferred while the call runs, naming it', async () => {
    const short = make(3);
    const p = getTotalNormAsync(short);
    const moved = transfer(short[1]);
    await expectDetached(p, /^grads\[1\]: /);

    const long = make(40);
    await clipGradNormAsync(long, 1e6); // remembered (and prepared, on the native backend)
    const q = clipGradNormAsync(long, 0.5);
    const moved2 = transfer(long[39]);
    await expectDetached(q, /^grads\[39\]: /);

    const flat = new FlatTensors(new Float32Array(32), Uint32Array.from([0, 7, 16, 9]), [[7], [9]]);
    flat.base.fill(2);
    const r = clipGradValueAsync(flat, 1);
    const moved3 = transfer(flat.base);
    await expectDetached(r, /^grads: /);

    const s = gradStatsAsync(short.slice(0, 1));
    const moved4 = transfer(short[0]);
    await expectDetached(s, /^grads\[0\]: /);
    expect([moved, moved2, moved3, moved4].every((b) => b.byteLength > 0)).toBe(true);
  });

  it('still resolve with the sync result when nothing moves', async () => {
    const long = make(40);
    const expected = await getTotalNormAsync(long);
    expect(await getTotalNormAsync(long)).toBe(expected);
    expect((await gradStatsAsync(long)).totalNorm).toBe(expected);
  });
});

describe('the addon rejects a gradient call whose tensor was detached while it ran (no TS check)', () => {
  const a = nativeAvailable() ? loadAddon() : null;

  it('a plain list element, a prepared list element, a flat base and a Float64 output', async () => {
    if (!a) return;
    const list = make(4);
    const p = a.gradNormAsync(list, null, 2);
    const m1 = transfer(list[2]);
    const e1 = await settle(p);
    expect((e1 as { code?: string }).code).toBe('ERR_GRADGUARD_DETACHED');
    expect((e1 as Error).message).toMatch(/^getTotalNormAsync: argument 0 element 2 was detached \(transferred\) or resized/);

    const long = make(40);
    const handle = a.prepareTensorList(long);
    const q = a.clipGradNormAsync(handle, null, 0.5, 2, false);
    const m2 = transfer(long[37]);
    const e2 = await settle(q);
    expect((e2 as { code?: string }).code).toBe('ERR_GRADGUARD_DETACHED');
    expect((e2 as Error).message).toMatch(/argument 0 element 37 was detached/);

    const base = new Float32Array(64);
    const r = a.scaleGradsAsync(base, Uint32Array.from([0, 32, 32, 32]), 0.5);
    const m3 = transfer(base);
    const e3 = await settle(r);
    expect((e3 as Error).message).toMatch(/^clipGradsWithNormAsync: argument 0 was detached/);

    const per = new Float64Array(4);
    const s = a.gradStatsAsync(make(4), null, per);
    const m4 = transfer(per);
    const e4 = await settle(s);
    expect((e4 as Error).message).toMatch(/^gradStatsAsync: argument 2 was detached/);
    expect([m1, m2, m3, m4].every((b) => b.byteLength > 0)).toBe(true);
  });
});

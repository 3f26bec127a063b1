// The *Async buffer rule for the pooling and BatchNorm2d ops, on every backend/ISA: a resizable or
// growable buffer is refused before any work, naming it; an input, output or indices array
// transferred while the call runs rejects the Promise with ERR_GRADGUARD_DETACHED, naming it.
import { describe, expect, it } from 'vitest';
import { GradGuardError, ops } from '../../lib/index.js';
import { lcgFloats as rand } from '../helpers/random.js';
import { targets, useTarget } from '../helpers/targets.js';
import { growableF32, resizableF32, transfer } from '../helpers/buffers.js';

const o = { batch: 2, channels: 3, height: 6, width: 5, kernelSize: 2 };
const [oh, ow] = ops.maxPool2dOutputSize(o);
const IN = 2 * 3 * 6 * 5;
const OUT = 2 * 3 * oh * ow;
const shape = [2, 3, 6, 5] as [number, number, number, number];

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => null,
    (e: unknown) => e,
  );
}

describe.each(targets)('pooling/BatchNorm2d *Async buffer rule on $name', (t) => {
  useTarget(t);

  it('refuses resizable and growable buffers up front, naming the argument, before any write', async () => {
    const y = resizableF32(OUT).fill(7);
    const cases: [string, () => Promise<unknown>, RegExp][] = [
      ['maxPool2dForwardAsync y', () => ops.maxPool2dForwardAsync(rand(IN, 1), y, null, o), /^y: /],
      ['avgPool2dBackwardAsync gradY', () => ops.avgPool2dBackwardAsync(growableF32(OUT), new Float32Array(IN), o), /^gradY: /],
      ['adaptiveAvgPool2dForwardAsync x', () => ops.adaptiveAvgPool2dForwardAsync(resizableF32(IN), new Float32Array(6), { batch: 2, channels: 3, height: 6, width: 5, outputSize: 1 }), /^x: /],
      ['batchNorm2dAsync out', () => ops.batchNorm2dAsync(rand(IN, 2), shape, { out: resizableF32(IN) }), /options\.out: /],
      ['batchNorm2dBackwardAsync gradBias', () => ops.batchNorm2dBackwardAsync(rand(IN, 3), rand(IN, 2), shape, ops.batchNorm2d(rand(IN, 2), shape), { gradBias: growableF32(3) }), /options\.gradBias: /],
    ];
    for (const [what, call, name] of cases) {
      const err = await rejection(call());
      expect(err, what).toBeInstanceOf(TypeError);
      expect((err as Error).message, what).toMatch(name);
    }
    expect(Array.from(y).every((v) => v === 7)).toBe(true);
  });

  it('an array transferred right after the call rejects the Promise, naming it', async () => {
    const expectDetached = async (p: Promise<unknown>, name: RegExp) => {
      const err = await rejection(p);
      expect(err).toBeInstanceOf(GradGuardError);
      expect((err as GradGuardError).code).toBe('ERR_GRADGUARD_DETACHED');
      expect((err as Error).message).toMatch(name);
    };
    const idx = new Int32Array(OUT);
    const p = ops.maxPool2dForwardAsync(rand(IN, 4), new Float32Array(OUT), idx, o);
    const moved = transfer(idx);
    await expectDetached(p, /^indices: /);
    expect(moved.byteLength).toBe(OUT * 4);

    const gy = rand(OUT, 5);
    const q = ops.avgPool2dBackwardAsync(gy, new Float32Array(IN), o);
    const moved2 = transfer(gy);
    await expectDetached(q, /^gradY: /);
    expect(moved2.byteLength).toBe(OUT * 4);

    const x = rand(IN, 6);
    const r = ops.batchNorm2dAsync(x, shape);
    const moved3 = transfer(x);
    await expectDetached(r, /^x: /);
    expect(moved3.byteLength).toBe(IN * 4);
  });

  it('a call whose buffers stay put resolves with the sync result', async () => {
    const x = rand(IN, 7);
    const a = await ops.maxPool2dForwardAsync(x, new Float32Array(OUT), null, o);
    expect(Array.from(a)).toEqual(Array.from(ops.maxPool2dForward(x, new Float32Array(OUT), null, o)));
    const b = await ops.batchNorm2dAsync(x, shape);
    expect(Array.from(b.y)).toEqual(Array.from(ops.batchNorm2d(x, shape).y));
  });
});

// The *Async buffer rule (DESIGN §4) for matmulAsync and linear{Forward,Backward}Async on every
// backend/ISA: a resizable or growable buffer is refused before any work, naming it; one transferred
// while the call runs makes the Promise reject with ERR_GRADGUARD_DETACHED, naming it.
import { describe, expect, it } from 'vitest';
import { loadAddon } from '../../lib/binding.js';
import { GradGuardError, nativeAvailable, ops } from '../../lib/index.js';
import { lcgFloats as rand } from '../helpers/random.js';
import { targets, useTarget } from '../helpers/targets.js';
import { growableF32, resizableF32, settle, transfer } from '../helpers/buffers.js';

const m = 8, n = 6, k = 5;
const shape = { batch: m, inFeatures: k, outFeatures: n };

describe.each(targets)('ops *Async buffer rule on $name', (t) => {
  useTarget(t);

  it('refuses resizable and growable buffers up front, naming the argument', async () => {
    const c = resizableF32(m * n).fill(3);
    await expect(ops.matmulAsync(rand(m * k, 1), rand(k * n, 2), c, { m, n, k })).rejects.toThrow(/^c: expected a Float32Array over a fixed-length buffer/);
    expect(Array.from(c).every((v) => v === 3)).toBe(true);
    await expect(ops.linearForwardAsync(rand(m * k, 1), growableF32(n * k), null, new Float32Array(m * n), shape)).rejects.toThrow(/^weight: .*growable/);
    await expect(ops.linearBackwardAsync(rand(m * k, 1), rand(n * k, 2), rand(m * n, 3), { gradBias: resizableF32(n) }, shape)).rejects.toThrow(TypeError);
    await expect(ops.linearBackwardAsync(rand(m * k, 1), rand(n * k, 2), rand(m * n, 3), { gradBias: resizableF32(n) }, shape)).rejects.toThrow(/^grads\.gradBias: /);
  });

  it('rejects when a buffer is transferred while the call runs, naming it', async () => {
    const c = new Float32Array(m * n);
    const p = ops.matmulAsync(rand(m * k, 1), rand(k * n, 2), c, { m, n, k });
    const moved = transfer(c);
    const err = await settle(p);
    expect(err).toBeInstanceOf(GradGuardError);
    expect((err as GradGuardError).code).toBe('ERR_GRADGUARD_DETACHED');
    expect((err as Error).message).toMatch(/^c: its buffer was detached \(transferred\) or resized/);

    const x = rand(m * k, 4);
    const q = ops.linearBackwardAsync(x, rand(n * k, 2), rand(m * n, 3), { gradWeight: new Float32Array(n * k) }, shape);
    const moved2 = transfer(x);
    const err2 = await settle(q);
    expect((err2 as GradGuardError).code).toBe('ERR_GRADGUARD_DETACHED');
    expect((err2 as Error).message).toMatch(/^x: /);
    expect(moved.byteLength + moved2.byteLength).toBe((m * n + m * k) * 4);
  });
});

describe('the addon rejects a matmul whose output was detached while it ran (no TS check)', () => {
  it('matmulAsync: argument 2', async () => {
    if (!nativeAvailable()) return;
    const a = loadAddon();
    const c = new Float32Array(m * n);
    const p = a.matmulAsync(rand(m * k, 1), rand(k * n, 2), c, m, n, k, false, false, 1, 0);
    const moved = transfer(c);
    const err = await settle(p);
    expect((err as { code?: string }).code).toBe('ERR_GRADGUARD_DETACHED');
    expect((err as Error).message).toMatch(/^matmulAsync: argument 2 was detached/);
    expect(moved.byteLength).toBe(m * n * 4);
  });
});

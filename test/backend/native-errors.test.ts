// The one error wrapper between the addon and the TS layer (lib/backend/native-call.ts): native
// failures reach the caller as GradGuardErrors with stable codes, on the sync and the async path,
// while the addon's own argument re-checks stay TypeError/RangeError.
import { describe, expect, it } from 'vitest';
import { loadDevtools } from '../../scripts/devtools.js';
import type { NativeAddon } from '../../lib/binding.js';
import { GradGuardError, nativeAvailable } from '../../lib/index.js';
import { createNativeBackend } from '../../lib/backend/native.js';
import { nativeError, nativeSync } from '../../lib/backend/native-call.js';
import type { RecurrentForwardArgs } from '../../lib/backend/ops-types.js';

const f = (n: number) => new Float32Array(n);
const lstmArgs = (): RecurrentForwardArgs => ({
  mode: 'lstm',
  dims: { seqLen: 1, batch: 1, inputSize: 1, hiddenSize: 1 },
  x: f(1), h0: f(1), c0: f(1), weightIh: f(4), weightHh: f(4), biasIh: null, biasHh: null,
  output: f(1), hN: f(1), cN: f(1), workspace: f(6),
});

/** A native backend over an addon whose recurrent calls fail as `fail` says. */
function failingBackend(fail: () => Error) {
  const seen: unknown[][] = [];
  const addon = {
    recurrentForward: (...a: unknown[]) => {
      seen.push(a);
      throw fail();
    },
    recurrentForwardAsync: (...a: unknown[]) => {
      seen.push(a);
      return Promise.reject(fail());
    },
  } as unknown as NativeAddon;
  return { backend: createNativeBackend(addon), seen };
}

function codeOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err instanceof GradGuardError ? err.code : `not a GradGuardError: ${String(err)}`;
  }
  return 'did not throw';
}

describe('native errors', () => {
  it('an out-of-memory from recurrentForward (std::bad_alloc, or the addon\'s status code) is a GradGuardError, sync and async', async () => {
    const bad = failingBackend(() => new Error('std::bad_alloc'));
    expect(codeOf(() => bad.backend.recurrentForward(lstmArgs()))).toBe('ERR_GRADGUARD_OUT_OF_MEMORY');
    await expect(bad.backend.recurrentForwardAsync(lstmArgs())).rejects.toMatchObject({ name: 'GradGuardError', code: 'ERR_GRADGUARD_OUT_OF_MEMORY' });
    const status = failingBackend(() => Object.assign(new Error('recurrentForward: out of memory'), { code: 'ERR_GRADGUARD_OUT_OF_MEMORY' }));
    expect(codeOf(() => status.backend.recurrentForward(lstmArgs()))).toBe('ERR_GRADGUARD_OUT_OF_MEMORY');
    await expect(status.backend.recurrentForwardAsync(lstmArgs())).rejects.toBeInstanceOf(GradGuardError);
  });

  it('maps the named mode to the addon\'s number in the argument list', () => {
    const { backend, seen } = failingBackend(() => new Error('x'));
    expect(() => backend.recurrentForward(lstmArgs())).toThrow(GradGuardError);
    expect(() => backend.recurrentForward({ ...lstmArgs(), mode: 'rnn_relu', c0: null, cN: null })).toThrow(GradGuardError);
    expect(seen.map((a) => a[0])).toEqual([2, 1]);
    expect(seen[0]).toHaveLength(16);
  });

  it('any other plain native Error is ERR_GRADGUARD_INTERNAL; an async one carries the caller\'s stack', async () => {
    const { backend } = failingBackend(() => new Error('boom'));
    expect(codeOf(() => backend.recurrentForward(lstmArgs()))).toBe('ERR_GRADGUARD_INTERNAL');
    const err = await backend.recurrentForwardAsync(lstmArgs()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_GRADGUARD_INTERNAL', message: expect.stringMatching(/boom/) });
    expect((err as Error).stack).toMatch(/--- async call ---[\s\S]*native-errors\.test\.ts/);
  });

  it('argument errors from the addon stay TypeError/RangeError; GradGuardErrors pass through', () => {
    const range = Object.assign(new RangeError('m must be a non-negative integer'), { code: 'ERR_OUT_OF_RANGE' });
    expect(nativeError(range)).toBe(range);
    const type = new TypeError('x must be a Float32Array');
    expect(nativeError(type)).toBe(type);
    const gg = new GradGuardError('detached', 'ERR_GRADGUARD_DETACHED');
    expect(nativeError(gg)).toBe(gg);
  });

  it.runIf(nativeAvailable())('a real std::bad_alloc thrown in native code becomes ERR_GRADGUARD_OUT_OF_MEMORY', () => {
    const tools = loadDevtools();
    expect(codeOf(nativeSync(() => tools.testThrowBadAlloc('caller', 1)))).toBe('ERR_GRADGUARD_OUT_OF_MEMORY');
    expect(codeOf(nativeSync(() => tools.testThrowBadAlloc('pool', 2)))).toBe('ERR_GRADGUARD_OUT_OF_MEMORY');
  });

  it.runIf(nativeAvailable())('a real native range check through the backend is still a RangeError', async () => {
    const { loadAddon } = await import('../../lib/binding.js');
    const backend = createNativeBackend(loadAddon());
    expect(() => backend.matmul(f(6), f(6), f(4), { m: 2 ** 60, n: 2, k: 3, transA: false, transB: false, alpha: 1, beta: 0 })).toThrow(RangeError);
  });
});

// The async transfer gap, closed (native/addon/async_staging.h): an *Async call never reads or
// writes memory that another thread may own or have freed.
//  - Real worker_threads take buffers away mid-call (postMessage with a transfer list), check that
//    nothing writes into them while they hold them, then drop them and force a GC (child process
//    under --expose-gc, the raw addon): every call gives the sync result bit for bit or rejects
//    with ERR_GRADGUARD_DETACHED, never a wrong value. Exported (allocate()) memory likewise, plus
//    workers terminated with calls in flight on memory they allocated.
//  - In process, through the public API: a rejected call wrote nothing, anywhere; overlapping
//    views and in-place calls behave as the sync forms; arguments an export only reads are not
//    copied back; exported and shared memory run zero-copy.
// The old addon (no staging) fails the first case: the kernel kept writing into the transferred
// output (writtenAfterTransfer 3 of 4 on the reference VM).
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadAddon, loadedAddonFile } from '../../lib/binding.js';
import {
  clipGradNormAsync,
  clipGradNorm,
  createParamStore,
  getTotalNormAsync,
  GradGuardError,
  nativeAvailable,
  ops,
  useBackend,
} from '../../lib/index.js';
import { randomFloats } from '../helpers/targets.js';
import { settle, transfer } from '../helpers/buffers.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const child = join(here, 'children', 'async-transfer-child.cjs');

/** Runs the child asynchronously: a spawnSync would block this vitest worker's event loop for the
 *  whole run (minutes under test:sanitize), and vitest then fails on "Timeout calling onTaskUpdate". */
async function runChild(scenario: 'user' | 'exported', rounds: number): Promise<Record<string, number>> {
  loadAddon();
  const file = loadedAddonFile();
  expect(file).not.toBeNull();
  const proc = spawn(process.execPath, ['--expose-gc', child, join(root, file as string), scenario, String(rounds)], {
    // Under test:sanitize's ASan run, LeakSanitizer would turn Node's own teardown leaks (the
    // Promise handles of calls in flight in a terminated worker) into exit status 23; the leak
    // records still go to the sanitizer logs, which the script judges.
    env: { ...process.env, LSAN_OPTIONS: [process.env.LSAN_OPTIONS, 'exitcode=0'].filter(Boolean).join(':') },
    timeout: 240_000,
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const status = await new Promise<number | null>((resolve) => proc.on('close', (code) => resolve(code)));
  expect(stderr).toBe('');
  expect(status).toBe(0);
  return JSON.parse(stdout.trim().split('\n').pop() as string) as Record<string, number>;
}

const expectDetached = (err: unknown): void => {
  expect(err).toBeInstanceOf(GradGuardError);
  expect((err as GradGuardError).code).toBe('ERR_GRADGUARD_DETACHED');
};

describe.runIf(nativeAvailable())('*Async calls and buffers taken away by other threads', () => {
  it('JS-owned memory: worker_threads take the buffers mid-call, GC frees them; results are exact or ERR_GRADGUARD_DETACHED, and nothing writes into a moved buffer', async () => {
    const rounds = 12;
    const c = await runChild('user', rounds);
    // Per round: one matmul (its output or an input moved in 2 rounds of 3) and one clip over a
    // list (one element moved in every other round). Every call whose buffer moved is DETACHED.
    const movedMatmuls = Math.ceil((rounds * 2) / 3);
    const movedClips = Math.ceil(rounds / 2);
    expect(c).toEqual({
      ok: 2 * rounds - movedMatmuls - movedClips,
      detached: movedMatmuls + movedClips,
      wrong: 0,
      otherError: 0,
      writtenAfterTransfer: 0,
      rounds,
    });
  }, 300_000);

  it('exported memory: a transfer leaves it attached (Node copies it) or is kept alive by the pin; workers terminated mid-call on memory they allocated do not crash the process', async () => {
    const rounds = 12;
    const c = await runChild('exported', rounds);
    expect(c.wrong).toBe(0);
    expect(c.otherError).toBe(0);
    expect(c.ok + c.detached).toBe(rounds);
    expect(c.copiedOnTransfer + c.detachedByTransfer).toBe(rounds / 2);
    // Node marks external buffers untransferable: a transfer copies them, the call is unaffected.
    if (c.detachedByTransfer === 0) expect(c.ok).toBe(rounds);
    expect(c.terminated).toBeGreaterThanOrEqual(2);
  }, 300_000);
});

describe.runIf(nativeAvailable())('*Async staging through the public API (native)', () => {
  it('a call whose output was transferred rejects and writes nothing into the moved memory', async () => {
    useBackend('native');
    const g = randomFloats(50000, 7, -3, 3);
    const before = Float32Array.from(g);
    const p = clipGradNormAsync(g, 0.01); // would scale every element
    const moved = new Float32Array(transfer(g));
    expectDetached(await settle(p));
    expect(Buffer.from(moved.buffer).equals(Buffer.from(before.buffer))).toBe(true);
  });

  it('a rejected call leaves the arrays that stayed attached unchanged too', async () => {
    useBackend('native');
    const a = randomFloats(1000, 1, -3, 3);
    const b = randomFloats(1000, 2, -3, 3);
    const keepA = Float32Array.from(a);
    const p = clipGradNormAsync([a, b], 0.01);
    transfer(b);
    expectDetached(await settle(p));
    expect(Array.from(a)).toEqual(Array.from(keepA));
  });

  it('in-place and overlapping views of one buffer give the sync results', async () => {
    useBackend('native');
    const rows = 7;
    const cols = 33;
    const x = randomFloats(rows * cols, 3, -5, 5);
    const want = ops.softmax(x, new Float32Array(rows * cols), { rows, cols });
    const inPlace = Float32Array.from(x);
    await ops.softmaxAsync(inPlace, inPlace, { rows, cols });
    expect(Array.from(inPlace)).toEqual(Array.from(want));

    // A and B the same array; C a view at an odd offset in the same buffer as A.
    const buf = new Float32Array(1 + 16 + 16);
    buf.set(randomFloats(16, 4, -1, 1), 0);
    const a = buf.subarray(0, 16);
    const c = buf.subarray(17, 33);
    const cSync = new Float32Array(16);
    ops.matmul(a, a, cSync, { m: 4, n: 4, k: 4 });
    await ops.matmulAsync(a, a, c, { m: 4, n: 4, k: 4 });
    expect(Array.from(c)).toEqual(Array.from(cSync));
  });

  it('mixed element types over one buffer keep their alignment (raw addon: Float64 output beside Float32 tensors)', async () => {
    const addon = loadAddon();
    const ab = new ArrayBuffer(4 + 4 * 10 + 4 + 8 * 2);
    const t0 = new Float32Array(ab, 4, 5).fill(3);
    const t1 = new Float32Array(ab, 24, 5).fill(4);
    const per = new Float64Array(ab, 48, 2);
    const total = await addon.gradNormAsync([t0, t1], null, 2, per);
    const perSync = new Float64Array(2);
    const totalSync = addon.gradNorm([Float32Array.from(t0), Float32Array.from(t1)], null, 2, perSync);
    expect(total).toBe(totalSync);
    expect(Array.from(per)).toEqual(Array.from(perSync));
    expect(Array.from(t0)).toEqual([3, 3, 3, 3, 3]);
  });

  it('arguments an export only reads are not copied back (a write to them during the call stays)', async () => {
    useBackend('native');
    const g = randomFloats(4096, 5, -1, 1);
    const p = getTotalNormAsync(g);
    g[0] = 1234; // breaks the buffer rule on purpose: the call works on its copy
    await p;
    expect(g[0]).toBe(1234);

    const a = randomFloats(64, 6, -1, 1);
    const b = randomFloats(64, 7, -1, 1);
    const c = new Float32Array(64);
    const want = ops.matmul(Float32Array.from(a), b, new Float32Array(64), { m: 8, n: 8, k: 8 });
    const q = ops.matmulAsync(a, b, c, { m: 8, n: 8, k: 8 });
    a[3] = -99;
    await q;
    expect(a[3]).toBe(-99);
    expect(Array.from(c)).toEqual(Array.from(want));
  });

  it('exported memory (createParamStore) runs zero-copy: the call works on the store itself', async () => {
    useBackend('native');
    const store = createParamStore([[300], [7]]);
    store.grads.views[0].set(randomFloats(300, 8, -2, 2));
    store.grads.views[1].set(randomFloats(7, 9, -2, 2));
    const copy = store.grads.views.map((v) => Float32Array.from(v));
    const wantTotal = clipGradNorm(copy, 0.5);
    const first = store.grads.views[0][0];
    const p = clipGradNormAsync(store.grads.views, 0.5);
    // Zero-copy: the kernel scales the store itself, so the change shows while this thread blocks
    // (the Promise cannot settle meanwhile); a copy would only be written back on settling.
    const t0 = Date.now();
    while (store.grads.views[0][0] === first && Date.now() - t0 < 5000);
    expect(store.grads.views[0][0]).toBe(copy[0][0]);
    const total = await p;
    expect(total).toBe(wantTotal);
    expect(Array.from(store.grads.views[0])).toEqual(Array.from(copy[0]));
    expect(Array.from(store.grads.views[1])).toEqual(Array.from(copy[1]));
  });

  it('JS-owned memory is written back only when the call settles (the kernel works on a copy)', async () => {
    useBackend('native');
    const g = randomFloats(300, 11, -2, 2);
    const want = Float32Array.from(g);
    clipGradNorm(want, 0.5);
    const first = g[0];
    const p = clipGradNormAsync(g, 0.5);
    const t0 = Date.now();
    while (Date.now() - t0 < 200); // the kernel is long done; the Promise cannot settle yet
    expect(g[0]).toBe(first);
    await p;
    expect(Array.from(g)).toEqual(Array.from(want));
  });

  it('shared memory runs zero-copy and gives the sync result', async () => {
    useBackend('native');
    const shared = new Float32Array(new SharedArrayBuffer(4 * 1000));
    shared.set(randomFloats(1000, 10, -2, 2));
    const copy = Float32Array.from(shared);
    const wantTotal = clipGradNorm(copy, 0.25);
    expect(await clipGradNormAsync(shared, 0.25)).toBe(wantTotal);
    expect(Array.from(shared)).toEqual(Array.from(copy));
  });

  it('a call the binding refuses after staging writes nothing (raw addon, wrong output length)', async () => {
    const addon = loadAddon();
    const a = new Float32Array(4).fill(1);
    const c = new Float32Array(3).fill(7);
    expect(() => addon.matmulAsync(a, a, c, 2, 2, 2, false, false, 1, 0)).toThrow(RangeError);
    expect(Array.from(c)).toEqual([7, 7, 7]);
  });
});

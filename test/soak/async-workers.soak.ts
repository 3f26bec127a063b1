// Soak of the *Async calls: 8 worker_threads each loop every public *Async function (several in
// flight at once) for the time budget and compare every result with its sync form's, bit for bit,
// while the main thread keeps changing the thread count, switching backends, detaching buffers under
// its own in-flight calls and passing resizable ones. Nothing may crash, hang or give a wrong
// result: a detached call rejects with ERR_GRADGUARD_DETACHED, a resizable buffer is a TypeError.
// Then: a process exiting with async work in flight ends cleanly (a worker terminated with work in
// flight: test/backend/worker-threads.test.ts).
import { spawnSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import * as gg from '../../lib/index.js';
import { resizableF32, transfer } from '../helpers/buffers.js';
import { child, distEntry, soakSeconds } from './budget.js';

const require = createRequire(import.meta.url);
const { cases } = require('./children/async-cases.cjs') as { cases: Record<string, unknown> };

/** The public *Async functions, as `name` or `namespace.name`. */
function asyncExports(): string[] {
  const out: string[] = [];
  const walk = (o: Record<string, unknown>, prefix: string, depth: number): void => {
    for (const [k, v] of Object.entries(o)) {
      if (typeof v === 'function' && k.endsWith('Async')) out.push(prefix + k);
      else if (v && typeof v === 'object' && !ArrayBuffer.isView(v) && depth < 2) walk(v as Record<string, unknown>, `${prefix}${k}.`, depth + 1);
    }
  };
  walk(gg as unknown as Record<string, unknown>, '', 0);
  return out.sort();
}

const l2 = (a: Float32Array): number => Math.sqrt(a.reduce((s, v) => s + v * v, 0));

/** The main thread's own abuse while the workers run: see the file comment. Resolves to counts. */
async function mainThreadChurn(deadline: number): Promise<{ ok: number; detached: number; resizable: number; switches: number }> {
  const counts = { ok: 0, detached: 0, resizable: 0, switches: 0 };
  const backends = gg.nativeAvailable() ? (['native', 'js'] as const) : (['js'] as const);
  let round = 0;
  while (Date.now() < deadline) {
    round++;
    gg.setNumThreads(1 + (round % 3));
    gg.useBackend(backends[round % backends.length]);
    counts.switches++;
    const a = new Float32Array(1 << 16).map((_, i) => Math.sin(i + round));
    const want = l2(a);
    const pending = gg.getTotalNormAsync([a]);
    const detach = round % 2 === 0;
    // Detach the array under the call; keep the moved memory alive until the call settles (what a
    // transfer to another thread does). See README: the result is lost, never reported wrong.
    const moved = detach ? transfer(a) : null;
    try {
      const got = await pending;
      expect(Math.abs(got - want) / want).toBeLessThan(1e-6);
      counts.ok++;
    } catch (e) {
      expect(detach).toBe(true);
      expect((e as { code?: string }).code).toBe('ERR_GRADGUARD_DETACHED');
      counts.detached++;
    }
    expect(moved === null || moved.byteLength === 4 << 16).toBe(true);
    await expect(gg.clipGradNormAsync([resizableF32(16)], 1)).rejects.toThrow(TypeError);
    counts.resizable++;
  }
  gg.useBackend(gg.nativeAvailable() ? 'native' : 'js');
  gg.setNumThreads(2);
  return counts;
}

describe('*Async soak', () => {
  it('the case table covers every public *Async function (gradguard.dist needs mpirun: its own tests)', () => {
    expect(Object.keys(cases).sort()).toEqual(asyncExports().filter((n) => !n.startsWith('dist.')));
  });

  it('8 workers looping every *Async call agree with the sync forms while the main thread churns', async () => {
    const deadline = Date.now() + soakSeconds() * 1000 * 0.4;
    const workers = Array.from({ length: 8 }, () => new Worker(child('async-worker.cjs'), { workerData: { distEntry, deadline } }));
    const results = workers.map(
      (w) =>
        new Promise<{ calls: number; mismatches: unknown[] }>((resolve, reject) => {
          w.once('message', (m) => (m.error ? reject(new Error(m.error)) : resolve(m)));
          w.once('error', reject);
        }),
    );
    const churn = await mainThreadChurn(deadline);
    const done = await Promise.all(results);
    await Promise.all(workers.map((w) => w.terminate()));
    console.log(`workers: ${done.map((d) => d.calls).join(', ')} calls; main: ${JSON.stringify(churn)}`);
    for (const d of done) {
      expect(d.mismatches).toEqual([]);
      expect(d.calls).toBeGreaterThanOrEqual(Object.keys(cases).length);
    }
    expect(churn.detached).toBeGreaterThan(0);
    expect(churn.ok).toBeGreaterThan(0);
  });

  it('a process exiting with async calls in flight exits cleanly with its own code', () => {
    const script = `
      const gg = require(${JSON.stringify(distEntry)});
      const x = new Float32Array(512 * 512).fill(0.25);
      for (let i = 0; i < 8; i++) gg.ops.matmulAsync(x, x, new Float32Array(512 * 512), { m: 512, n: 512, k: 512 });
      setTimeout(() => process.exit(7), 5);`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(7);
    expect(r.stderr).toBe('');
  });
});

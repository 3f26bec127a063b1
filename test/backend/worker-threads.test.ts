import { spawnSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAddon, loadedAddonFile, packageRoot } from '../../lib/binding.js';
import { nativeAvailable } from '../../lib/index.js';

// Each worker loads the addon in its own Node.js environment and runs norm + clip, sync and async,
// while the others do the same: a context-aware addon gives every worker the right answer.
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const addon = require(workerData.addonPath);
(async () => {
  const out = [];
  for (let round = 0; round < 20; round++) {
    const g = new Float32Array(200000).fill(workerData.value);
    const norm = addon.gradNorm([g], null, 2);
    const total = await addon.clipGradNormAsync([g], null, 1, 2, false);
    out.push([norm, total, addon.gradNorm([g], null, 2)]);
  }
  parentPort.postMessage(out);
})().catch((e) => parentPort.postMessage({ error: String(e) }));
`;

/** The binary the library itself loads (lib/addon-loader.ts), not node-gyp-build's first match. */
function loadedAddonPath(): string {
  loadAddon();
  return join(packageRoot(), loadedAddonFile()!);
}

describe.skipIf(!nativeAvailable())('the addon in worker_threads', () => {
  it('loads in four workers at once and gives each the right results under concurrent calls', async () => {
    const addonPath = loadedAddonPath();
    const results = await Promise.all(
      [1, 2, 3, 4].map(
        (value) =>
          new Promise<number[][]>((resolve, reject) => {
            const w = new Worker(workerSource, { eval: true, workerData: { addonPath, value } });
            w.once('message', (m) => (m.error ? reject(new Error(m.error)) : resolve(m)));
            w.once('error', reject);
          }),
      ),
    );
    results.forEach((rounds, k) => {
      const value = k + 1;
      const expected = Math.sqrt(200000) * value;
      for (const [norm, total, after] of rounds) {
        expect(norm / expected).toBeCloseTo(1, 6);
        expect(total / expected).toBeCloseTo(1, 6);
        expect(after).toBeCloseTo(1, 4);
      }
    });
  });

  it('lets a process with workers exit cleanly (no hang at unload)', async () => {
    const addonPath = loadedAddonPath();
    const script = `
      const { Worker } = require('node:worker_threads');
      const a = require(${JSON.stringify(addonPath)});
      a.gradNorm([new Float32Array(1e6).fill(1)], null, 2);
      const w = new Worker(\`const a = require(${JSON.stringify(addonPath)}); a.gradNorm([new Float32Array(1e6)], null, 2);\`, { eval: true });
      w.on('exit', () => console.log('done'));
    `;
    const r = spawnSync(process.execPath, ['-e', script], { timeout: 20000, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('done');
  });

  it('survives a worker terminated with *Async calls in flight (their Promises are dropped, not thrown)', () => {
    // Settling a Promise in an environment that is shutting down fails; before the fix the addon's
    // completion callback let that Napi::Error escape and std::terminate took the whole process down.
    const addonPath = loadedAddonPath();
    const script = `
      const { Worker } = require('node:worker_threads');
      const src = \`
        const { parentPort } = require('node:worker_threads');
        const a = require(${JSON.stringify(addonPath)});
        const x = new Float32Array(256 * 256).fill(0.5);
        for (let i = 0; i < 16; i++) a.matmulAsync(x, x, new Float32Array(256 * 256), 256, 256, 256, false, false, 1, 0);
        parentPort.postMessage('started');\`;
      (async () => {
        for (let i = 0; i < 4; i++) {
          const w = new Worker(src, { eval: true });
          await new Promise((r) => w.once('message', r));
          await w.terminate();
        }
        console.log('alive');
      })();
    `;
    const r = spawnSync(process.execPath, ['-e', script], { timeout: 60000, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.signal).toBeNull();
    expect(r.stdout.trim()).toBe('alive');
  });
});

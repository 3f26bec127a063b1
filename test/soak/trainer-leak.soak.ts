// Leak test: a 20,000-step Trainer run (Adam, norm clipping, the gradient monitor, a checkpoint
// every 1,000 steps) in a child process with --expose-gc. After warm-up (step 2,000: the monitor's
// 1,000-step history is full, every buffer allocated) the JS heap, external memory and RSS must stay
// flat to the end. A planted leak of 256 bytes per step must be caught by the same thresholds.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nativeAvailable } from '../../lib/index.js';
import { child, distEntry } from './budget.js';

interface Sample {
  step: number;
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

const STEPS = 20_000;
const EVERY = 1_000;
const WARM = 2_000;
// Growth allowed from step 2,000 to 20,000. Measured here (Intel Xeon VM, Node 20): heap +40 to
// +120 KiB (V8 bookkeeping that grows sublinearly: +115 KiB over 110,000 steps), external and
// ArrayBuffers +8 KiB, RSS −4 to +5 MiB (allocator noise). A leak of 256 bytes per step grows the
// heap or ArrayBuffers by 4.4 MiB over the same steps.
const LIMITS = { heapUsed: 1 << 20, external: 256 << 10, arrayBuffers: 256 << 10, rss: 24 << 20 };

function run(backend: 'native' | 'js', plant = 0): { growth: Record<keyof typeof LIMITS, number>; first: Sample; last: Sample } {
  const dir = mkdtempSync(join(tmpdir(), 'gradguard-leak-'));
  const r = spawnSync(process.execPath, ['--expose-gc', child('trainer-leak.cjs'), String(STEPS), String(EVERY), dir, distEntry], {
    encoding: 'utf8',
    env: { ...process.env, GRADGUARD_BACKEND: backend, GG_SOAK_PLANT_LEAK: String(plant) },
  });
  rmSync(dir, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`trainer-leak child failed (${r.status}): ${r.stderr}`);
  const { steps, samples } = JSON.parse(r.stdout) as { steps: number; samples: Sample[] };
  expect(steps).toBe(STEPS);
  const first = samples.find((s) => s.step === WARM)!;
  const last = samples[samples.length - 1];
  const growth = { heapUsed: 0, external: 0, arrayBuffers: 0, rss: 0 };
  for (const k of Object.keys(LIMITS) as (keyof typeof LIMITS)[]) growth[k] = last[k] - first[k];
  const mib = (b: number): string => (b / 2 ** 20).toFixed(2);
  console.log(`${backend}${plant ? ` (planted ${plant} B/step)` : ''}: RSS ${mib(first.rss)} MiB at step ${WARM}, ${mib(last.rss)} MiB at step ${STEPS}; growth heap ${mib(growth.heapUsed)}, external ${mib(growth.external)}, ArrayBuffers ${mib(growth.arrayBuffers)} MiB`);
  return { growth, first, last };
}

const within = (g: Record<keyof typeof LIMITS, number>): boolean => (Object.keys(LIMITS) as (keyof typeof LIMITS)[]).every((k) => g[k] <= LIMITS[k]);

describe('a 20,000-step Trainer run', () => {
  it.each(nativeAvailable() ? (['native', 'js'] as const) : (['js'] as const))('keeps memory flat after warm-up on the %s backend', (backend) => {
    const { growth } = run(backend);
    for (const k of Object.keys(LIMITS) as (keyof typeof LIMITS)[]) expect(growth[k], k).toBeLessThanOrEqual(LIMITS[k]);
  });

  it('the thresholds catch a planted leak of 256 bytes per step', () => {
    expect(within(run('native', 256).growth)).toBe(false);
  });
});

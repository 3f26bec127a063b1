// The accelerate example, shortened: the user's plain-TS model and the gradguard version must train
// to the same weights (the example exits non-zero when they diverge) on both backends.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const run = (backend: 'js' | 'native') =>
  execFileSync(process.execPath, ['--import', 'tsx', 'examples/pure-ts-accelerated.ts', '--steps', '4'], {
    env: { ...process.env, GRADGUARD_BACKEND: backend, GRADGUARD_QUIET: '1' },
    encoding: 'utf8',
  });

describe('examples/pure-ts-accelerated', () => {
  for (const backend of ['native', 'js'] as const) {
    it(`trains the plain and the accelerated model to the same weights (${backend})`, () => {
      const out = run(backend);
      expect(out).toContain(`gradguard backend: ${backend}`);
      const diff = Number(/max \|Δweight\| after 4 steps: (\S+)/.exec(out)?.[1]);
      expect(diff).toBeLessThan(1e-3);
      expect(out).toMatch(/→ [\d.]+× faster/);
    }, 120_000);
  }
});

// The char-LSTM example, shortened: it runs on both backends, the loss falls well below uniform
// guessing, and it samples names made of letters.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const run = (backend: 'js' | 'native'): string =>
  execFileSync(process.execPath, ['--import', 'tsx', 'examples/char-lstm/train.ts', '--steps', '150', '--hidden', '32', '--backend', backend], {
    env: { ...process.env, GRADGUARD_QUIET: '1' },
    encoding: 'utf8',
  });

describe('examples/char-lstm', () => {
  for (const backend of ['native', 'js'] as const) {
    it(`learns the names' characters and samples names (${backend})`, () => {
      const out = run(backend);
      expect(out).toContain(`gradguard backend: ${backend}`);
      const [, first, last] = /loss (\S+) → (\S+) \(mean of the last/.exec(out) ?? [];
      expect(Number(first)).toBeGreaterThan(3);
      expect(Number(last)).toBeLessThan(2.5);
      const samples = /20 samples \(\d+ not in the training list\): (.*)/.exec(out)?.[1].split(', ') ?? [];
      expect(samples.length).toBe(20);
      for (const s of samples) expect(s).toMatch(/^[a-z]*$/);
      expect(out).toMatch(/^step 150\/150 \| epoch 1 \| loss/m);
    }, 180_000);
  }
});

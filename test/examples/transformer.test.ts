// The Transformer example, shortened: it runs on both backends, the loss falls well below uniform
// guessing, it samples names made of letters, and --compare runs the char-LSTM for the same time.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const run = (...args: string[]): string =>
  execFileSync(process.execPath, ['--import', 'tsx', 'examples/transformer/train.ts', '--dmodel', '32', '--ff', '64', '--heads', '2', '--warmup', '20', '--lr', '0.005', ...args], {
    env: { ...process.env, GRADGUARD_QUIET: '1' },
    encoding: 'utf8',
  });

function checkRun(out: string): void {
  const [, first, last] = /loss (\S+) → (\S+) \(mean of the last/.exec(out) ?? [];
  expect(Number(first)).toBeGreaterThan(3);
  expect(Number(last)).toBeLessThan(2.6);
  const samples = /20 samples \(\d+ not in the training list\): (.*)/.exec(out)?.[1].split(', ') ?? [];
  expect(samples.length).toBe(20);
  for (const s of samples) expect(s).toMatch(/^[a-z]*$/);
  expect(out).toMatch(/monitor: median grad norm [\d.]+, max [\d.]+, events/);
}

describe('examples/transformer', () => {
  for (const backend of ['native', 'js'] as const) {
    it(`learns the names' characters with causal attention and samples names (${backend})`, () => {
      const out = run('--steps', '120', '--backend', backend);
      expect(out).toContain(`gradguard backend: ${backend}`);
      checkRun(out);
      expect(out).toMatch(/^step 120 \| loss [\d.]+ \| grad norm [\d.]+ \| lr /m);
    }, 180_000);
  }

  it('under --time stops on the budget and, with --compare, reports the char-LSTM at the same time', () => {
    const out = run('--time', '4', '--backend', 'native', '--compare');
    const seconds = Number(/in \d+ steps, (\S+) s/.exec(out)?.[1]);
    expect(seconds).toBeGreaterThanOrEqual(4);
    expect(seconds).toBeLessThan(8);
    checkRun(out);
    const [, tLoss] = /Transformer: loss (\S+) after \d+ steps/.exec(out) ?? [];
    const [, lLoss] = /char-LSTM: {3}loss (\S+) after \d+ steps/.exec(out) ?? [];
    expect(Number(tLoss)).toBeLessThan(3);
    expect(Number(lLoss)).toBeLessThan(3.3);
  }, 180_000);
});

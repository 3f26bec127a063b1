// The demo's data and a shortened run of its part 1 (on the default backend: native when built; the
// pure-TS one is ~20× slower on these recurrent shapes). The full outcome (1b and 2 below 0.01 test MSE) is checked by
// scripts/check-demo.mjs, which CI runs after the tests.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BASELINE_MSE, fillBatch, makeBatch } from '../../examples/adding/data.js';
import { demoConfigs } from '../../examples/adding/demo.js';
import { parseFlags } from '../../examples/adding/flags.js';
import { runAdding } from '../../examples/adding/run.js';
import { Rng } from '../../lib/index.js';

const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;

describe('adding problem data', () => {
  it('has exactly two markers, one in each half, and the target is the sum of the marked values', () => {
    const b = fillBatch(makeBatch(21, 64), new Rng(5));
    for (let i = 0; i < 64; i++) {
      const marked: number[] = [];
      let sum = 0;
      for (let t = 0; t < 21; t++) {
        const [v, m] = [b.input[(t * 64 + i) * 2], b.input[(t * 64 + i) * 2 + 1]];
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThan(1);
        if (m === 1) {
          marked.push(t);
          sum += v;
        } else expect(m).toBe(0);
      }
      expect(marked).toHaveLength(2);
      expect(marked[0]).toBeLessThan(10);
      expect(marked[1]).toBeGreaterThanOrEqual(10);
      expect(b.target[i]).toBeCloseTo(sum, 6);
    }
  });

  it('scores about 0.167 MSE when always predicting 1.0 (the baseline), and is reproducible from the seed', () => {
    const b = fillBatch(makeBatch(10, 20000), new Rng(1));
    expect(mean(Array.from(b.target, (y) => (y - 1) ** 2))).toBeCloseTo(BASELINE_MSE, 2);
    expect(fillBatch(makeBatch(10, 8), new Rng(9)).input).toEqual(fillBatch(makeBatch(10, 8), new Rng(9)).input);
  });
});

describe('the demo, shortened', () => {
  const [c1a, c1b] = demoConfigs(parseFlags([]));

  it('part 1(a): without clipping the RNN goes non-finite and the monitor names the step, layer and norm', () => {
    const r = runAdding({ ...c1a, steps: 1500 }); // overflows at step 130 on avx2, 54 on scalar, 61 on js (seed 0)
    expect(r.firstNonFiniteStep).not.toBeNull();
    expect(r.stepsRun).toBe(r.firstNonFiniteStep); // the run stops there
    const e = r.monitor.eventLog.find((x) => x.reason === 'nonfinite');
    expect(e).toBeDefined();
    expect(e!.step).toBe(r.firstNonFiniteStep);
    expect(e!.layer).toMatch(/^rnn\.|^head\./);
    expect(e!.message).toMatch(new RegExp(`^step ${e!.step}: explode: non-finite gradient in ${e!.layer!.replace('.', '\\.')} \\(norm (NaN|-?Infinity)\\)`));
    // Before overflowing, the norm spiked far above its median: flagged too.
    expect(r.monitor.eventLog.some((x) => x.reason === 'spike' && x.step < e!.step)).toBe(true);
  });

  it('part 1(b): the same run with clipGradNorm 1.0 stays finite and its loss falls', { timeout: 180_000 }, () => {
    const losses: number[] = [];
    const r = runAdding({ ...c1b, steps: 2500 }, { onStep: (_, loss) => losses.push(loss) });
    expect(r.firstNonFiniteStep).toBeNull();
    expect(r.stepsRun).toBe(2500);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(mean(losses.slice(-250))).toBeLessThan(0.5 * mean(losses.slice(0, 250)));
    expect(r.testMse).toBeLessThan(BASELINE_MSE);
    expect(r.monitor.summary().nonFiniteSteps).toBe(0);
  });

  it('the CLI runs parts 1 and 2 briefly (part 3: test/demo/cnn-demo.test.ts), prints the table and writes report.html and summary.json', { timeout: 180_000 }, () => {
    const out = mkdtempSync(join(tmpdir(), 'gg-demo-'));
    const p = spawnSync(process.execPath, ['--import', 'tsx', 'examples/adding/demo.ts', '--part', '1,2', '--steps', '600,30', '--seq', '20,10', '--out', out], { encoding: 'utf8' });
    expect(p.stderr).toBe('');
    expect(p.status).toBe(0);
    expect(p.stdout).toMatch(/diverged at step \d+/);
    expect(p.stdout).toMatch(/test MSE/);
    expect(p.stdout).toMatch(/1a RNN, no clipping.*1b RNN, clipGradNorm 1\.0.*2 LSTM/);
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(s.outcomes.part1aNonFinite).toBe(true);
    expect(s.runs.map((r: { stepsRun: number }) => r.stepsRun)).toEqual([s.outcomes.part1aNonFiniteStep, 600, 30]);
    expect(s.runs[2].config).toMatchObject({ cell: 'lstm', seqLen: 10, optimizer: 'adam', clip: 1 });
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('2 LSTM, Adam, clipped');
  });

  it('the CLI rejects a bad flag with a message and exit code 2', () => {
    const p = spawnSync(process.execPath, ['--import', 'tsx', 'examples/adding/demo.ts', '--steps', '0'], { encoding: 'utf8' });
    expect(p.status).toBe(2);
    expect(p.stderr).toMatch(/--steps/);
    expect(p.stderr).toMatch(/usage/);
  });
});

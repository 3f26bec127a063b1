import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runGoldenDir, targetsFor } from '../scripts/golden/runner.js';

const fixtures = join(__dirname, 'fixtures', 'golden');

describe('golden vectors (PyTorch 1.13) on every backend and ISA', () => {
  it('passes every case in test/fixtures/golden', () => {
    const r = runGoldenDir(fixtures, targetsFor('all'));
    expect(r.failures).toEqual([]);
    expect(r.passed).toBeGreaterThan(0);
  });

  it('fails (never skips) an unknown op, field or parameter', () => {
    const dir = mkdtempSync(join(tmpdir(), 'golden-'));
    writeFileSync(join(dir, 'mystery.json'), JSON.stringify({ op: 'mystery', cases: [] }));
    const src = JSON.parse(readFileSync(join(fixtures, 'clip_grad_value.json'), 'utf8'));
    src.cases = [{ ...src.cases[0], params: { ...src.cases[0].params, surprise: 1 } }, { ...src.cases[0], extra_field: true }];
    writeFileSync(join(dir, 'clip_grad_value.json'), JSON.stringify(src));
    const r = runGoldenDir(dir, targetsFor('js'));
    expect(r.failed).toBe(3);
    expect(r.failures.join('\n')).toMatch(/unknown op "mystery"/);
    expect(r.failures.join('\n')).toMatch(/unknown param "surprise"/);
    expect(r.failures.join('\n')).toMatch(/unknown case field "extra_field"/);
  });

  it('fails a case whose values are wrong', () => {
    const dir = mkdtempSync(join(tmpdir(), 'golden-'));
    const src = JSON.parse(readFileSync(join(fixtures, 'clip_grad_value.json'), 'utf8'));
    const c = src.cases[0];
    const first = Object.keys(c.outputs)[0];
    c.outputs[first].data[0] = 12345;
    src.cases = [c];
    writeFileSync(join(dir, 'clip_grad_value.json'), JSON.stringify(src));
    const r = runGoldenDir(dir, targetsFor('all'));
    expect(r.passed).toBe(0);
    expect(r.failed).toBeGreaterThan(0);
  });
});

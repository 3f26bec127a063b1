import { mkdtempSync, copyFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runGoldenDir, targetsFor } from '../../scripts/golden/runner.js';
import { restoreBackendAfterEach } from './targets.js';

const fixtures = join(__dirname, '..', 'fixtures', 'golden');

describe('golden sgd.json and adam.json (PyTorch 1.13)', () => {
  restoreBackendAfterEach();
  it('every case passes on the pure-TS backend and on native under every ISA', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gg-optim-golden-'));
    try {
      copyFileSync(join(fixtures, 'sgd.json'), join(dir, 'sgd.json'));
      copyFileSync(join(fixtures, 'adam.json'), join(dir, 'adam.json'));
      const targets = targetsFor('all');
      const r = runGoldenDir(dir, targets);
      expect(r.failures).toEqual([]);
      expect(r.passed).toBe(17 * targets.length);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

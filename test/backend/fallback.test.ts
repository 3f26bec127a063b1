import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');
const probe = join(root, 'test', 'fixtures', 'scripts', 'fallback-probe.ts');

// `node --no-addons` refuses every native addon: what a machine with no compiler and no prebuild sees.
function run(env: Record<string, string>) {
  const r = spawnSync(process.execPath, ['--no-addons', '--import', 'tsx', probe], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, GRADGUARD_QUIET: '', ...env },
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('without the native addon', () => {
  it('falls back to the pure-TS backend, works, and says so in one stderr line', () => {
    const r = run({});
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout.trim());
    expect(out.info.backend).toBe('js');
    expect(out.before).toBe(5);
    expect(out.after).toBeCloseTo(1, 5);
    const notices = r.stderr.split('\n').filter((l) => l.startsWith('gradguard:'));
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/pure-TypeScript backend/);
  });

  it('is silent with GRADGUARD_QUIET=1', () => {
    const r = run({ GRADGUARD_QUIET: '1' });
    expect(r.status).toBe(0);
    expect(r.stderr).not.toMatch(/gradguard:/);
  });

  it('fails loudly when GRADGUARD_BACKEND=native is demanded', () => {
    const r = run({ GRADGUARD_BACKEND: 'native' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/GRADGUARD_BACKEND=native but the addon did not load/);
  });
});

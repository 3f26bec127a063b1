// GRADGUARD_ settings: a malformed value or a misspelt name is an ERR_GRADGUARD_CONFIG error naming
// the variable, the value and what is accepted, at the first call (in a fresh process each), never
// silently ignored; valid settings still work.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkEnvironment } from '../../lib/env.js';
import { closest } from '../../lib/validate/suggest.js';
import { nativeAvailable } from '../../lib/index.js';

const root = join(__dirname, '..', '..');

function firstCall(env: Record<string, string>) {
  const code = "import('./lib/index.ts').then((g) => { try { console.log(JSON.stringify(g.backendInfo())); } catch (e) { console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message })); } })";
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GRADGUARD_')));
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], { cwd: root, env: { ...clean, GRADGUARD_QUIET: '1', ...env }, encoding: 'utf8', timeout: 60_000 });
  return JSON.parse(r.stdout.trim()) as { name?: string; code?: string; message?: string; backend?: string; isa?: string; threads?: number };
}

describe('checkEnvironment', () => {
  it.each([
    [{ GRADGUARD_BACKEND: 'foo' }, /GRADGUARD_BACKEND="foo" is not valid: expected "native" or "js"/],
    [{ GRADGUARD_THREADS: 'abc' }, /GRADGUARD_THREADS="abc" is not valid: expected an integer from 1 to 1024/],
    [{ GRADGUARD_THREADS: '0' }, /GRADGUARD_THREADS="0"/],
    [{ GRADGUARD_THREADS: '2.5' }, /GRADGUARD_THREADS="2.5"/],
    [{ GRADGUARD_THREADS: '1025' }, /GRADGUARD_THREADS="1025"/],
    [{ GRADGUARD_QUIET: 'yes' }, /GRADGUARD_QUIET="yes" is not valid: expected "1"/],
    [{ GRADGUARD_DIST_TIMEOUT_MS: 'soon' }, /GRADGUARD_DIST_TIMEOUT_MS="soon"/],
    [{ GRADGUARD_THREAD: '2' }, /GRADGUARD_THREAD is not a gradguard setting \(did you mean GRADGUARD_THREADS\?\)/],
    [{ GRADGUARD_BAKCEND: 'js' }, /did you mean GRADGUARD_BACKEND\?/],
    [{ GRADGUARD_FOO: '1' }, /GRADGUARD_FOO is not a gradguard setting; the settings are GRADGUARD_BACKEND, /],
  ])('%o is an ERR_GRADGUARD_CONFIG error', (env, message) => {
    expect(() => checkEnvironment(env)).toThrow(message);
    try {
      checkEnvironment(env);
    } catch (e) {
      expect(e).toMatchObject({ name: 'GradGuardError', code: 'ERR_GRADGUARD_CONFIG' });
    }
  });

  it('accepts valid and empty settings and ignores other variables', () => {
    expect(() =>
      checkEnvironment({ GRADGUARD_BACKEND: 'js', GRADGUARD_THREADS: '16', GRADGUARD_QUIET: '1', GRADGUARD_ISA: 'anything (checked against the addon)', GRADGUARD_DIST_TIMEOUT_MS: 'Infinity', GRADGUARD_SKIP_BUILD: '', PATH: '/bin', OTHER_GRADGUARD_X: '1' }),
    ).not.toThrow();
  });

  it('suggests only plausible names', () => {
    expect(closest('GRADGUARD_ISAA', ['GRADGUARD_ISA', 'GRADGUARD_QUIET'])).toBe('GRADGUARD_ISA');
    expect(closest('GRADGUARD_COMPLETELY_DIFFERENT', ['GRADGUARD_ISA'])).toBeNull();
  });
});

describe('at the first call, in a fresh process', () => {
  it('a malformed setting throws before anything runs', () => {
    expect(firstCall({ GRADGUARD_THREADS: 'abc' })).toMatchObject({ name: 'GradGuardError', code: 'ERR_GRADGUARD_CONFIG', message: expect.stringContaining('GRADGUARD_THREADS="abc"') });
    expect(firstCall({ GRADGUARD_BACKEND: 'foo' })).toMatchObject({ code: 'ERR_GRADGUARD_CONFIG', message: expect.stringContaining('"native" or "js"') });
  });

  it.runIf(nativeAvailable())('GRADGUARD_ISA: an unknown name or an ISA this CPU lacks is an error naming the accepted ones', () => {
    expect(firstCall({ GRADGUARD_ISA: 'avx9000' })).toMatchObject({ name: 'GradGuardError', code: 'ERR_GRADGUARD_CONFIG', message: expect.stringMatching(/GRADGUARD_ISA="avx9000" is not an ISA gradguard knows; expected one of .*scalar/) });
    const lacking = process.arch === 'arm64' ? 'avx2' : 'neon';
    expect(firstCall({ GRADGUARD_ISA: lacking })).toMatchObject({ code: 'ERR_GRADGUARD_CONFIG', message: expect.stringContaining(`this CPU lacks ${lacking}`) });
    expect(firstCall({ GRADGUARD_ISA: 'scalar' })).toMatchObject({ backend: 'native', isa: 'scalar' });
  });

  it('valid settings take effect', () => {
    expect(firstCall({ GRADGUARD_BACKEND: 'js' })).toMatchObject({ backend: 'js' });
  });
});

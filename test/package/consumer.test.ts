// A new user's project: `npm pack` → a fresh folder → `npm install <tarball>` with no compiler on
// PATH → ESM, CJS and strict TypeScript against the shipped files. The prebuild must be what runs.
// Then what a user without a working prebuild meets: a corrupt one, one for another architecture, none
// at all with no compiler, GRADGUARD_SKIP_BUILD=1, and a build from source. Never a crash, always a
// clear line on stderr, and the pure-TS backend where no binary loads.
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { npmAsync, npmCli, packInto, prebuildPath, prebuildsProblem, root } from './pack.js';

const tmp = mkdtempSync(join(tmpdir(), 'gg-consumer-'));
const app = join(tmp, 'app');
const installed = join(app, 'node_modules', 'gradguard');
const arch = process.arch;
const other = arch === 'x64' ? { arch: 'arm64', elf: 'aarch64' } : { arch: 'x64', elf: 'x86-64' };

/** A PATH with node, npm and sh only: no compiler, make or python. */
const bareBin = join(tmp, 'bin');
const bareEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { PATH: bareBin, HOME: process.env.HOME, npm_config_cache: process.env.npm_config_cache, TMPDIR: process.env.TMPDIR };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  return env;
};
const fullEnv = (): NodeJS.ProcessEnv => {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('GRADGUARD_') || k === 'npm_config_nodedir' || k === 'VITEST' || k.startsWith('VITEST_')) delete env[k];
  return env;
};

function run(file: string, env: NodeJS.ProcessEnv) {
  const r = spawnSync(process.execPath, [file], { cwd: app, env, encoding: 'utf8', timeout: 60_000 });
  const notices = r.stderr.split('\n').filter((l) => l.startsWith('gradguard:'));
  let out: { info: { backend: string; isa: string; binary: string | null }; total: number; [k: string]: unknown } | undefined;
  try {
    out = JSON.parse(r.stdout.trim());
  } catch {
    // left undefined: the assertions below show stdout and stderr
  }
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, notices, out };
}

/** `npm rebuild gradguard` (re-runs its install script) with its output. */
function rebuild(env: NodeJS.ProcessEnv): Promise<string> {
  return npmAsync(['rebuild', 'gradguard', '--foreground-scripts'], { cwd: app, env, timeout: 600_000, all: true });
}

let installLog = '';
const packed = join(tmp, 'packed-prebuilds');

beforeAll(async () => {
  const problem = prebuildsProblem();
  if (problem) throw new Error(problem);
  mkdirSync(bareBin);
  symlinkSync(process.execPath, join(bareBin, 'node'));
  symlinkSync('/bin/sh', join(bareBin, 'sh'));
  writeFileSync(join(bareBin, 'npm'), `#!/bin/sh\nexec "${process.execPath}" "${npmCli}" "$@"\n`, { mode: 0o755 });
  const tgz = packInto(tmp);
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }, null, 2));
  for (const f of ['use.mjs', 'use.cjs', 'use.ts', 'use.mts']) copyFileSync(join(root, 'test', 'fixtures', 'consumer', f), join(app, f));
  installLog = await npmAsync(['install', tgz, '--no-audit', '--no-fund', '--prefer-offline', '--foreground-scripts'], { cwd: app, env: bareEnv(), timeout: 600_000, all: true });
  cpSync(join(installed, 'prebuilds'), packed, { recursive: true });
}, 900_000);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('npm install <tarball> in a new project, no compiler on PATH', () => {
  it('has no compiler on that PATH (or the test would prove nothing)', () => {
    for (const tool of ['g++', 'c++', 'gcc', 'make', 'python3']) {
      expect(spawnSync('/bin/sh', ['-c', `command -v ${tool}`], { env: bareEnv() }).status).not.toBe(0);
    }
  });

  it('installs using the prebuild, building nothing', () => {
    expect(installLog).toContain(`gradguard: using the native addon prebuilds/linux-${arch}/gradguard.glibc.node`);
    expect(existsSync(join(installed, 'build'))).toBe(false);
  });

  it('runs an ESM file on the native backend from the prebuild', () => {
    const r = run('use.mjs', bareEnv());
    expect(r.stderr).toBe('');
    expect(r.out?.info).toMatchObject({ backend: 'native', binary: prebuildPath(arch) });
    expect(r.out?.total).toBe(5);
    expect(r.out?.clipped).toBeCloseTo(0.8, 5);
    expect(r.out?.matmul).toEqual([1, 2, 3, 4]);
  });

  it('runs a CommonJS file on the native backend from the prebuild', () => {
    const r = run('use.cjs', bareEnv());
    expect(r.stderr).toBe('');
    expect(r.out?.info).toMatchObject({ backend: 'native', binary: prebuildPath(arch) });
    expect(r.out?.after).toBeCloseTo(1, 5);
  });

  it('type-checks strict TypeScript, CommonJS (.d.cts) and ESM (.d.ts), against the shipped types without @types/node', () => {
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { strict: true, noEmit: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', skipLibCheck: false, types: [] },
      files: ['use.ts', 'use.mts'],
    }));
    const r = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: app, encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

describe('when the prebuild cannot be used', () => {
  const slot = () => join(installed, prebuildPath(arch));

  it('a corrupt prebuild is passed over with a clear line, and the pure-TS backend runs', () => {
    writeFileSync(slot(), 'this is not a shared library');
    const r = run('use.mjs', bareEnv());
    expect(r.status).toBe(0);
    expect(r.out?.info.backend).toBe('js');
    expect(r.out?.total).toBe(5);
    expect(r.notices).toEqual([expect.stringMatching(new RegExp(`prebuilds/linux-${arch}/gradguard\\.glibc\\.node is not a shared library \\(corrupt or truncated\\).*pure-TypeScript backend`))]);
  });

  it('a prebuild with one byte changed fails its checksum and is never opened', () => {
    const whole = Buffer.from(readFileSync(join(packed, `linux-${arch}`, 'gradguard.glibc.node')));
    whole[whole.length >> 1] ^= 0x5a;
    writeFileSync(slot(), whole);
    const r = run('use.mjs', bareEnv());
    expect(r.status).toBe(0);
    expect(r.out?.info.backend).toBe('js');
    expect(r.notices).toEqual([expect.stringMatching(/gradguard\.glibc\.node is corrupt \(its SHA-256 does not match the one shipped beside it\).*pure-TypeScript backend/)]);
  });

  it('a truncated prebuild without its checksum file is caught by its headers, not by a crash in dlopen', () => {
    const whole = readFileSync(join(packed, `linux-${arch}`, 'gradguard.glibc.node'));
    writeFileSync(slot(), whole.subarray(0, whole.length >> 1));
    rmSync(`${slot()}.sha256`);
    const r = run('use.mjs', bareEnv());
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
    expect(r.out?.info.backend).toBe('js');
    expect(r.notices).toEqual([expect.stringMatching(/gradguard\.glibc\.node is truncated \(\d+ of at least \d+ bytes\).*pure-TypeScript backend/)]);
  });

  it(`a prebuild for ${other.arch} in the ${arch} slot is named as such`, () => {
    copyFileSync(join(packed, `linux-${other.arch}`, 'gradguard.glibc.node'), slot());
    const r = run('use.cjs', bareEnv());
    expect(r.status).toBe(0);
    expect(r.out?.info.backend).toBe('js');
    expect(r.notices).toEqual([expect.stringMatching(new RegExp(`is built for ${other.elf}, not`))]);
  });

  it('no prebuild and no compiler: the install says why and succeeds; the pure-TS backend runs', async () => {
    rmSync(join(installed, 'prebuilds', `linux-${arch}`), { recursive: true });
    const log = await rebuild(bareEnv());
    expect(log).toMatch(/no C\+\+ compiler on PATH.*pure-TypeScript backend will be used/);
    const r = run('use.mjs', bareEnv());
    expect(r.out?.info.backend).toBe('js');
    expect(r.notices).toEqual([expect.stringMatching(new RegExp(`no native binary for linux-${arch}`))]);
  });

  it('GRADGUARD_SKIP_BUILD=1 builds nothing even with a compiler; the pure-TS backend runs', async () => {
    const log = await rebuild({ ...fullEnv(), GRADGUARD_SKIP_BUILD: '1' });
    expect(log).toContain('GRADGUARD_SKIP_BUILD=1: the pure-TypeScript backend will be used');
    expect(existsSync(join(installed, 'build'))).toBe(false);
    expect(run('use.mjs', { ...fullEnv(), GRADGUARD_QUIET: '1' }).out?.info.backend).toBe('js');
  });

  it('with a compiler and no matching prebuild, it builds from source with the local Node headers', async () => {
    const log = await rebuild(fullEnv());
    expect(log).toContain('building the native addon from source');
    expect(log).toMatch(/built from source: build\/Release\/gradguard\.node \(isa \w+\)/);
    expect(log).not.toMatch(/nodejs\.org|Downloading/i);
    const r = run('use.mjs', bareEnv());
    expect(r.out?.info).toMatchObject({ backend: 'native', binary: 'build/Release/gradguard.node' });
    // A whole source build of the addon: about 60 s on 2 idle cores, more under load; the npm rebuild's
    // own limit (600 s) is the one that matters, not vitest's 60 s default (and npmAsync keeps this
    // worker answering vitest meanwhile).
  }, 600_000);
});

// The tarball users download: exactly the runtime files, both prebuilds and the native sources a
// build from source needs; no tests, fixtures, bench results, devtools or build trees. The
// prebuilds are real binaries for their architecture that export the library only.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { binaryMismatch, checksumMismatch } from '../../lib/addon-loader.js';
import { PREBUILD_ARCHES, packedFiles, prebuildPath, prebuildsProblem, root } from './pack.js';

const files = packedFiles();

function filesUnder(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const rel = `${dir}/${name}`;
    return statSync(join(root, rel)).isDirectory() ? filesUnder(rel) : [rel];
  });
}

describe('the packed tarball', () => {
  it('holds exactly the runtime files, both prebuilds and the native sources (nothing missing, nothing stray)', () => {
    const expected = [
      'package.json', 'README.md', 'LICENSE', 'binding.gyp',
      'scripts/install.mjs', 'scripts/node-headers.mjs', 'scripts/sources.mjs', 'scripts/build-mpi.mjs',
      'dist/index.js', 'dist/index.cjs', 'dist/index.d.ts', 'dist/index.d.cts', 'dist/index.js.map', 'dist/index.cjs.map',
      'bin/gradguard.mjs', // the gradguard command (report CLI)
      ...PREBUILD_ARCHES.flatMap((a) => [prebuildPath(a), `${prebuildPath(a)}.sha256`]),
      ...['native/core', 'native/kernels', 'native/addon', 'native/mpi'].flatMap(filesUnder),
    ].sort();
    expect(files).toEqual(expected);
  });

  it('leaves out tests, fixtures, benchmarks, examples, devtools and build trees', () => {
    for (const f of files) expect(f).not.toMatch(/^(test|bench|examples|build|build-\w+|docs|demo-out|\.cache|native\/(tests|devtools))\/|\.test\.|results|CMakeLists/);
  });

  it('ships every file its scripts run or import', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string>; main: string; module: string; types: string };
    const installed = /^node (\S+)$/.exec(pkg.scripts.install)?.[1];
    expect(installed).toBeDefined();
    expect(files).toContain(installed);
    for (const entry of [pkg.main, pkg.module, pkg.types]) expect(files).toContain(relative('.', entry));
    for (const script of files.filter((f) => f.endsWith('.mjs'))) {
      for (const m of readFileSync(join(root, script), 'utf8').matchAll(/from '\.\/([\w-]+\.mjs)'/g)) expect(files).toContain(`scripts/${m[1]}`);
    }
    // binding.gyp runs scripts/sources.mjs, which must find every group it names in the package
    expect(readFileSync(join(root, 'binding.gyp'), 'utf8')).toContain('node scripts/sources.mjs');
  });
});

describe('the prebuilds', () => {
  it('are present and newer than every native source', () => {
    expect(prebuildsProblem()).toBeNull();
  });

  it.each(PREBUILD_ARCHES)('linux-%s is a whole binary for that architecture, with its checksum', (arch) => {
    const file = join(root, prebuildPath(arch));
    expect(binaryMismatch(file, arch, 'linux')).toBeNull();
    expect(checksumMismatch(file)).toBeNull();
    expect(readFileSync(`${file}.sha256`, 'utf8')).toMatch(/^[0-9a-f]{64}  gradguard\.glibc\.node\n$/);
    expect(binaryMismatch(file, arch === 'x64' ? 'arm64' : 'x64', 'linux')).toMatch(/^built for/);
  });

  it.each(PREBUILD_ARCHES)('linux-%s exports the library only (no bench probes or test hooks)', (arch) => {
    const text = readFileSync(join(root, prebuildPath(arch))).toString('latin1');
    expect(text).toContain('clipGradNorm');
    for (const hook of ['streamRead', 'streamCopy', 'streamSumSquares', 'streamTriad', 'fmaPeak', 'testThrowBadAlloc']) expect(text).not.toContain(hook);
  });

  // The oldest systems a prebuild loads on: glibc 2.32 and GCC 12's libstdc++ (Debian 12, Ubuntu
  // 22.04 and later); elsewhere the install builds from source. A change that raises either is
  // deliberate, so it fails here.
  it.each(PREBUILD_ARCHES)('linux-%s needs no newer glibc than 2.32 and no newer libstdc++ than GCC 12\'s', (arch) => {
    const objdump = existsSync('/usr/bin/objdump') ? '/usr/bin/objdump' : 'objdump';
    const dyn = execFileSync(objdump, ['-T', join(root, prebuildPath(arch))], { encoding: 'utf8' });
    const newest = (prefix: string) =>
      [...dyn.matchAll(new RegExp(`\\(${prefix}_([\\d.]+)\\)`, 'g'))]
        .map((m) => m[1])
        .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
        .at(-1);
    expect(newest('GLIBC')).toBe('2.32');
    expect(newest('GLIBCXX')).toBe('3.4.30');
  });
});

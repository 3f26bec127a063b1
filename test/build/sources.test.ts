import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');
const sources = JSON.parse(execFileSync(process.execPath, ['scripts/sources.mjs'], { cwd: root, encoding: 'utf8' })) as Record<string, string[]>;

function allCc(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return allCc(full);
    return name.endsWith('.cc') ? [relative(root, full)] : [];
  });
}

describe('one source list feeds both build files', () => {
  it('lists every C++ source under native/ exactly once', () => {
    const listed = Object.values(sources).flat().sort();
    const onDisk = allCc(join(root, 'native')).filter((f) => !f.startsWith('native/tests/') || f.endsWith('_test.cc')).sort();
    expect(listed).toEqual(onDisk);
    expect(new Set(listed).size).toBe(listed.length);
  });

  it('binding.gyp takes every library and addon group from scripts/sources.mjs', () => {
    const gyp = readFileSync(join(root, 'binding.gyp'), 'utf8');
    for (const group of ['base', 'scalar', 'avx2', 'avx512', 'neon', 'addon', 'devtools']) {
      expect(gyp).toContain(`<!@(node scripts/sources.mjs --group ${group})`);
    }
    expect(gyp).not.toMatch(/\.cc'/); // no hand-written source file names
  });

  it('CMakeLists.txt takes every group from scripts/sources.mjs', () => {
    const cmake = readFileSync(join(root, 'CMakeLists.txt'), 'utf8');
    for (const group of ['base', 'scalar', 'avx2', 'avx512', 'neon', 'addon', 'tests']) {
      expect(cmake).toMatch(new RegExp(`gradguard_sources\\(${group} `));
    }
    expect(cmake).not.toMatch(/native\/[\w/]+\.cc/);
  });

  it('keeps native/mpi in its own group, built only by scripts/build-mpi.mjs (the main addon never links MPI)', () => {
    const mpi = allCc(join(root, 'native', 'mpi')).sort();
    expect(mpi.length).toBeGreaterThan(0);
    expect([...sources.mpi].sort()).toEqual(mpi);
    for (const [group, files] of Object.entries(sources)) {
      if (group !== 'mpi') expect(files.filter((f) => f.startsWith('native/mpi/'))).toEqual([]);
    }
    expect(readFileSync(join(root, 'binding.gyp'), 'utf8')).not.toMatch(/--group mpi\b|-lmpi\b|native\/mpi/);
    expect(readFileSync(join(root, 'CMakeLists.txt'), 'utf8')).not.toMatch(/gradguard_sources\(mpi /);
    expect(readFileSync(join(root, 'scripts', 'build-mpi.mjs'), 'utf8')).toContain('sourceGroups().mpi');
  });

  it('puts ISA files only in their ISA group', () => {
    for (const [group, files] of Object.entries(sources)) {
      for (const f of files) {
        const m = /_(avx2|avx512|neon|scalar)\.cc$/.exec(f);
        if (m && group !== 'tests') expect(group).toBe(m[1]);
      }
    }
  });
});

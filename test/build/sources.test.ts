import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');
const run = (...args: string[]) => execFileSync(process.execPath, ['scripts/sources.mjs', ...args], { cwd: root, encoding: 'utf8' });
const sources = JSON.parse(run()) as Record<string, string[]>;
const isaHeader = readFileSync(join(root, 'native', 'core', 'isa_list.h'), 'utf8');
const isas = run('--isas', '--sep', ' ').split(' ');
const gyp = readFileSync(join(root, 'binding.gyp'), 'utf8');
const cmake = readFileSync(join(root, 'CMakeLists.txt'), 'utf8');
// Machine and floating-point options belong to the ISA list's rows, not to a build file.
const isaFlag = /-m(avx|fma|sse|arch|cpu|tune|fpu|neon|sve)|-march|-ffp-contract/;

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
    for (const group of ['base', 'addon', 'devtools']) {
      expect(gyp).toContain(`<!@(node scripts/sources.mjs --group ${group})`);
    }
    expect(gyp).not.toMatch(/\.cc'/); // no hand-written source file names
  });

  it('CMakeLists.txt takes every group from scripts/sources.mjs', () => {
    for (const group of ['base', 'addon', 'tests']) {
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
    const suffix = new RegExp(`_(${isas.join('|')})\\.cc$`);
    for (const [group, files] of Object.entries(sources)) {
      for (const f of files) {
        const m = suffix.exec(f);
        if (m && group !== 'tests') expect(group).toBe(m[1]);
      }
    }
  });
});

describe('one ISA list (native/core/isa_list.h) drives the build', () => {
  it('reads every row of GG_ISA_LIST, scalar first', () => {
    // The define and its continuation lines (each ends in a backslash, the last does not).
    const lines = isaHeader.slice(isaHeader.indexOf('#define GG_ISA_LIST')).split('\n');
    const rows = lines.slice(0, lines.findIndex((l) => !l.trimEnd().endsWith('\\')) + 1).join('\n');
    expect(isas).toEqual([...rows.matchAll(/GG_ISA\(\w+, (\w+),/g)].map((m) => m[1]));
    expect(isas[0]).toBe('scalar');
    expect(sources.scalar.length).toBeGreaterThan(0);
    for (const isa of isas) expect(Object.keys(sources)).toContain(isa);
  });

  it('gives each ISA its row\'s flags, and its files only on its architecture', () => {
    expect(run('--flags', 'scalar', '--sep', ' ')).toBe('-ffp-contract=off');
    expect(run('--flags', 'avx2', '--sep', ' ')).toBe('-mavx2 -mfma');
    expect(run('--group', 'avx2', '--arch', 'x64', '--sep', ' ')).toBe(sources.avx2.join(' '));
    expect(run('--group', 'avx2', '--arch', 'arm64')).toBe('');
    expect(run('--group', 'neon', '--arch', 'aarch64', '--sep', ' ')).toBe(sources.neon.join(' '));
    expect(run('--group', 'neon', '--arch', 'x86_64')).toBe('');
    expect(run('--group', 'scalar', '--arch', 'arm64', '--sep', ' ')).toBe(sources.scalar.join(' '));
  });

  it('binding.gyp has one library per ISA, with its files and flags from the list, all linked', () => {
    // the ISA libraries hang off gradguard_base, the kernel library both addons link
    const deps = /'target_name': 'gradguard_base',[\s\S]*?'dependencies': \[([^\]]*)\]/.exec(gyp)?.[1] ?? '';
    expect(/'target_name': 'gradguard',[\s\S]*?'dependencies': \['gradguard_base'\]/.test(gyp)).toBe(true);
    for (const isa of isas) {
      const target = new RegExp(`'target_name': 'gradguard_${isa}',[^}]*--group ${isa} --arch <\\(target_arch\\)[^}]*'cflags': \\['<!@\\(node scripts/sources.mjs --flags ${isa}\\)'\\]`);
      expect(gyp, `binding.gyp: no target gradguard_${isa} built from the ISA list`).toMatch(target);
      expect(deps, `binding.gyp: gradguard_base does not depend on gradguard_${isa}`).toContain(`'gradguard_${isa}'`);
    }
    expect(gyp).not.toMatch(isaFlag);
  });

  it('CMakeLists.txt loops over the ISA list for files and flags, naming no ISA or flag by hand', () => {
    expect(cmake).toContain('gradguard_list(GG_ISAS --isas)');
    expect(cmake).toContain('gradguard_list(isa_files --group ${isa} --arch ${CMAKE_SYSTEM_PROCESSOR})');
    expect(cmake).toContain('gradguard_list(isa_flags --flags ${isa})');
    for (const isa of isas) expect(cmake).not.toMatch(new RegExp(`\\b${isa}\\b`));
    expect(cmake).not.toMatch(isaFlag);
  });
});

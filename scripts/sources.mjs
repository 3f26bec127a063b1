#!/usr/bin/env node
// The one source list for both build files (binding.gyp and CMakeLists.txt), and the per-ISA build
// facts they need, read from the ISA list native/core/isa_list.h (its GG_ISA rows: name, arch,
// flags). Files are found by convention, so adding a kernel never means editing a list:
//   native/{core,kernels}/**/*.cc   the library (no Node-API), grouped by file-name suffix:
//     *_<isa>.cc -> "<isa>" for each row of isa_list.h (scalar, neon, avx2, avx512, ...), compiled
//                   with that row's flags, for targets of that row's arch only
//     anything else -> "base" (baseline flags)
//   native/addon/*.cc               -> "addon" (Node-API bindings of the production addon)
//   native/devtools/*.cc            -> "devtools" (the bench probes and test hooks: a separate addon
//                                      built for development only, never shipped)
//   native/tests/*_test.cc          -> "tests" (one ctest executable each)
//   native/mpi/*.cc                 -> "mpi"   (the optional MPI addon, built only by
//                                      scripts/build-mpi.mjs: the main addon never links MPI)
// Usage: node scripts/sources.mjs [--group NAME [--arch ARCH]] [--flags ISA] [--isas] [--sep SEP]
//   (no option)       every group as JSON
//   --group NAME      the group's files; with --arch (gyp's target_arch or CMake's
//                     CMAKE_SYSTEM_PROCESSOR) an ISA group is empty for a target of another arch
//   --flags ISA       the ISA's compile flags
//   --isas            the ISA names, in list order
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// The `arch` column's values, and the names build tools give those architectures.
const archAliases = {
  x86_64: ['x86_64', 'x64', 'amd64', 'AMD64'],
  aarch64: ['aarch64', 'arm64', 'ARM64'],
};

/** The rows of GG_ISA_LIST in native/core/isa_list.h: { enum, name, base, arch, flags[] }. */
export function isaList() {
  const text = readFileSync(join(root, 'native', 'core', 'isa_list.h'), 'utf8');
  const define = /^#define GG_ISA_LIST\(GG_ISA\)((?:.*\\\r?\n)*.*)/m.exec(text);
  if (!define) throw new Error('sources.mjs: no "#define GG_ISA_LIST(GG_ISA)" in native/core/isa_list.h');
  const body = define[1].replace(/\\\r?\n/g, ' ');
  const row = /GG_ISA\(\s*(\w+)\s*,\s*(\w+)\s*,\s*(\w+)\s*,\s*(\w+)\s*,\s*[^,"]*?\s*,\s*"([^"]*)"\s*\)/g;
  const rows = [...body.matchAll(row)].map((m) => ({
    enum: m[1],
    name: m[2],
    base: m[3],
    arch: m[4],
    flags: m[5].split(/\s+/).filter(Boolean),
  }));
  const calls = (body.match(/\bGG_ISA\(/g) ?? []).length;
  if (rows.length === 0 || rows.length !== calls) {
    throw new Error(`sources.mjs: could not read every GG_ISA row of native/core/isa_list.h (${rows.length} of ${calls})`);
  }
  for (const r of rows) {
    if (r.arch !== 'any' && !(r.arch in archAliases)) {
      throw new Error(`sources.mjs: isa_list.h row ${r.name} has arch "${r.arch}"; expected any, ${Object.keys(archAliases).join(', ')}`);
    }
  }
  return rows;
}

/** Whether a row of arch `arch` is built for a target that build tools call `target`. */
export function builtFor(arch, target) {
  return arch === 'any' || archAliases[arch].includes(target);
}

// A missing folder is empty: the published package leaves out native/tests and native/devtools.
function walk(dir) {
  const out = [];
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...walk(full));
    else if (name.endsWith('.cc')) out.push(relative(root, full).split('\\').join('/'));
  }
  return out;
}

export function sourceGroups() {
  const isas = isaList().map((r) => r.name);
  const groups = { base: [], ...Object.fromEntries(isas.map((n) => [n, []])), addon: [], devtools: [], tests: [], mpi: [] };
  const suffix = new RegExp(`_(${isas.join('|')})\\.cc$`);
  for (const dir of ['native/core', 'native/kernels']) {
    for (const file of walk(join(root, dir))) {
      const m = suffix.exec(file);
      groups[m ? m[1] : 'base'].push(file);
    }
  }
  groups.addon = walk(join(root, 'native/addon'));
  groups.devtools = walk(join(root, 'native/devtools'));
  groups.tests = walk(join(root, 'native/tests')).filter((f) => f.endsWith('_test.cc'));
  groups.mpi = walk(join(root, 'native/mpi'));
  return groups;
}

function fail(message) {
  console.error(`sources.mjs: ${message}`);
  process.exit(2);
}

const isMain = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const args = process.argv.slice(2);
  const value = (flag) => {
    const at = args.indexOf(flag);
    return at >= 0 ? args[at + 1] : undefined;
  };
  const sep = value('--sep') ?? '\n';
  const rows = isaList();
  const rowNamed = (name) => rows.find((r) => r.name === name) ?? fail(`unknown ISA "${name}"; expected one of ${rows.map((r) => r.name).join(', ')}`);
  if (args.includes('--isas')) {
    process.stdout.write(rows.map((r) => r.name).join(sep));
  } else if (value('--flags') !== undefined) {
    process.stdout.write(rowNamed(value('--flags')).flags.join(sep));
  } else if (value('--group') !== undefined) {
    const groups = sourceGroups();
    const name = value('--group');
    if (!(name in groups)) fail(`unknown group "${name}"; expected one of ${Object.keys(groups).join(', ')}`);
    const target = value('--arch');
    const row = rows.find((r) => r.name === name);
    const files = row && target !== undefined && !builtFor(row.arch, target) ? [] : groups[name];
    process.stdout.write(files.join(sep));
  } else {
    process.stdout.write(JSON.stringify(sourceGroups(), null, 2) + '\n');
  }
}

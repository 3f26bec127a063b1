#!/usr/bin/env node
// The one source list for both build files (binding.gyp and CMakeLists.txt). Files are found by
// convention, so adding a kernel never means editing a list:
//   native/{core,kernels}/**/*.cc   the library (no Node-API), grouped by file-name suffix:
//     *_scalar.cc -> "scalar" (built with -ffp-contract=off: the reference means what it says)
//     *_avx2.cc   -> "avx2"   (-mavx2 -mfma)       *_avx512.cc -> "avx512" (-mavx512f -mfma)
//     *_neon.cc   -> "neon"   (AArch64 only)      anything else -> "base" (baseline flags)
//   native/addon/*.cc               -> "addon" (Node-API bindings of the production addon)
//   native/devtools/*.cc            -> "devtools" (the bench probes and test hooks: a separate addon
//                                      built for development only, never shipped)
//   native/tests/*_test.cc          -> "tests" (one ctest executable each)
//   native/mpi/*.cc                 -> "mpi"   (the optional MPI addon, built only by
//                                      scripts/build-mpi.mjs: the main addon never links MPI)
// Usage: node scripts/sources.mjs [--json] [--group NAME] [--sep SEP]
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

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
  const groups = { base: [], scalar: [], avx2: [], avx512: [], neon: [], addon: [], devtools: [], tests: [], mpi: [] };
  for (const dir of ['native/core', 'native/kernels']) {
    for (const file of walk(join(root, dir))) {
      const m = /_(scalar|avx2|avx512|neon)\.cc$/.exec(file);
      groups[m ? m[1] : 'base'].push(file);
    }
  }
  groups.addon = walk(join(root, 'native/addon'));
  groups.devtools = walk(join(root, 'native/devtools'));
  groups.tests = walk(join(root, 'native/tests')).filter((f) => f.endsWith('_test.cc'));
  groups.mpi = walk(join(root, 'native/mpi'));
  return groups;
}

const isMain = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const args = process.argv.slice(2);
  const groups = sourceGroups();
  const groupAt = args.indexOf('--group');
  const sepAt = args.indexOf('--sep');
  const sep = sepAt >= 0 ? args[sepAt + 1] : '\n';
  if (groupAt >= 0) {
    const name = args[groupAt + 1];
    if (!(name in groups)) {
      console.error(`sources.mjs: unknown group "${name}"; expected one of ${Object.keys(groups).join(', ')}`);
      process.exit(2);
    }
    process.stdout.write(groups[name].join(sep));
  } else {
    process.stdout.write(JSON.stringify(groups, null, 2) + '\n');
  }
}

#!/usr/bin/env node
// npm's install step: a prebuilt binary when one matches (node-gyp-build), else a build from source
// with node-gyp. A failed build is not fatal: gradguard then runs on its pure-TypeScript backend and
// says so once when loaded. GRADGUARD_SKIP_BUILD=1 skips the native build entirely.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
if (process.env.GRADGUARD_SKIP_BUILD === '1') process.exit(0);

const require = createRequire(import.meta.url);
let ok = false;
try {
  const bin = require.resolve('node-gyp-build/bin.js');
  const r = spawnSync(process.execPath, [bin], { cwd: root, stdio: 'inherit' });
  ok = !r.error && r.status === 0;
} catch (err) {
  console.warn(`gradguard: node-gyp-build not found (${err.message})`);
}
if (!ok) {
  console.warn('gradguard: the native addon could not be built; the pure-TypeScript backend will be used.');
}
// The optional MPI addon (gradguard.dist) when an MPI is installed; without one this is a notice.
spawnSync(process.execPath, [join(root, 'scripts', 'build-mpi.mjs'), '--optional'], { cwd: root, stdio: 'inherit' });

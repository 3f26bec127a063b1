#!/usr/bin/env node
// `npm test`: everything, in order: the vitest suite (unit, property, golden on every backend and
// ISA, worker_threads, the packed tarball), the golden runner's CLI over test/fixtures/golden, the
// C++ kernel tests (host and AArch64 under qemu) and the ARM64 JS suites under qemu. Ends with one
// line "N passed, M failed". In a fresh clone it first builds what the tests load and `npm install`
// does not make: the TS package and the devtools addon (`npm run build`), and the prebuilds the
// package tests pack (`npm run build:prebuilds`). CI has built them already, so this is a no-op there.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { vitestCounts } from './vitest-counts.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
let passed = 0;
let failed = 0;

// 0. what the tests need and `npm install` does not build.
const npmRun = (script) => spawnSync('npm', ['run', script], { cwd: root, stdio: 'inherit' }).status === 0;
if (!existsSync(join(root, 'dist', 'index.js')) || !existsSync(join(root, 'build', 'Release', 'gradguard_devtools.node'))) {
  console.log('npm test: building the package and the devtools addon first (npm run build)');
  if (!npmRun('build')) failed++;
}
if (!['x64', 'arm64'].every((arch) => existsSync(join(root, 'prebuilds', `linux-${arch}`, 'gradguard.glibc.node')))) {
  console.log('npm test: building the prebuilds the package tests pack first (npm run build:prebuilds)');
  if (!npmRun('build:prebuilds')) failed++;
}

// 1. vitest, with a JSON report to count from.
const report = join(root, '.vitest-results.json');
rmSync(report, { force: true });
const v = spawnSync(bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`], { cwd: root, stdio: 'inherit' });
{
  const counts = vitestCounts(report, v.status);
  passed += counts.passed;
  failed += counts.failed;
}

// 2. the golden runner as users run it.
const g = spawnSync(bin('tsx'), ['scripts/golden.ts', 'test/fixtures/golden', '--backend', 'all'], { cwd: root, encoding: 'utf8' });
process.stdout.write(g.stdout + g.stderr);
const gm = /(\d+) passed, (\d+) failed/.exec(g.stdout);
if (gm) {
  passed += Number(gm[1]);
  failed += Number(gm[2]);
}
if (!gm || g.status !== 0) failed += gm && Number(gm[2]) > 0 ? 0 : 1;

// 3. C++ kernel tests.
const c = spawnSync(process.execPath, ['scripts/test-cpp.mjs'], { cwd: root, encoding: 'utf8' });
process.stdout.write(c.stdout + c.stderr);
const cm = /cpp: (\d+) passed, (\d+) failed/.exec(c.stdout);
if (cm) {
  passed += Number(cm[1]);
  failed += Number(cm[2]);
} else {
  failed++;
}

// 4. ARM64 for real: Debian's arm64 Node under qemu with the linux-arm64 prebuild (scripts/test-arm64.mjs:
// golden on js/neon/scalar, the ARM vitest suites, a bounded bench; about 7 minutes, capped at 12).
// Skipped with a notice outside CI when the tools or the prebuild are missing; a failure under CI=true.
const armResult = join(root, '.cache', 'arm64-result.json');
rmSync(armResult, { force: true });
spawnSync(process.execPath, ['scripts/test-arm64.mjs'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, GRADGUARD_ARM64_RESULT: armResult }, timeout: 15 * 60_000 });
if (existsSync(armResult)) {
  const r = JSON.parse(readFileSync(armResult, 'utf8'));
  passed += r.passed;
  failed += r.failed;
} else {
  failed++;
}

console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);

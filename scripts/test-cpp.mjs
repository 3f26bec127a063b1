#!/usr/bin/env node
// C++ kernel tests (ctest): natively, and for AArch64 cross-compiled and run under qemu-user so the
// NEON kernels are exercised on x86-64. Prints "cpp: N passed, M failed"; exits 1 on any failure.
// --host-only skips AArch64. Without the cross tools, AArch64 is a failure under CI=true and a
// printed notice elsewhere.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const hostOnly = process.argv.includes('--host-only');
let passed = 0;
let failed = 0;

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', ...opts });
  if (r.error) return { status: 127, out: String(r.error.message) };
  return { status: r.status ?? 1, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

// configure + build with plain CMake (cross builds), or with cmake-js (host: the addon too).
function suite(name, buildDir, extraConfig, { cmakeJs = false } = {}) {
  if (!cmakeJs) {
    const cfg = run('cmake', ['-S', '.', '-B', buildDir, '-DCMAKE_BUILD_TYPE=Release', ...extraConfig]);
    if (cfg.status !== 0) {
      console.log(cfg.out);
      console.log(`cpp/${name}: configure failed`);
      failed++;
      return;
    }
  }
  const build = cmakeJs
    ? run(join(root, 'node_modules', '.bin', 'cmake-js'), ['compile', '--out', buildDir, '--parallel', '2'])
    : run('cmake', ['--build', buildDir, '-j', '2']);
  if (build.status !== 0) {
    console.log(build.out);
    console.log(`cpp/${name}: build failed`);
    failed++;
    return;
  }
  const test = run('ctest', ['--output-on-failure', '--timeout', '300'], { cwd: join(root, buildDir) });
  process.stdout.write(test.out.split('\n').map((l) => `[cpp/${name}] ${l}`).join('\n') + '\n');
  const m = /(\d+)% tests passed, (\d+) tests failed out of (\d+)/.exec(test.out);
  if (!m) {
    failed++;
    return;
  }
  const total = Number(m[3]);
  const bad = Number(m[2]);
  passed += total - bad;
  failed += bad;
  if (test.status !== 0 && bad === 0) failed++;
}

// Host: cmake-js builds the addon and the C++ tests from the same source list as binding.gyp.
suite(process.arch, 'build-cmake', [], { cmakeJs: true });
// The addon cmake-js built must load and compute like the node-gyp one.
const smoke = run(process.execPath, ['-e',
  "const a = require('./build-cmake/Release/gradguard.node'); const n = a.gradNorm([new Float32Array([3, 4])], null, 2); if (n !== 5) throw new Error('norm ' + n); console.log('cmake-js addon ok:', a.activeIsa());"]);
console.log(`[cpp/cmake-js-addon] ${smoke.out.trim()}`);
if (smoke.status === 0) passed++;
else failed++;

if (!hostOnly && process.arch === 'x64') {
  const haveCross = run('aarch64-linux-gnu-g++', ['--version']).status === 0 && run('qemu-aarch64', ['--version']).status === 0;
  if (haveCross) {
    suite('aarch64-qemu', 'build-cpp-aarch64', [`-DCMAKE_TOOLCHAIN_FILE=${join(root, 'scripts', 'aarch64-toolchain.cmake')}`]);
  } else if (process.env.CI === 'true') {
    console.log('cpp/aarch64-qemu: g++-aarch64-linux-gnu or qemu-user missing (.ci/run installs them)');
    failed++;
  } else {
    console.log('cpp/aarch64-qemu: not run here (apt-get install g++-aarch64-linux-gnu qemu-user to run it)');
  }
}

console.log(`cpp: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);

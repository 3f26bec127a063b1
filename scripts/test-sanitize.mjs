#!/usr/bin/env node
// `npm run test:sanitize`: the native code under the sanitizers, without touching the normal builds
// (build/, build-cmake/) or the build files (flags come from here, not CMakeLists.txt/binding.gyp):
//   asan-cpp    the C++ kernel tests (ctest) built with ASan+UBSan (-fno-sanitize-recover) in
//               build-asan/, leak checking on.
//   tsan-cpp    the tests that run the thread pool (and the multi-threaded kernels on it) built with
//               TSan in build-tsan/, plus native/tests/sanitize/mpi_watchdog_tsan.cpp (the dist
//               watchdog thread against enter/leave from other threads) when mpicxx is there.
//   asan-addon  the addon built with ASan+UBSan by node-gyp in a staging copy,
//               build-asan-addon/ (as scripts/prebuild.mjs stages), then the vitest suites for grad,
//               ops, nn-ops, optim, nn and the async/worker_threads tests run from that copy (the
//               loader prefers its build/Release) in Node with the sanitizer runtimes preloaded.
//               Leak checking stays on: the files run in worker_threads of one Node process
//               (not vitest's usual forks, which are killed and never leak-checked), checked by
//               LeakSanitizer at its exit; only records with a frame in the addon count (ourLeaks).
// Every sanitizer report goes to a log file (build-*/sanitizer-logs/); any report is a failure.
// Prints one line "sanitize: N passed, M failed" (a ctest test or a vitest file is one) and exits 1
// on any failure or finding. Usage: node scripts/test-sanitize.mjs [--only asan-cpp,tsan-cpp,asan-addon]
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { localNodeDir } from './node-headers.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const only = args.indexOf('--only') >= 0 ? args[args.indexOf('--only') + 1].split(',') : null;
const want = (s) => !only || only.includes(s);
const jobs = String(Math.max(1, Math.min(4, (await import('node:os')).availableParallelism())));
const t0 = Date.now();
const secs = (t) => `${((Date.now() - t) / 1000).toFixed(0)} s`;
let passed = 0;
let failed = 0;

const ASAN_FLAGS = '-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer';
const TSAN_FLAGS = '-O1 -g -fsanitize=thread -fno-omit-frame-pointer';
const supp = (f) => join(root, 'native', 'tests', 'sanitize', f);

function run(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { cwd: root, encoding: 'utf8', maxBuffer: 512 << 20, ...opts });
  if (r.error) return { status: 127, out: String(r.error.message) };
  return { status: r.status ?? 1, signal: r.signal, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

// Leak records ("Direct/Indirect leak of ... allocated from:" and its stack) that involve our code:
// a frame in the addon binaries or a source under native/. V8 and Node do not free their heaps at
// exit and the system tools the tests shell out to leak on purpose; those records are left out here
// rather than by LSan suppressions, which match any frame of a stack (every addon allocation has
// Node and V8 frames below it, so suppressing them would hide the addon's leaks too).
const OURS = /gradguard(_devtools)?\.node|\/native\/(core|kernels|addon|devtools|mpi|tests)\//;
// One leak with an addon frame is Node's, not ours: the Promise of an *Async call whose worker_thread
// was terminated while it ran. napi_create_promise allocates the deferred's handle and only settling
// frees it, which Node-API refuses once the environment is shutting down (napi_pending_exception), so
// the 8 bytes stay (test/backend/worker-threads.test.ts does this on purpose). Matched exactly: the
// allocation's first frame is napi_create_promise, called from PromiseWorker's constructor.
const NODE_TEARDOWN_DEFERRED = /^\s*#1 0x[0-9a-f]+ in napi_create_promise [^\n]*\n(?:[^\n]*\n){0,2}?[^\n]*Promise::Deferred::New[^\n]*\n[^\n]*PromiseWorker::PromiseWorker/m;
let ignoredLeaks = 0;
let ignoredRaces = 0;
let teardownDeferreds = 0;
function ourLeaks(text) {
  const records = text.split(/\n(?=(?:Direct|Indirect) leak of )/).slice(1);
  const withAddon = records.filter((r) => OURS.test(r.split('\n\n')[0]));
  const ours = withAddon.filter((r) => !NODE_TEARDOWN_DEFERRED.test(r.split('\n\n')[0]));
  ignoredLeaks += records.length - withAddon.length;
  teardownDeferreds += withAddon.length - ours.length;
  return ours;
}

// Sanitizer reports written to `dir` (log_path); prints each finding and counts them.
function findings(dir, label) {
  if (!existsSync(dir)) return 0;
  let n = 0;
  for (const f of readdirSync(dir)) {
    const text = readFileSync(join(dir, f), 'utf8');
    let shown = text;
    if (/ERROR: LeakSanitizer/.test(text) && !/ERROR: AddressSanitizer|runtime error:/.test(text)) {
      const ours = ourLeaks(text);
      if (ours.length === 0) continue;
      shown = ours.join('\n');
    } else if (/WARNING: ThreadSanitizer/.test(text) && !/ERROR: |runtime error:/.test(text)) {
      const all = text.split(/={10,}\n/).filter((r) => /WARNING: ThreadSanitizer/.test(r));
      const ours = all.filter((r) => OURS.test(r));
      ignoredRaces += all.length - ours.length;
      if (ours.length === 0) continue;
      shown = ours.join('\n');
    } else if (!/ERROR: |runtime error:/.test(text)) {
      continue;
    }
    n++;
    console.log(`[${label}] sanitizer report ${join(dir, f)}:\n${shown.split('\n').slice(0, 60).join('\n')}`);
  }
  return n;
}

function sanEnv(logDir) {
  rmSync(logDir, { recursive: true, force: true });
  mkdirSync(logDir, { recursive: true });
  return {
    ...process.env,
    ASAN_OPTIONS: `detect_leaks=1:abort_on_error=0:print_suppressions=0:log_path=${logDir}/asan`,
    UBSAN_OPTIONS: `print_stacktrace=1:halt_on_error=1:log_path=${logDir}/ubsan`,
    TSAN_OPTIONS: `halt_on_error=0:exitcode=0:second_deadlock_stack=1:suppressions=${supp('tsan.supp')}:log_path=${logDir}/tsan`,
  };
}

// configure + build a plain-CMake tree with `flags`, then ctest (optionally a subset).
function ctestSuite(name, dir, flags, regex) {
  const t = Date.now();
  const cfg = run('cmake', ['-S', '.', '-B', dir, '-DCMAKE_BUILD_TYPE=Sanitize', `-DCMAKE_CXX_FLAGS=${flags}`]);
  if (cfg.status !== 0) {
    console.log(cfg.out);
    console.log(`${name}: configure failed`);
    failed++;
    return;
  }
  const build = run('cmake', ['--build', dir, '-j', jobs]);
  if (build.status !== 0) {
    console.log(build.out.split('\n').slice(-60).join('\n'));
    console.log(`${name}: build failed`);
    failed++;
    return;
  }
  const logDir = join(root, dir, 'sanitizer-logs');
  const test = run('ctest', ['--output-on-failure', '--timeout', '600', ...(regex ? ['-R', regex] : [])], { cwd: join(root, dir), env: sanEnv(logDir) });
  process.stdout.write(test.out.split('\n').filter((l) => l.trim()).map((l) => `[${name}] ${l}`).join('\n') + '\n');
  const m = /(\d+)% tests passed, (\d+) tests failed out of (\d+)/.exec(test.out);
  const reports = findings(logDir, name);
  if (!m) {
    failed++;
  } else {
    passed += Number(m[3]) - Number(m[2]);
    failed += Number(m[2]);
    // A report from a test that still exited 0 (TSan continues by default) is a failure too.
    if (reports > 0 && Number(m[2]) === 0) failed += reports;
  }
  console.log(`${name}: done in ${secs(t)}${reports ? `, ${reports} sanitizer report(s)` : ''}`);
}

// 1. ASan+UBSan C++ tests.
if (want('asan-cpp')) ctestSuite('asan-cpp', 'build-asan', ASAN_FLAGS);

// 2. TSan: the thread pool and the kernels that run on it (norm/optim/gemm/rnn are multi-threaded).
if (want('tsan-cpp')) {
  ctestSuite('tsan-cpp', 'build-tsan', TSAN_FLAGS, '^(thread_pool|thread_pool_nested|norm|norm_clip_parts|optim|rnn|normalization|exported_memory)_test$');
  const t = Date.now();
  const mpicxx = run('mpicxx', ['--showme:version']);
  if (mpicxx.status !== 0) {
    console.log('tsan-cpp/mpi_watchdog: skipped (no mpicxx; Debian: apt-get install libopenmpi-dev)');
    if (process.env.CI === 'true') failed++;
  } else {
    const exe = join(root, 'build-tsan', 'mpi_watchdog_tsan');
    const b = run('mpicxx', [...TSAN_FLAGS.split(' '), '-std=c++17', '-Inative', 'native/tests/sanitize/mpi_watchdog_tsan.cpp', 'native/mpi/mpi_watchdog.cc', '-o', exe, '-lpthread']);
    const logDir = join(root, 'build-tsan', 'sanitizer-logs-watchdog');
    const r = b.status === 0 ? run(exe, [], { env: sanEnv(logDir) }) : b;
    const reports = findings(logDir, 'tsan-cpp/mpi_watchdog');
    process.stdout.write(r.out.split('\n').filter((l) => l.trim()).map((l) => `[tsan-cpp/mpi_watchdog] ${l}`).join('\n') + '\n');
    if (r.status === 0 && reports === 0) passed++;
    else failed++;
    console.log(`tsan-cpp/mpi_watchdog: ${r.status === 0 && reports === 0 ? 'ok' : 'FAILED'} in ${secs(t)}`);
  }
}

// 3./4. The addon built with a sanitizer in a staging copy, under vitest suites.
const SUITES = ['test/grad', 'test/ops', 'test/nn-ops', 'test/optim', 'test/nn', 'test/backend/worker-threads.test.ts',
  'test/backend/async-transfer.test.ts'];
const ASYNC_SUITES = ['test/grad/async-buffers.test.ts', 'test/ops/async-buffers.test.ts', 'test/nn-ops/async-buffers.test.ts',
  'test/nn-ops/async.test.ts', 'test/backend/worker-threads.test.ts', 'test/backend/async-transfer.test.ts'];
const gcc = (lib) => run('gcc', [`-print-file-name=${lib}`]).out.trim();

function addonSuite(name, { flags, ldflags, preload, pool, suites }) {
  const t = Date.now();
  const stage = join(root, `build-${name}`);
  // Fresh copies of the sources and tests (the build/ inside survives for make's incremental build).
  for (const d of ['native', 'lib', 'test', 'scripts']) rmSync(join(stage, d), { recursive: true, force: true });
  mkdirSync(join(stage, 'native'), { recursive: true });
  for (const d of ['core', 'kernels', 'addon']) cpSync(join(root, 'native', d), join(stage, 'native', d), { recursive: true });
  for (const f of ['package.json', 'binding.gyp', 'tsconfig.json', 'vitest.config.ts']) cpSync(join(root, f), join(stage, f));
  for (const d of ['lib', 'test', 'scripts']) cpSync(join(root, d), join(stage, d), { recursive: true });
  if (!existsSync(join(stage, 'node_modules'))) symlinkSync(join(root, 'node_modules'), join(stage, 'node_modules'));
  // The setup file checks the sanitized build is what the loader picked (the loader prefers
  // build/Release over prebuilds; a build that fails to load would silently mean the TS fallback).
  writeFileSync(join(stage, 'sanitize-setup.ts'),
    "import { loadAddon, loadedAddonFile } from './lib/binding.js';\n" +
    "loadAddon();\n" +
    `if (loadedAddonFile() !== 'build/Release/gradguard.node') throw new Error(\`test:sanitize: loaded \${loadedAddonFile()}, not the ${name} build\`);\n`);
  writeFileSync(join(stage, 'vitest.sanitize.config.ts'),
    "import { defineConfig, mergeConfig } from 'vitest/config';\nimport base from './vitest.config';\n" +
    `export default mergeConfig(base, defineConfig({ test: { pool: '${pool}', setupFiles: ['./sanitize-setup.ts'], testTimeout: 300_000, hookTimeout: 300_000 } }));\n`);
  // The production addon only: none of these suites loads the devtools addon.
  const env = { ...process.env, CXXFLAGS: flags, CFLAGS: flags, LDFLAGS: ldflags };
  delete env.GRADGUARD_DEVTOOLS;
  const nodedir = localNodeDir();
  if (nodedir) env.npm_config_nodedir = nodedir;
  const b = run(process.execPath, [join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'), 'rebuild', '-j', jobs], { cwd: stage, env });
  if (b.status !== 0) {
    console.log(b.out.split('\n').slice(-60).join('\n'));
    console.log(`${name}: build failed`);
    failed++;
    return;
  }
  console.log(`${name}: built in ${secs(t)}`);
  const logDir = join(stage, 'sanitizer-logs');
  const report = join(stage, 'vitest-results.json');
  rmSync(report, { force: true });
  const venv = { ...sanEnv(logDir), LD_PRELOAD: preload.map(gcc).join(':') };
  delete venv.GRADGUARD_DEVTOOLS;
  const v = run(join(stage, 'node_modules', '.bin', 'vitest'),
    ['run', '--config', 'vitest.sanitize.config.ts', '--reporter=dot', '--reporter=json', `--outputFile.json=${report}`, ...suites],
    { cwd: stage, env: venv });
  process.stdout.write(v.out.split('\n').filter((l) => /FAIL|✗|×|Error|Test Files|Tests /.test(l)).slice(0, 80).map((l) => `[${name}] ${l}`).join('\n') + '\n');
  const before = { leaks: ignoredLeaks, races: ignoredRaces, deferreds: teardownDeferreds };
  const reports = findings(logDir, name);
  if (existsSync(report)) {
    const r = JSON.parse(readFileSync(report, 'utf8'));
    for (const f of r.testResults) {
      if (f.status === 'passed') passed++;
      else failed++;
    }
    if (v.status !== 0 && r.testResults.every((f) => f.status === 'passed')) failed++;
    console.log(`${name}: ${r.numPassedTests} tests passed, ${r.numFailedTests} failed in ${r.testResults.length} files`);
  } else {
    console.log(v.out.split('\n').slice(-40).join('\n'));
    failed++;
  }
  failed += reports;
  const left = (ignoredLeaks - before.leaks ? `; ${ignoredLeaks - before.leaks} leak record(s) without an addon frame (V8, Node, system tools) left out` : '') +
    (teardownDeferreds - before.deferreds ? `; ${teardownDeferreds - before.deferreds} Promise handle(s) of calls in flight when their worker_thread was terminated (Node-API cannot free them) left out` : '');
  const races = ignoredRaces - before.races ? `; ${ignoredRaces - before.races} race report(s) without an addon frame (V8 platform, Node, libuv: uninstrumented) left out` : '';
  console.log(`${name}: done in ${secs(t)}${reports ? `, ${reports} sanitizer report(s)` : ''}${left}${races}`);
}

// worker_threads instead of the usual forks for ASan: tinypool ends a fork with SIGTERM (SIGKILL
// after 1 s), so LeakSanitizer never ran in one; in threads every test file runs in this one Node
// process, which exits normally and is leak-checked once at the end. A crash ends the whole run
// (its report is in the logs).
if (want('asan-addon')) {
  addonSuite('asan-addon', { flags: ASAN_FLAGS, ldflags: '-fsanitize=address,undefined', preload: ['libasan.so', 'libubsan.so'], pool: 'threads', suites: SUITES });
}
// TSan for the async workers (compute() on libuv threads, the pool under worker_threads). Node
// itself is not instrumented: TSan sees the addon's accesses and the pthread/libuv locking, not
// V8's atomics, so reports without an addon frame are left out (counted), and a race whose other
// side is JS code (V8) cannot be seen at all.
if (want('tsan-addon')) {
  addonSuite('tsan-addon', { flags: TSAN_FLAGS, ldflags: '-fsanitize=thread', preload: ['libtsan.so'], pool: 'forks', suites: ASYNC_SUITES });
}

console.log(`sanitize: ${passed} passed, ${failed} failed (${secs(t0)})`);
process.exit(failed > 0 ? 1 : 0);

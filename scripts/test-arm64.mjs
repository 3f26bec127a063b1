#!/usr/bin/env node
// The JS suites on ARM64 for real: Debian's arm64 Node under qemu-user (scripts/arm64-node.mjs) loads
// the linux-arm64 prebuild (prebuilds/linux-arm64, cross-compiled) and runs
//   (a) the golden runner over test/fixtures/golden on every backend/ISA the ARM build has (js, native
//       neon, native scalar: `--backend all` expands native to supportedIsas()),
//   (b) vitest: the suites that matter for ARM (or the whole suite with --all),
//   (c) the benchmarks, bounded (--no-bench skips them): emulated figures, not performance. Under qemu
//       a --quick run of one bench file takes minutes (bench/run.ts 237 s, optim 292 s, linalg > 300 s),
//       so this runs bench/run.ts --quick and bench/optim.bench.ts --quick --params 1000000 within one
//       budget (GRADGUARD_ARM64_BENCH_S, default 270 s); a file still running at its share is stopped
//       there (a notice, not a failure); a crash is a failure. linalg, lstm and train have no size
//       option that fits (SGEMM 1024^3 alone is ~10 s per call emulated) and are not run.
// Ends with one line "arm64: N passed, M failed"; exits 1 on any failure. Under CI=true a missing tool,
// sysroot or prebuild is a failure; elsewhere it is a notice and the stage is skipped.
//
//   node scripts/test-arm64.mjs [--all] [--no-bench] [--sysroot DIR]
//
// With GRADGUARD_ARM64_RESULT=FILE it also writes {"passed","failed","skipped"} there (scripts/test.mjs).
//
// Every child runs in its own process group with a time limit (the whole run is bounded by
// GRADGUARD_ARM64_BUDGET_S, default 720 s); on timeout the group is killed.
//
// How the x86-64 dev tooling runs inside the emulated Node (none of it changes node_modules):
// - child processes: process.execPath is the arm64 node binary, which the host kernel cannot exec
//   (no binfmt_misc), so a preload sets it to a wrapper that runs it under qemu: vitest's forks, tsx
//   and the tests' own child Node processes are arm64 too.
// - esbuild (tsx, vite): its x86-64 service binary runs natively (ESBUILD_BINARY_PATH = a shim that
//   picks the binary matching the requested version): it only transpiles the tests' TypeScript.
// - rollup (vite, in-process): its native addon must be arm64: the lockfile's version of
//   @rollup/rollup-linux-arm64-gnu is fetched with `npm pack` (integrity checked) into .cache, on NODE_PATH.
// - Node 18 (Debian's arm64 Node) has resizable ArrayBuffers / growable SharedArrayBuffers only behind
//   --harmony-rab-gsab; the *Async buffer tests build such buffers, so every arm64 Node gets the flag.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { arm64NodeCommand, defaultSysroot, setupArm64Node } from './arm64-node.mjs';
import { ELF_MACHINE, elfMachine } from './elf.mjs';
import { vitestCounts } from './vitest-counts.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const inCI = process.env.CI === 'true' || process.env.CI === '1';
const cache = join(root, '.cache', 'arm64-tools');
const budgetMs = Number(process.env.GRADGUARD_ARM64_BUDGET_S ?? 720) * 1000;
const benchBudgetMs = Number(process.env.GRADGUARD_ARM64_BENCH_S ?? 270) * 1000;
const started = Date.now();
const left = () => budgetMs - (Date.now() - started);

/**
 * The vitest files that matter on ARM: cross-backend and cross-ISA agreement (with the property tests
 * of native-vs-js and the core clipGradNorm on every target), async, threads, golden. The whole suite
 * (--all, without test/dist) took 925 s for 44 files under qemu: it does not fit CI's time.
 */
const ARM_SUITES = [
  'test/ops/backends-agree.test.ts',
  'test/ops/isa-agree.test.ts',
  'test/backend/native-vs-js.test.ts',
  'test/grad/clip-grad-norm.test.ts',
  'test/grad/async-buffers.test.ts',
  'test/ops/async.test.ts',
  'test/ops/norm-rnn-async-buffers.test.ts',
  'test/ops/async-buffers.test.ts',
  'test/backend/worker-threads.test.ts',
  'test/golden.test.ts',
];
/** The bounded ARM bench: [file, args, share of the bench budget]. */
const BENCHES = [
  ['bench/run.ts', ['--quick'], 0.7],
  ['bench/optim.bench.ts', ['--quick', '--params', '1000000'], 1],
];
const BENCHES_NOT_RUN = 'bench/linalg.bench.ts, lstm.bench.ts, train.bench.ts (no size that fits emulation), dist.bench.ts (the MPI addon is not cross-built)';

let passed = 0;
let failed = 0;
const times = [];

function result(skipped) {
  const file = process.env.GRADGUARD_ARM64_RESULT;
  if (!file) return;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ passed, failed, skipped })}\n`);
}

function finish() {
  result(false);
  if (times.length) console.log(`arm64: stage times: ${times.map(([n, ms]) => `${n} ${(ms / 1000).toFixed(0)} s`).join(', ')}`);
  console.log(`arm64: ${passed} passed, ${failed} failed`);
  process.exit(failed > 0 ? 1 : 0);
}

/** Outside CI a missing piece skips the ARM run with a notice; under CI it is a failure. */
function unavailable(why) {
  if (!inCI) {
    console.log(`arm64: skipped: ${why}`);
    console.log('arm64: 0 passed, 0 failed');
    result(true);
    process.exit(0);
  }
  console.log(`arm64: FAIL: ${why}`);
  failed++;
  finish();
}

let running = null;
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    if (running) kill(running);
    process.exit(130);
  });
}
function kill(child) {
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

/** Runs a child in its own process group, killed with its group after timeoutMs; echoes its output. */
function run(label, cmd, argv, { timeoutMs, env = {}, capture = false }) {
  const limit = Math.max(1000, Math.min(timeoutMs, left()));
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', capture ? 'pipe' : 'inherit', 'inherit'],
      detached: true,
    });
    running = child;
    let out = '';
    child.stdout?.on('data', (d) => {
      out += d;
      process.stdout.write(d);
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      console.log(`\narm64: ${label} reached its ${(limit / 1000).toFixed(0)} s limit; stopping it`);
      kill(child);
    }, limit);
    child.on('error', (err) => console.log(`arm64: ${label}: ${err.message}`));
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      kill(child); // stragglers of the group
      running = null;
      const ms = Date.now() - t0;
      times.push([label, ms]);
      resolve({ status, signal, timedOut, out, ms });
    });
  });
}

// --- setup: sysroot, prebuild, tooling ------------------------------------------------------------
const t0 = Date.now();
let sysroot;
try {
  const r = setupArm64Node({ sysroot: defaultSysroot(args), log: (s) => console.log(s) });
  sysroot = r.sysroot;
  console.log(`arm64: Node ${r.version} under qemu (${r.fresh ? 'sysroot set up' : 'sysroot ready'} in ${(r.ms / 1000).toFixed(1)} s)`);
} catch (err) {
  unavailable(`the arm64 Node could not be set up: ${String(err.message ?? err)}`);
}

const prebuildDir = join(root, 'prebuilds', 'linux-arm64');
const prebuild = existsSync(prebuildDir) ? readdirSync(prebuildDir).find((f) => f.endsWith('.node')) : undefined;
if (!prebuild) {
  unavailable(
    'no linux-arm64 prebuild in prebuilds/linux-arm64 (build it: node scripts/prebuild.mjs --arch arm64)',
  );
}
if (elfMachine(join(prebuildDir, prebuild)) !== ELF_MACHINE.arm64) {
  unavailable(`prebuilds/linux-arm64/${prebuild} is not an AArch64 ELF object`);
}

/** The lockfile's @rollup/rollup-linux-arm64-gnu, fetched once with npm pack (integrity checked). */
function rollupArm64() {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
  const name = '@rollup/rollup-linux-arm64-gnu';
  const entry = lock.packages?.[`node_modules/${name}`];
  if (!entry) throw new Error(`${name} is not in package-lock.json`);
  const dest = join(cache, 'node_modules', name);
  const have = existsSync(join(dest, 'package.json')) && JSON.parse(readFileSync(join(dest, 'package.json'), 'utf8')).version;
  if (have === entry.version) return;
  const tmp = join(cache, 'pack');
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const p = spawnSync('npm', ['pack', `${name}@${entry.version}`, '--json', '--silent'], { cwd: tmp, encoding: 'utf8', timeout: 120_000 });
  if (p.status !== 0) throw new Error(`npm pack ${name}@${entry.version} failed: ${p.stderr || p.error?.message}`);
  const info = JSON.parse(p.stdout)[0];
  if (info.integrity !== entry.integrity) throw new Error(`${name}@${entry.version}: integrity ${info.integrity} is not the lockfile's ${entry.integrity}`);
  const x = spawnSync('tar', ['xzf', info.filename], { cwd: tmp, timeout: 60_000 });
  if (x.status !== 0) throw new Error(`cannot unpack ${info.filename}`);
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dirname(dest), { recursive: true });
  renameSync(join(tmp, 'package'), dest);
  rmSync(tmp, { recursive: true, force: true });
}

/** A shim for ESBUILD_BINARY_PATH: the x86-64 esbuild of the version the JS side asks for. */
function esbuildShim() {
  const cases = [];
  const seen = new Set();
  const visit = (dir, depth) => {
    const bin = join(dir, '@esbuild', 'linux-x64');
    if (existsSync(join(bin, 'package.json'))) {
      const v = JSON.parse(readFileSync(join(bin, 'package.json'), 'utf8')).version;
      if (!seen.has(v)) cases.push(`  --service=${v}) exec '${join(bin, 'bin', 'esbuild')}' "$@";;`);
      seen.add(v);
    }
    if (depth === 0) return;
    for (const d of readdirSync(dir, { withFileTypes: true })) {
      if (!d.isDirectory() || d.name.startsWith('.')) continue;
      const sub = d.name.startsWith('@') ? readdirSync(join(dir, d.name)).map((n) => join(dir, d.name, n)) : [join(dir, d.name)];
      for (const s of sub) if (existsSync(join(s, 'node_modules'))) visit(join(s, 'node_modules'), depth - 1);
    }
  };
  visit(join(root, 'node_modules'), 2);
  if (cases.length === 0) throw new Error('no @esbuild/linux-x64 in node_modules');
  const shim = join(cache, 'esbuild');
  const body = ['#!/bin/sh', '# made by scripts/test-arm64.mjs', 'for a in "$@"; do case "$a" in', ...cases, 'esac; done', 'echo "esbuild shim: no x86-64 esbuild for: $*" >&2', 'exit 1', ''];
  writeFileSync(shim, body.join('\n'), { mode: 0o755 });
  return shim;
}

let node;
let env;
try {
  mkdirSync(cache, { recursive: true });
  rollupArm64();
  node = join(cache, 'node');
  const preload = join(cache, 'execpath.cjs');
  writeFileSync(preload, `// made by scripts/test-arm64.mjs: child Node processes run arm64 under qemu too\nprocess.execPath = ${JSON.stringify(node)};\n`);
  const [qemu, ...qargs] = arm64NodeCommand(sysroot);
  const q = (s) => `'${s.replace(/'/g, `'\\''`)}'`;
  writeFileSync(node, `#!/bin/sh\n# made by scripts/test-arm64.mjs\nexec ${[qemu, ...qargs].map(q).join(' ')} --harmony-rab-gsab --require ${q(preload)} "$@"\n`, { mode: 0o755 });
  env = {
    ESBUILD_BINARY_PATH: esbuildShim(),
    NODE_PATH: join(cache, 'node_modules'),
    GRADGUARD_ARM64_NODE: node,
  };
} catch (err) {
  unavailable(`the arm64 test tooling could not be set up: ${String(err.message ?? err)}`);
}
times.push(['setup', Date.now() - t0]);

// --- the backend the ARM run gets: native with NEON, never a silent pure-TS fallback ------------------
const probe = await run(
  'probe',
  node,
  ['--import', 'tsx', '--input-type=module', '-e', "const g = await import('./lib/index.ts'); console.log(JSON.stringify({ ...g.backendInfo(), isas: g.supportedIsas() }));"],
  { timeoutMs: 120_000, env, capture: true },
);
let info = {};
try {
  info = JSON.parse(probe.out.trim().split('\n').pop());
} catch {
  /* reported below */
}
if (info.backend === 'native' && info.isa === 'neon' && info.isas?.includes('scalar')) {
  console.log(`arm64: backend native, isa neon, ISAs ${info.isas.join(', ')} (prebuilds/linux-arm64/${prebuild})`);
  passed++;
} else {
  console.log(`arm64: FAIL: expected backend 'native' with isa 'neon' (and 'scalar') under arm64, got ${JSON.stringify(info)}`);
  failed++;
  finish();
}

// --- (a) the golden runner -------------------------------------------------------------------------
console.log(`\narm64: golden runner, targets js, ${info.isas.map((i) => `native/${i}`).join(', ')}`);
const g = await run('golden', node, ['--import', 'tsx', 'scripts/golden.ts', 'test/fixtures/golden', '--backend', 'all'], { timeoutMs: 240_000, env, capture: true });
const gm = /(\d+) passed, (\d+) failed/.exec(g.out);
if (gm) {
  passed += Number(gm[1]);
  failed += Number(gm[2]);
}
if (!gm || (g.status !== 0 && Number(gm[2]) === 0)) failed++;

// --- (b) vitest ------------------------------------------------------------------------------------
const report = join(cache, 'vitest-results.json');
rmSync(report, { force: true });
// --all: the whole suite but test/dist (gradguard.dist's MPI addon is not cross-built; its tests would
// run x86-64 mpirun over emulated ranks).
const all = args.includes('--all');
const files = all ? ['--exclude', 'test/dist/**'] : ARM_SUITES;
console.log(`\narm64: vitest ${all ? '(the whole suite but test/dist)' : files.join(' ')}`);
const v = await run('vitest', node, ['node_modules/vitest/vitest.mjs', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...files], {
  timeoutMs: all ? budgetMs : 480_000,
  env,
});
{
  const counts = vitestCounts(report, v.status);
  passed += counts.passed;
  failed += counts.failed;
}

// --- (c) the benchmarks, --quick, bounded ----------------------------------------------------------
if (!args.includes('--no-bench')) {
  const banner = '!! ARM64 UNDER QEMU EMULATION: THESE FIGURES ARE NOT PERFORMANCE FIGURES (they only show that the benches run) !!';
  const bar = '!'.repeat(banner.length);
  console.log(`\n${bar}\n${banner}\n${bar}`);
  // bench/run.ts writes bench/results/latest.json: keep the host's figures, not emulated ones.
  const latest = join(root, 'bench', 'results', 'latest.json');
  const saved = existsSync(latest) ? readFileSync(latest) : null;
  let benchLeft = Math.min(benchBudgetMs, left());
  for (const [b, bargs, part] of BENCHES) {
    const share = benchLeft * part;
    console.log(`\narm64: ${b} ${bargs.join(' ')} (at most ${(share / 1000).toFixed(0)} s)`);
    const r = await run(b, node, ['--import', 'tsx', b, ...bargs], { timeoutMs: share, env });
    benchLeft -= r.ms;
    if (r.timedOut) console.log(`arm64: ${b}: stopped at its share of the bench budget (bounded ARM run; not a failure)`);
    else if (r.status !== 0) {
      console.log(`arm64: FAIL: ${b} ${bargs.join(' ')} exited ${r.status ?? r.signal}`);
      failed++;
    }
  }
  console.log(`arm64: not run under emulation: ${BENCHES_NOT_RUN}`);
  if (saved) writeFileSync(latest, saved);
  else rmSync(latest, { force: true });
  console.log(`\n${banner}`);
}
finish();

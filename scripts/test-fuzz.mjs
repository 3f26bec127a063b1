#!/usr/bin/env node
// `npm run test:fuzz`: the libFuzzer targets in native/fuzz/*.cpp, built with clang
// (-fsanitize=fuzzer,address,undefined) against the kernel sources of scripts/sources.mjs (each ISA
// group with its own flags from the ISA list, as binding.gyp builds them), each run for a bounded time from the seed
// corpus in native/fuzz/corpus/<target>/ (new inputs go to build-fuzz/corpus/, never into the
// repo), then the JS-level fuzz (fast-check: the checkpoint parser, test/nn/checkpoint-fuzz.test.ts, and
// every public function's arguments, test/validate/api-fuzz.test.ts) with more
// runs than npm test gives it. Prints executions per target and "fuzz: N passed, M failed"; exits 1
// on any finding (the input that found it is saved as build-fuzz/artifacts/<target>-crash-*).
// Usage: node scripts/test-fuzz.mjs [--seconds S] [--only fuzz_gemm[,...]] [--no-js] [--rebuild]
//   --rebuild: recompile every kernel object (by default only sources newer than their object).
//   --seconds (or GG_FUZZ_SECONDS): per target, default 60.
//   GG_FUZZ_JS_RUNS: fast-check runs of the checkpoint fuzz, default 3000. (Not GRADGUARD_*: lib/env.ts
//   refuses GRADGUARD_ names it does not know.)
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtFor, isaList, sourceGroups } from './sources.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'build-fuzz');
const args = process.argv.slice(2);
const opt = (name) => (args.indexOf(name) >= 0 ? args[args.indexOf(name) + 1] : undefined);
const seconds = Number(opt('--seconds') ?? process.env.GG_FUZZ_SECONDS ?? 60);
const only = opt('--only')?.split(',');
const jsRuns = Number(process.env.GG_FUZZ_JS_RUNS ?? 3000);
let passed = 0;
let failed = 0;
const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(0)} s`;

const CXX = process.env.GG_FUZZ_CXX ?? 'clang++';
if (spawnSync(CXX, ['--version']).status !== 0) {
  console.log(`fuzz: ${CXX} not found (Debian: apt-get install clang); the native targets are skipped`);
  if (process.env.CI === 'true') failed++;
}
const SAN = ['-fsanitize=address,undefined', '-fno-sanitize-recover=undefined', '-fno-omit-frame-pointer'];
const BASE = ['-std=c++17', '-O1', '-g', '-Inative', ...SAN];

function runAll(jobs, parallel) {
  // Runs compile commands `parallel` at a time; resolves to the failed ones.
  return new Promise((resolve) => {
    const bad = [];
    let next = 0;
    let running = 0;
    const start = () => {
      if (next >= jobs.length && running === 0) return resolve(bad);
      while (running < parallel && next < jobs.length) {
        const job = jobs[next++];
        running++;
        const p = spawn(job[0], job.slice(1), { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
        p.on('close', (code) => {
          running--;
          if (code !== 0) bad.push(job);
          start();
        });
      }
    };
    start();
  });
}

const newer = (src, obj) => existsSync(obj) && statSync(obj).mtimeMs > statSync(src).mtimeMs;

async function build() {
  const groups = sourceGroups();
  // Each ISA group with its flags, for this machine's architecture, from the one ISA list.
  const isas = isaList().filter((r) => builtFor(r.arch, process.arch));
  const flags = Object.fromEntries([['base', []], ...isas.map((r) => [r.name, r.flags])]);
  const use = ['base', ...isas.map((r) => r.name)];
  mkdirSync(join(out, 'obj'), { recursive: true });
  const objs = [];
  const jobs = [];
  for (const g of use) {
    for (const src of groups[g]) {
      const obj = join(out, 'obj', src.replace(/[/\\]/g, '_').replace(/\.cc$/, '.o'));
      objs.push(obj);
      // Rebuilt when the source is newer; a header change needs --rebuild (CI builds from clean).
      if (!args.includes('--rebuild') && newer(join(root, src), obj)) continue;
      jobs.push([CXX, ...BASE, '-fsanitize=fuzzer-no-link', ...flags[g], '-c', src, '-o', obj]);
    }
  }
  const parallel = Math.max(1, Math.min(availableParallelism(), 4));
  if ((await runAll(jobs, parallel)).length > 0) return null;
  const targets = readdirSync(join(root, 'native', 'fuzz')).filter((f) => /^fuzz_\w+\.cpp$/.test(f)).map((f) => basename(f, '.cpp'));
  const link = targets
    .filter((t) => !only || only.includes(t))
    .map((t) => [CXX, ...BASE, '-fsanitize=fuzzer', `native/fuzz/${t}.cpp`, ...objs, '-lpthread', '-o', join(out, t)]);
  const bad = await runAll(link, parallel);
  return targets.filter((t) => (!only || only.includes(t)) && !bad.some((j) => j.includes(join(out, t))));
}

function fuzz(target) {
  const seeds = join(root, 'native', 'fuzz', 'corpus', target);
  const work = join(out, 'corpus', target);
  const artifacts = join(out, 'artifacts');
  mkdirSync(work, { recursive: true });
  mkdirSync(artifacts, { recursive: true });
  const env = { ...process.env, ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0', UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1' };
  const r = spawnSync(
    join(out, target),
    [work, ...(existsSync(seeds) ? [seeds] : []), `-max_total_time=${seconds}`, '-timeout=20', '-rss_limit_mb=2048', '-max_len=8192',
      '-print_final_stats=1', `-artifact_prefix=${artifacts}/${target}-`],
    { cwd: root, encoding: 'utf8', env, maxBuffer: 256 << 20 },
  );
  const log = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  const execs = /stat::number_of_executed_units:\s*(\d+)/.exec(log)?.[1] ?? '?';
  const cov = [...log.matchAll(/cov: (\d+) ft: (\d+)/g)].pop();
  if (r.status === 0) {
    passed++;
    console.log(`fuzz/${target}: ok, ${execs} executions in ${seconds} s${cov ? ` (cov ${cov[1]}, ft ${cov[2]})` : ''}`);
  } else {
    failed++;
    // The finding: the sanitizer or mismatch report and where libFuzzer saved the input.
    const lines = log.split('\n');
    const at = lines.findIndex((l) => /^(==\d+==ERROR|fuzz mismatch|.*runtime error|==\d+== ERROR)/.test(l));
    console.log(lines.slice(Math.max(0, at), at + 40).join('\n'));
    console.log(lines.filter((l) => /Test unit written to|artifact_prefix/.test(l)).join('\n'));
    console.log(`fuzz/${target}: FAILED (exit ${r.status}) after ${execs} executions`);
  }
}

if (spawnSync(CXX, ['--version']).status === 0) {
  console.log(`fuzz: building the targets with ${CXX} (${elapsed()})`);
  const targets = await build();
  if (!targets) {
    console.log('fuzz: build failed');
    failed++;
  } else {
    console.log(`fuzz: built ${targets.join(', ')} (${elapsed()}); ${seconds} s each`);
    for (const t of targets) fuzz(t);
  }
}

if (!args.includes('--no-js')) {
  // The JS-level fast-check suites, with more runs than npm test gives them.
  for (const [label, file] of [['checkpoint', 'test/nn/checkpoint-fuzz.test.ts'], ['api', 'test/validate/api-fuzz.test.ts']]) {
    const v = spawnSync(join(root, 'node_modules', '.bin', 'vitest'), ['run', file], {
      cwd: root, encoding: 'utf8', env: { ...process.env, GG_FUZZ_JS_RUNS: String(jsRuns) },
    });
    const ok = v.status === 0;
    if (ok) passed++;
    else failed++;
    if (!ok) process.stdout.write(v.stdout + v.stderr);
    console.log(`fuzz/${label} (fast-check, JS): ${ok ? 'ok' : 'FAILED'}, ${jsRuns} runs per property (${elapsed()})`);
  }
}

console.log(`fuzz: ${passed} passed, ${failed} failed (${elapsed()})`);
process.exit(failed > 0 ? 1 : 0);

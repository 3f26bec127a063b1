#!/usr/bin/env node
// npm's install step for gradguard. It never fails the install: the library always works, at worst on
// its pure-TypeScript backend (which says so once on stderr when loaded).
//   1. A native binary that already loads here (the prebuild for this platform, or an earlier build)
//      is used as it is: nothing is built. It is tried in a child process, so a binary that crashes
//      on load cannot take the install down.
//   2. Otherwise the addon is built from source with node-gyp against this Node's own headers
//      (nothing is downloaded), when a C++ compiler, make and Python are on PATH.
//   3. Otherwise, or if that build fails, a notice says why and the pure-TS backend is used.
// GRADGUARD_SKIP_BUILD=1 skips step 2. The optional MPI addon (gradguard.dist) is then tried.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { localNodeDir } from './node-headers.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const say = (line) => console.log(`gradguard: ${line}`);
const warn = (line) => console.warn(`gradguard: ${line}`);

/** `{ ok, info }` when the package's loader gets the native backend, else `{ ok: false, why }`. */
function probeNative() {
  const entry = join(root, 'dist', 'index.cjs');
  if (!existsSync(entry)) return { ok: false, why: 'the package is not built yet (no dist/)' };
  // GRADGUARD_BACKEND=native makes the loader throw its reason instead of falling back.
  const code = `try { const i = require(${JSON.stringify(entry)}).backendInfo(); console.log(JSON.stringify({ ok: true, info: i.binary + ' (isa ' + i.isa + ')' })); }
    catch (e) { console.log(JSON.stringify({ ok: false, why: String(e && e.message).replace(/^.*did not load: /, '') })); }`;
  const env = { ...process.env, GRADGUARD_BACKEND: 'native', GRADGUARD_QUIET: '1' };
  const r = spawnSync(process.execPath, ['-e', code], { cwd: root, env, encoding: 'utf8', timeout: 60_000 });
  if (r.signal) return { ok: false, why: `loading it killed the probe (${r.signal})` };
  try {
    return JSON.parse(r.stdout.trim().split('\n').at(-1));
  } catch {
    return { ok: false, why: (r.stderr.trim().split('\n')[0] || `the probe exited ${r.status}`) };
  }
}

function onPath(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** Why a build from source cannot run here, or null when it can. */
function buildBlocker() {
  const cxx = process.env.CXX || (onPath('c++') ? 'c++' : 'g++');
  if (!onPath(cxx)) return 'no C++ compiler on PATH (install g++ or clang, make and python3, then `npm rebuild gradguard`)';
  if (!onPath('make')) return 'no make on PATH';
  if (!onPath('python3') && !onPath('python')) return 'no Python on PATH (node-gyp needs it)';
  if (!localNodeDir()) return 'this Node has no C headers (include/node/node_api.h); install your distribution\'s Node development package';
  return null;
}

function nodeGyp() {
  if (process.env.npm_config_node_gyp && existsSync(process.env.npm_config_node_gyp)) return process.env.npm_config_node_gyp;
  try {
    return createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
  } catch {
    return null;
  }
}

function buildFromSource() {
  const blocker = buildBlocker();
  if (blocker) return blocker;
  const gyp = nodeGyp();
  if (!gyp) return 'node-gyp not found (npm normally provides it)';
  say('building the native addon from source (about a minute)');
  const r = spawnSync(process.execPath, [gyp, 'rebuild', `--nodedir=${localNodeDir()}`], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    rmSync(join(root, 'build'), { recursive: true, force: true });
    return `the build from source failed (node-gyp exit ${r.status ?? r.signal})`;
  }
  return null;
}

function main() {
  const first = probeNative();
  if (first.ok) {
    say(`using the native addon ${first.info}`);
    return;
  }
  if (process.env.GRADGUARD_SKIP_BUILD === '1') {
    say(`no native binary loads (${first.why}) and GRADGUARD_SKIP_BUILD=1: the pure-TypeScript backend will be used`);
    return;
  }
  if (existsSync(join(root, 'dist'))) say(`no native binary loads here (${first.why})`);
  const failed = buildFromSource();
  const after = failed ? null : probeNative();
  if (after?.ok) say(`built from source: ${after.info}`);
  else if (!existsSync(join(root, 'dist')) && !failed) say('built the native addon from source');
  else warn(`${failed ?? after.why}; the pure-TypeScript backend will be used (slower; same results)`);
}

main();
// The optional MPI addon (gradguard.dist) when an MPI is installed; without one this is a notice.
spawnSync(process.execPath, [join(root, 'scripts', 'build-mpi.mjs'), '--optional'], { cwd: root, stdio: 'inherit' });

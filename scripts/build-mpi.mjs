#!/usr/bin/env node
// Builds the optional MPI addon (gradguard.dist) into build-mpi/Release/gradguard_mpi.node, apart
// from the main addon, which never links MPI. Finds MPI with `mpicc --showme:compile/--showme:link`
// (Open MPI) or pkg-config (ompi, mpich, mpi), compiles native/mpi (the "mpi" group of
// scripts/sources.mjs) with the C++ compiler against node-addon-api and Node's headers, and writes
// build-mpi/status.json saying what was found or why nothing was built (dist.available() reads it).
// Usage: node scripts/build-mpi.mjs [--optional]   (--optional: no MPI is a notice, exit 0)
// Output lives outside build/ because `node-gyp rebuild` deletes build/.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { localNodeDir } from './node-headers.mjs';
import { sourceGroups } from './sources.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const optional = process.argv.includes('--optional');
const outDir = join(root, 'build-mpi', 'Release');
const statusFile = join(root, 'build-mpi', 'status.json');
const out = join(outDir, 'gradguard_mpi.node');

const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.error || r.status !== 0 ? null : r.stdout.trim();
};
const words = (s) => s.split(/\s+/).filter(Boolean);

/** MPI compile and link flags, or null with the reason in `why`. */
function findMpi(why) {
  const mpicc = process.env.MPICC || 'mpicc';
  const compile = run(mpicc, ['--showme:compile']);
  const link = run(mpicc, ['--showme:link']);
  if (compile !== null && link !== null) return { how: `${mpicc} --showme`, cflags: words(compile), libs: words(link) };
  why.push(`${mpicc} --showme failed or is not on PATH`);
  for (const pkg of ['ompi', 'mpich', 'mpi']) {
    const cflags = run('pkg-config', ['--cflags', pkg]);
    const libs = run('pkg-config', ['--libs', pkg]);
    if (cflags !== null && libs !== null) return { how: `pkg-config ${pkg}`, cflags: words(cflags), libs: words(libs) };
  }
  why.push('pkg-config knows no ompi, mpich or mpi');
  return null;
}

function finish(status, code) {
  mkdirSync(dirname(statusFile), { recursive: true });
  writeFileSync(statusFile, JSON.stringify(status, null, 2) + '\n');
  const line = status.built ? `gradguard: MPI addon built (${status.mpi})` : `gradguard: MPI addon not built: ${status.reason}`;
  (status.built ? console.log : console.warn)(line);
  process.exit(code);
}

function fail(reason) {
  // An addon from an earlier build would still load (built against another MPI, or older sources)
  // while status.json says built: false; what is on disk must match the status.
  rmSync(out, { force: true });
  finish({ built: false, reason }, optional ? 0 : 1);
}

const why = [];
const mpi = findMpi(why);
if (!mpi) fail(`no MPI found (${why.join('; ')}); install one (Debian: apt-get install openmpi-bin libopenmpi-dev) and run npm run build:mpi`);
const nodeDir = localNodeDir();
const headers = nodeDir && join(nodeDir, 'include', 'node');
if (!headers) fail('Node headers (node_api.h) not found; set npm_config_nodedir to a Node source or headers folder');
const require = createRequire(import.meta.url);
const napiDir = dirname(require.resolve('node-addon-api/package.json'));

const cxx = process.env.CXX || 'g++';
const sources = sourceGroups().mpi;
const objDir = join(root, 'build-mpi', 'obj');
mkdirSync(objDir, { recursive: true });
mkdirSync(outDir, { recursive: true });
const cflags = [
  '-std=c++17', '-O3', '-fPIC', '-fvisibility=hidden', '-fexceptions', '-pthread', '-Wall', '-Wextra',
  // The C API only: MPI's deprecated C++ bindings add warnings and a libmpi_cxx dependency.
  '-DOMPI_SKIP_MPICXX=1', '-DMPICH_SKIP_MPICXX=1',
  '-DNAPI_VERSION=8', '-DNAPI_CPP_EXCEPTIONS', '-DNODE_ADDON_API_CPP_EXCEPTIONS_ALL', '-DNODE_ADDON_API_DISABLE_DEPRECATED', '-DNODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS',
  `-I${join(root, 'native')}`, `-I${napiDir}`, `-I${headers}`, ...mpi.cflags,
];

const compileOne = (src) =>
  new Promise((resolve) => {
    const obj = join(objDir, src.replace(/[/\\]/g, '_').replace(/\.cc$/, '.o'));
    const p = spawn(cxx, [...cflags, '-c', join(root, src), '-o', obj], { stdio: ['ignore', 'inherit', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    p.on('error', (e) => resolve({ src, obj, ok: false, err: String(e) }));
    p.on('close', (code) => {
      if (err) process.stderr.write(err);
      resolve({ src, obj, ok: code === 0, err });
    });
  });

const objs = await Promise.all(sources.map(compileOne));
const bad = objs.find((o) => !o.ok);
if (bad) fail(`compiling ${bad.src} failed (${cxx}): ${bad.err.split('\n').find((l) => l.includes('error')) ?? bad.err.slice(0, 200)}`);

// Node resolves the napi_* symbols at load time (macOS needs that said explicitly); an rpath to
// MPI's library folder lets the addon find libmpi without LD_LIBRARY_PATH.
const libDirs = mpi.libs.filter((f) => f.startsWith('-L')).map((f) => f.slice(2));
const linkFlags = [
  '-shared', '-pthread', ...mpi.libs, ...libDirs.map((d) => `-Wl,-rpath,${d}`),
  ...(process.platform === 'darwin' ? ['-undefined', 'dynamic_lookup'] : ['-ldl']),
];
const l = spawnSync(cxx, [...objs.map((o) => o.obj), '-o', out, ...linkFlags], { encoding: 'utf8' });
if (l.error || l.status !== 0) fail(`linking failed (${cxx}): ${(l.stderr || String(l.error)).slice(0, 300)}`);
finish({ built: true, mpi: mpi.how, cflags: mpi.cflags, libs: mpi.libs, file: 'build-mpi/Release/gradguard_mpi.node' }, 0);

#!/usr/bin/env node
// Debian's arm64 Node.js, run under qemu-user on an x86-64 machine, without touching the machine's own
// Node. Sets up (idempotently) a sysroot holding the arm64 `nodejs` and `libnode108` with the arm64
// shared libraries they need and the architecture-independent node-* modules behind Debian's external
// builtins (acorn, cjs-module-lexer, undici), each fetched with `apt-get download` and unpacked with
// `dpkg-deb -x`; installs qemu-user if missing. The arm64 Node is then
//   qemu-aarch64 -L SYSROOT SYSROOT/usr/bin/node ...
// No binfmt_misc registration is needed: scripts call qemu explicitly (scripts/test-arm64.mjs builds on
// arm64NodeCommand()).
//
//   node scripts/arm64-node.mjs [--sysroot DIR]     (or GRADGUARD_ARM64_SYSROOT=DIR; default .cache/arm64-sysroot)
//
// Needs root (apt-get, dpkg --add-architecture) the first time only; a second run checks the marker
// file, runs `process.arch` under qemu and exits. Delete the sysroot to fetch it again.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const MARKER = '.gradguard-sysroot.json';
/** What the sysroot is built from: the arm64 Node and, through Depends, everything it loads. */
const ROOTS = ['nodejs:arm64'];
const APT_TIMEOUT = 5 * 60_000; // each apt-get call

/** The sysroot: --sysroot DIR, else GRADGUARD_ARM64_SYSROOT, else .cache/arm64-sysroot in the repo. */
export function defaultSysroot(argv = process.argv.slice(2)) {
  const at = argv.indexOf('--sysroot');
  if (at >= 0 && argv[at + 1]) return resolve(argv[at + 1]);
  if (process.env.GRADGUARD_ARM64_SYSROOT) return resolve(process.env.GRADGUARD_ARM64_SYSROOT);
  return join(root, '.cache', 'arm64-sysroot');
}

/** The command prefix that runs arm64 Node: [qemu-aarch64, -L, SYSROOT, SYSROOT/usr/bin/node]. */
export function arm64NodeCommand(sysroot = defaultSysroot()) {
  return [which('qemu-aarch64') ?? 'qemu-aarch64', '-L', sysroot, join(sysroot, 'usr', 'bin', 'node')];
}

function which(cmd) {
  for (const d of (process.env.PATH ?? '').split(':')) {
    if (d && existsSync(join(d, cmd))) return join(d, cmd);
  }
  return null;
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: APT_TIMEOUT, ...opts });
  if (r.error || r.status !== 0) {
    const why = r.error ? r.error.message : `exit ${r.status}${r.signal ? ` (${r.signal})` : ''}`;
    throw new Error(`arm64-node: \`${cmd} ${args.join(' ')}\` failed: ${why}\n${(r.stderr ?? '').trim()}`);
  }
  return r.stdout;
}

const APT = ['-o', 'DPkg::Lock::Timeout=300', '-o', 'APT::Get::Assume-Yes=true'];
const aptEnv = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };

function aptKnows(pkg) {
  return spawnSync('apt-cache', ['show', pkg], { encoding: 'utf8', timeout: 60_000 }).status === 0;
}

/**
 * The packages to unpack: a walk of Depends/Pre-Depends (first alternative; a virtual package's first
 * provider) from ROOTS, keeping every arm64 package and the architecture-independent node-* modules.
 * What an arch-all node-* module names beyond those (the host's own `nodejs`, say) is not followed:
 * the host's packages are not part of the sysroot.
 */
export function resolvePackages() {
  const keep = (p) => p.endsWith(':arm64') || /^node-/.test(p);
  const seen = new Set(ROOTS);
  let frontier = [...ROOTS];
  while (frontier.length > 0) {
    const out = run('apt-cache', ['depends', '--important', ...frontier], { timeout: 60_000 });
    const next = [];
    let skipAlternatives = false;
    const lines = out.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const m = /^ ([ |])(?:Pre)?Depends: (.+)$/.exec(lines[i]);
      if (!m) continue;
      const alternative = skipAlternatives;
      skipAlternatives = m[1] === '|'; // the next line is an alternative to this one
      if (alternative) continue;
      let name = m[2].trim();
      if (name.startsWith('<')) {
        // A virtual package: its providers follow, indented by four spaces; take the first that fits.
        const providers = [];
        while (lines[i + 1]?.startsWith('    ')) providers.push(lines[++i].trim());
        name = providers.find((p) => p.endsWith(':arm64') || !providers.includes(`${p}:arm64`)) ?? '';
      }
      if (name && keep(name) && !seen.has(name)) {
        seen.add(name);
        next.push(name);
      }
    }
    frontier = next;
  }
  return [...seen].sort();
}

function ensureQemu(log) {
  if (which('qemu-aarch64')) return;
  log('arm64-node: installing qemu-user');
  if (!aptKnows('qemu-user')) run('apt-get', ['update', '-qq'], { env: aptEnv });
  run('apt-get', ['install', '-qq', '--no-install-recommends', ...APT, 'qemu-user'], { env: aptEnv });
  if (!which('qemu-aarch64')) throw new Error('arm64-node: qemu-user is installed but qemu-aarch64 is not on PATH');
}

function ensureArm64Lists(log) {
  const foreign = run('dpkg', ['--print-foreign-architectures']).split(/\s+/);
  let update = false;
  if (!foreign.includes('arm64')) {
    log('arm64-node: dpkg --add-architecture arm64');
    run('dpkg', ['--add-architecture', 'arm64']);
    update = true;
  }
  if (update || !aptKnows('nodejs:arm64')) {
    log('arm64-node: apt-get update');
    run('apt-get', ['update', '-qq'], { env: aptEnv });
  }
  if (!aptKnows('nodejs:arm64')) throw new Error('arm64-node: apt knows no nodejs:arm64 after apt-get update');
}

/** Runs `process.arch` and the version under the arm64 Node; returns e.g. "arm64 v18.20.4". */
export function probeArm64Node(sysroot = defaultSysroot()) {
  const [qemu, ...args] = arm64NodeCommand(sysroot);
  const out = run(qemu, [...args, '-e', 'process.stdout.write(process.arch + " " + process.version)'], { timeout: 120_000 });
  if (!out.startsWith('arm64 ')) throw new Error(`arm64-node: expected process.arch 'arm64', got "${out}"`);
  return out;
}

function readMarker(sysroot) {
  try {
    return JSON.parse(readFileSync(join(sysroot, MARKER), 'utf8'));
  } catch {
    return null;
  }
}

/**
 * Sets the sysroot up unless it is already there (marker file present, same roots), then checks that
 * the Node in it reports process.arch 'arm64'. Returns { sysroot, command, version, fresh, ms }.
 */
export function setupArm64Node({ sysroot = defaultSysroot(), log = (s) => console.log(s) } = {}) {
  const t0 = performance.now();
  const marker = readMarker(sysroot);
  const ready = marker && JSON.stringify(marker.roots) === JSON.stringify(ROOTS) && existsSync(join(sysroot, 'usr', 'bin', 'node'));
  ensureQemu(log);
  if (!ready) {
    if (process.getuid?.() !== 0) log('arm64-node: not root: apt-get and dpkg --add-architecture may fail');
    ensureArm64Lists(log);
    const packages = resolvePackages();
    log(`arm64-node: ${packages.length} packages: ${packages.join(' ')}`);
    const staging = `${sysroot}.partial`;
    const debs = join(staging, '.debs');
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(debs, { recursive: true });
    chmodSync(staging, 0o755);
    chmodSync(debs, 0o777); // apt-get download drops to the _apt user when it can
    run('apt-get', ['download', '-qq', ...APT, ...packages], { cwd: debs, env: aptEnv });
    const files = readdirSync(debs).filter((f) => f.endsWith('.deb'));
    if (files.length !== packages.length) throw new Error(`arm64-node: downloaded ${files.length} .debs for ${packages.length} packages`);
    const versions = {};
    for (const f of files) {
      run('dpkg-deb', ['-x', join(debs, f), staging]);
      const [name, version, arch] = f.replace(/\.deb$/, '').split('_');
      versions[`${name}:${arch}`] = decodeURIComponent(version);
    }
    rmSync(debs, { recursive: true, force: true });
    writeFileSync(join(staging, MARKER), `${JSON.stringify({ roots: ROOTS, packages: versions }, null, 2)}\n`);
    rmSync(sysroot, { recursive: true, force: true });
    mkdirSync(dirname(sysroot), { recursive: true });
    renameSync(staging, sysroot);
  }
  const version = probeArm64Node(sysroot);
  return { sysroot, command: arm64NodeCommand(sysroot), version, fresh: !ready, ms: performance.now() - t0 };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const r = setupArm64Node();
    console.log(`arm64-node: ${r.version} (${r.fresh ? 'set up' : 'already set up'} in ${(r.ms / 1000).toFixed(1)} s)`);
    console.log(`arm64-node: run arm64 Node with:\n  ${r.command.join(' ')}`);
  } catch (err) {
    console.error(String(err.message ?? err));
    process.exit(1);
  }
}

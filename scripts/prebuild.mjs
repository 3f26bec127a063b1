#!/usr/bin/env node
// `npm run prebuild` (and `prepack`): N-API prebuilds with prebuildify, for linux-x64 and
// linux-arm64 (the one that is not the host's cross-compiled with Debian's cross g++), each into
// prebuilds/linux-<arch>/gradguard.glibc.node, stripped with that architecture's strip. Each is built in
// a staging copy of the sources so the development build in build/ (and its devtools addon) stays.
// A built binary is checked: the host's by loading it in a child Node, the other by its ELF header;
// its SHA-256 goes beside it (<file>.sha256), which the loader checks before opening it.
// Usage: node scripts/prebuild.mjs [--arch x64|arm64] (default: both)
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ELF_MACHINE, elfMachine } from './elf.mjs';
import { localNodeDir } from './node-headers.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Per target architecture: the GNU triplet of its cross tools and its ELF machine number.
const TARGETS = {
  x64: { triplet: 'x86_64-linux-gnu', elfMachine: ELF_MACHINE.x64 },
  arm64: { triplet: 'aarch64-linux-gnu', elfMachine: ELF_MACHINE.arm64 },
};

function fail(message) {
  console.error(`prebuild: ${message}`);
  process.exit(1);
}

function onPath(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).status === 0;
}

function build(arch) {
  const target = TARGETS[arch];
  const cross = arch !== process.arch;
  const env = { ...process.env };
  delete env.GRADGUARD_DEVTOOLS; // the shipped addon only
  const nodedir = localNodeDir();
  if (!nodedir) fail('no local Node headers (include/node/node_api.h); install nodejs-dev or use an official Node build');
  env.npm_config_nodedir = nodedir;
  if (cross) {
    for (const tool of ['gcc', 'g++', 'strip']) {
      if (!onPath(`${target.triplet}-${tool}`)) fail(`${target.triplet}-${tool} is missing (Debian: apt-get install g++-${target.triplet.replace(/_/g, '-')})`);
    }
    env.CC = `${target.triplet}-gcc`;
    env.CXX = `${target.triplet}-g++`;
    env.LINK = `${target.triplet}-g++`;
    env.PREBUILD_STRIP_BIN = `${target.triplet}-strip`;
  }
  const stage = mkdtempSync(join(tmpdir(), `gradguard-prebuild-${arch}-`));
  try {
    for (const item of ['package.json', 'binding.gyp', 'native', 'scripts']) cpSync(join(root, item), join(stage, item), { recursive: true });
    symlinkSync(join(root, 'node_modules'), join(stage, 'node_modules'), 'dir');
    const prebuildify = join(root, 'node_modules', 'prebuildify', 'bin.js');
    const t0 = Date.now();
    const r = spawnSync(process.execPath, [prebuildify, '--napi', '--strip', '--tag-libc', '--arch', arch, '--out', root, '--cwd', stage, '--quiet'], { env, stdio: 'inherit' });
    if (r.status !== 0) fail(`prebuildify for ${arch} failed (exit ${r.status})`);
    const out = join(root, 'prebuilds', `linux-${arch}`, 'gradguard.glibc.node');
    if (!existsSync(out)) fail(`prebuildify wrote no ${out}`);
    if (elfMachine(out) !== target.elfMachine) fail(`${out} is not an ${arch} binary (ELF machine ${elfMachine(out)})`);
    // The loader checks it before opening the file (lib/addon-loader.ts): a damaged prebuild is skipped, not loaded.
    writeFileSync(`${out}.sha256`, `${createHash('sha256').update(readFileSync(out)).digest('hex')}  gradguard.glibc.node\n`);
    if (!cross) {
      const check = spawnSync(process.execPath, ['-e', `const a = require(${JSON.stringify(out)}); if (a.gradNorm([new Float32Array([3, 4])], null, 2) !== 5) process.exit(1); console.log(a.activeIsa())`], { encoding: 'utf8' });
      if (check.status !== 0) fail(`${out} does not load or compute here: ${check.stderr}`);
      console.log(`prebuild: linux-${arch} built in ${((Date.now() - t0) / 1000).toFixed(0)} s, loads here (isa ${check.stdout.trim()})`);
    } else {
      console.log(`prebuild: linux-${arch} cross-built in ${((Date.now() - t0) / 1000).toFixed(0)} s (ELF machine ${target.elfMachine})`);
    }
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

if (process.platform !== 'linux') fail('prebuilds are made on Linux (linux-x64 and linux-arm64)');
const at = process.argv.indexOf('--arch');
const arches = at >= 0 ? [process.argv[at + 1]] : Object.keys(TARGETS);
for (const arch of arches) {
  if (!(arch in TARGETS)) fail(`unknown --arch "${arch}"; expected one of ${Object.keys(TARGETS).join(', ')}`);
  build(arch);
}

// What `npm pack` puts in the tarball, and the tarball itself, for the package tests. Packing skips
// the prepack script (it rebuilds the prebuilds, minutes): the tests check the prebuilds that
// `npm run build:prebuilds` made are present and newer than every native source instead.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const root = join(__dirname, '..', '..');
export const PREBUILD_ARCHES = ['x64', 'arm64'] as const;
export const prebuildPath = (arch: string) => join('prebuilds', `linux-${arch}`, 'gradguard.glibc.node');
/** npm's own CLI script beside this Node (run with process.execPath; no npm on PATH needed). */
export const npmCli = join(process.execPath, '..', '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');

/** Runs npm with this Node; returns its stdout, or stdout and stderr together with `all`. Throws on a non-zero exit. */
export function npm(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; timeout?: number; all?: boolean }): string {
  const r = spawnSync(process.execPath, [npmCli, ...args], { cwd: opts.cwd, env: opts.env ?? process.env, encoding: 'utf8', timeout: opts.timeout ?? 300_000 });
  if (r.status !== 0) throw new Error(`npm ${args.join(' ')} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  return opts.all ? `${r.stdout}\n${r.stderr}` : r.stdout;
}

/** The tarball's file list, from `npm pack --dry-run --json`. */
export function packedFiles(): string[] {
  const out = JSON.parse(npm(['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root })) as { files: { path: string }[] }[];
  return out[0].files.map((f) => f.path).sort();
}

/** Packs the package into `dir`; returns the tarball's path. */
export function packInto(dir: string): string {
  const out = JSON.parse(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: root })) as { filename: string }[];
  return join(dir, out[0].filename);
}

function newestUnder(dir: string): { file: string; mtime: number } {
  let best = { file: '', mtime: 0 };
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    const st = statSync(full);
    const cand = st.isDirectory() ? newestUnder(full) : { file: full, mtime: st.mtimeMs };
    if (cand.mtime > best.mtime) best = cand;
  }
  return best;
}

/** Why the prebuilds cannot be packed (missing, or older than a native source), or null. */
export function prebuildsProblem(): string | null {
  const newest = ['native/core', 'native/kernels', 'native/addon', 'binding.gyp'].map((p) => {
    const full = join(root, p);
    return statSync(full).isDirectory() ? newestUnder(full) : { file: full, mtime: statSync(full).mtimeMs };
  }).reduce((a, b) => (a.mtime >= b.mtime ? a : b));
  for (const arch of PREBUILD_ARCHES) {
    const file = join(root, prebuildPath(arch));
    let mtime: number;
    try {
      mtime = statSync(file).mtimeMs;
    } catch {
      return `${prebuildPath(arch)} is missing: run \`npm run build:prebuilds\``;
    }
    if (mtime < newest.mtime) return `${prebuildPath(arch)} is older than ${newest.file}: run \`npm run build:prebuilds\``;
  }
  return null;
}

// What `npm pack` puts in the tarball, and the tarball itself, for the package tests. Packing skips
// the prepack script (it rebuilds the prebuilds, minutes): the tests check the prebuilds that
// `npm run build:prebuilds` made are present and newer than every native source instead.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const root = join(__dirname, '..', '..');
export const PREBUILD_ARCHES = ['x64', 'arm64'] as const;
export const prebuildPath = (arch: string) => join('prebuilds', `linux-${arch}`, 'gradguard.glibc.node');
/** npm's own CLI script beside this Node (run with process.execPath; no npm on PATH needed). */
export const npmCli = join(process.execPath, '..', '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');

interface NpmOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  timeout?: number;
  all?: boolean;
}

/** npm's stdout (with `all`, stdout and stderr together), or the error for a non-zero exit. */
function npmOutput(args: string[], opts: NpmOptions, status: number | null, signal: string | null, stdout: string, stderr: string): string {
  if (status !== 0) throw new Error(`npm ${args.join(' ')} failed (${status ?? signal}):\n${stdout}\n${stderr}`);
  return opts.all ? `${stdout}\n${stderr}` : stdout;
}

/** Runs npm with this Node; returns its stdout, or stdout and stderr together with `all`. Throws on a non-zero exit. */
export function npm(args: string[], opts: NpmOptions): string {
  const r = spawnSync(process.execPath, [npmCli, ...args], { cwd: opts.cwd, env: opts.env ?? process.env, encoding: 'utf8', timeout: opts.timeout ?? 300_000 });
  return npmOutput(args, opts, r.status, r.signal, r.stdout, r.stderr);
}

/**
 * npm as above, without blocking this thread while it runs: for the long calls (an install, a build
 * from source: about a minute). A vitest worker blocked that long cannot answer vitest's own RPC,
 * whose 60 s timeout then fails the run ("Timeout calling onTaskUpdate") though every test passed.
 */
export function npmAsync(args: string[], opts: NpmOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [npmCli, ...args], { cwd: opts.cwd, env: opts.env ?? process.env, timeout: opts.timeout ?? 300_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status, signal) => {
      try {
        resolve(npmOutput(args, opts, status, signal, stdout, stderr));
      } catch (err) {
        reject(err);
      }
    });
  });
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

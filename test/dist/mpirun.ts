// Launches a test script under mpirun (time-bounded) for the vitest files of test/dist.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export const root = join(__dirname, '..', '..');

export interface Run {
  status: number | null;
  /** True when the time limit killed mpirun: the job hung. */
  timedOut: boolean;
  out: string;
}

// As root (CI containers) Open MPI wants both the flag and these variables.
const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const env = { ...process.env, OMPI_ALLOW_RUN_AS_ROOT: '1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1', OMPI_MCA_orte_base_help_aggregate: '1' };

/** `mpirun --oversubscribe [mpiArgs] -np N node [--import tsx] script args...`, killed after `limitMs`. */
export function mpirun(np: number, script: string, args: string[] = [], limitMs = 90_000, extraEnv: Record<string, string> = {}, mpiArgs: string[] = []): Run {
  const node = script.endsWith('.ts') ? [process.execPath, '--import', 'tsx'] : [process.execPath];
  const r = spawnSync(
    'mpirun',
    ['--oversubscribe', ...(asRoot ? ['--allow-run-as-root'] : []), ...mpiArgs, '-np', String(np), ...node, join('test', 'dist', script), ...args],
    { cwd: root, encoding: 'utf8', timeout: limitMs, killSignal: 'SIGKILL', env: { ...env, ...extraEnv } },
  );
  return { status: r.status, timedOut: r.signal === 'SIGKILL', out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

/** Plain `node [--import tsx] script` without mpirun. */
export function node(script: string, extraEnv: Record<string, string> = {}): Run {
  const pre = script.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const r = spawnSync(process.execPath, [...pre, join('test', 'dist', script)], { cwd: root, encoding: 'utf8', timeout: 60_000, env: { ...env, ...extraEnv } });
  return { status: r.status, timedOut: r.signal !== null, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

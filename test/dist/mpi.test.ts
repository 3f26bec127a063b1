// gradguard.dist under real MPI: vitest launches the scripts of test/dist with mpirun on 1, 2 and 3
// ranks (--oversubscribe: this machine has 2 cores) and checks their output and exit status. The MPI
// addon must be built (npm run build:mpi; .ci/run installs Open MPI and builds it): without it these
// tests fail, they do not skip.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dist } from '../../lib/index.js';
import { mpirun, node } from './mpirun.js';

/**
 * The seconds the watchdog's abort message reports for `who` (a pattern such as /rank 1 of 3: allReduce/),
 * failing when there is no such message. Only the lower bound is the contract (timeoutMs 1500):
 * the watchdog polls every 50 ms and, on a loaded machine, may fire well after the limit.
 */
function watchdogSeconds(out: string, who: RegExp): number {
  const m = new RegExp(`gradguard\\.dist: ${who.source} has not completed after (\\d+\\.\\d) s`).exec(out);
  expect(m, out).not.toBeNull();
  return Number(m![m!.length - 1]);
}

// Every test here blocks this worker in spawnSync for seconds. A chain of synchronous tests only
// ever yields to microtasks, so vitest's own RPC replies (macrotasks) wait until the file ends, and
// past 60 s of such blocking its onTaskUpdate call times out: an unhandled error that fails the run.
// Yielding one macrotask turn after each test lets the replies through.
afterEach(() => new Promise<void>((resolve) => setImmediate(resolve)));

const passLines = (out: string, section: string, np: number): number[] =>
  [...out.matchAll(new RegExp(`^PASS ${section} rank (\\d+)$`, 'gm'))].map((m) => Number(m[1])).sort();

describe('dist under mpirun', () => {
  it('has the MPI addon built (npm run build:mpi)', () => {
    expect(dist.unavailableReason()).toBe('');
    expect(dist.available()).toBe(true);
  });

  it('initialises from plain node: libmpi is made global before MPI_Init (Node loads addons RTLD_LOCAL)', () => {
    const r = mpirun(2, 'init-plain.cjs');
    expect(r.timedOut).toBe(false);
    expect(r.status, r.out).toBe(0);
    const lines = r.out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    expect(lines.map((l) => l.rank).sort()).toEqual([0, 1]);
    for (const l of lines) expect(l).toMatchObject({ size: 2, before: false, beforeInit: true, after: true, sum: 3 });
  });

  it('the promotion is what makes libmpi global before init (GRADGUARD_MPI_NO_GLOBAL=1 turns it off)', () => {
    const r = mpirun(1, 'init-plain.cjs', [], 60_000, { GRADGUARD_MPI_NO_GLOBAL: '1' });
    expect(r.status, r.out).toBe(0);
    const l = JSON.parse(r.out.split('\n').find((s) => s.startsWith('{')) as string);
    expect(l.beforeInit).toBe(false);
  });

  for (const np of [1, 2, 3]) {
    it(`on ${np} rank(s): all-reduce, broadcast, global norm and data-parallel training match one process`, () => {
      const r = mpirun(np, 'correctness.ts');
      expect(r.timedOut, r.out).toBe(false);
      expect(r.status, r.out).toBe(0);
      const ranks = Array.from({ length: np }, (_, i) => i);
      for (const section of ['allReduce', 'maxNaN', 'identical', 'broadcast', 'allReduceAsync', 'norm', 'dataParallel', 'dataParallelAsync']) {
        expect(passLines(r.out, section, np), `${section}\n${r.out}`).toEqual(ranks);
      }
      expect(r.out).toContain(`ALL PASSED on ${np} ranks`);
    });
  }

  it("sizes each rank's thread pool to the cores mpirun binds it to (--map-by slot:PE=k)", () => {
    const cores = Math.min(2, availableParallelism());
    const ranksOf = (r: ReturnType<typeof mpirun>) => r.out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).sort((a, b) => a.rank - b.rank);
    const wide = mpirun(1, 'threads.ts', [], 60_000, {}, ['--map-by', `slot:PE=${cores}`]);
    expect(wide.status, wide.out).toBe(0);
    expect(ranksOf(wide)).toEqual([{ rank: 0, threads: cores, cpus: cores }]);
    const narrow = mpirun(cores, 'threads.ts', [], 60_000, {}, ['--map-by', 'slot:PE=1']);
    expect(narrow.status, narrow.out).toBe(0);
    expect(ranksOf(narrow)).toEqual(Array.from({ length: cores }, (_, rank) => ({ rank, threads: 1, cpus: 1 })));
  });

  it('works without mpirun as a group of one', () => {
    const r = node('singleton.ts');
    expect(r.status, r.out).toBe(0);
    expect(r.out).toMatch(/SINGLETON OK size 1 .*thread level serialized/);
  });
});

describe('dist faults end with errors, not hangs', () => {
  it('mismatched lengths, ops or roots: the same clear error on every rank, and the next call works', () => {
    const r = mpirun(3, 'faults.ts', ['mismatch'], 60_000);
    expect(r.timedOut, r.out).toBe(false);
    expect(r.status, r.out).toBe(0);
    for (const rank of [0, 1, 2]) {
      expect(r.out).toContain(`CAUGHT rank ${rank}: allReduce: the tensors differ in length across ranks (from 10 to 12 elements; rank ${rank} has ${10 + rank})`);
      expect(r.out).toMatch(new RegExp(`CAUGHT rank ${rank}: allReduce: ranks passed different op values`));
      expect(r.out).toMatch(new RegExp(`CAUGHT rank ${rank}: broadcast: ranks passed different root values`));
      expect(r.out).toMatch(new RegExp(`CAUGHT rank ${rank}: (broadcast|allReduce): ranks called different collectives at this point \\(allReduce and broadcast`));
      expect(r.out).toMatch(new RegExp(`CAUGHT rank ${rank}: (barrier|allReduce): ranks called different collectives at this point \\(allReduce and barrier`));
      expect(r.out).toContain(`CAUGHT rank ${rank}: dist.getTotalNorm: ranks passed different normType values (from 1 to 2; rank ${rank} passed ${rank === 0 ? 2 : 1})`);
      expect(r.out).toContain(`CAUGHT rank ${rank}: dist.clipGradNorm: ranks passed different normType values (from 2 to Infinity; rank ${rank} passed ${rank === 0 ? 'Infinity' : 2})`);
      expect(r.out).toContain(`RECOVERED rank ${rank}`);
    }
    expect(r.out).not.toContain('allGather');
  });

  it('different chunkElements across ranks: every chunked collective throws the same error on every rank, none corrupts data', () => {
    const r = mpirun(3, 'faults.ts', ['chunk-mismatch'], 60_000);
    expect(r.timedOut, r.out).toBe(false);
    expect(r.status, r.out).toBe(0);
    for (const rank of [0, 1, 2]) {
      const mine = rank === 0 ? 1000 : 1 << 24;
      for (const what of ['allReduce', 'broadcast']) {
        expect(r.out).toContain(`CAUGHT rank ${rank}: ${what}: ranks were initialised with different chunkElements (from 1000 to ${1 << 24}; rank ${rank} has ${mine})`);
      }
      expect(r.out).toContain(`RECOVERED rank ${rank}`);
    }
  });

  it('an uncaught mismatch ends the job with a non-zero status and the error in the log', () => {
    const r = mpirun(3, 'faults.ts', ['mismatch-uncaught'], 60_000);
    expect(r.timedOut, r.out).toBe(false);
    expect(r.status).not.toBe(0);
    expect(r.out).toMatch(/gradguard\.dist: rank \d of 3 is exiting with code 1 before dist\.finalize\(\)/);
    expect(r.out).toContain('the tensors differ in length across ranks');
  });

  it('a rank that exits with code 1 mid-job ends the job, naming that rank', () => {
    const r = mpirun(3, 'faults.ts', ['dead'], 60_000);
    expect(r.timedOut, r.out).toBe(false);
    expect(r.status).not.toBe(0);
    expect(r.out).toContain('gradguard.dist: rank 1 of 3 is exiting with code 1 before dist.finalize()');
    expect(r.out).not.toContain('UNEXPECTED');
  });

  it('a rank that exits with code 0 mid-job (finalising while the others wait) ends the job after timeoutMs', () => {
    const r = mpirun(3, 'faults.ts', ['exit0'], 60_000);
    expect(r.timedOut, r.out).toBe(false);
    expect(r.status).not.toBe(0);
    expect(watchdogSeconds(r.out, /rank \d of 3: (allReduce|MPI_Finalize.*)/)).toBeGreaterThanOrEqual(1.5);
    expect(r.out).not.toContain('UNEXPECTED');
  });

  it('a rank killed by a signal (no exit hook) ends the job, and mpirun names the rank', () => {
    const r = mpirun(3, 'faults.ts', ['killed'], 60_000);
    expect(r.timedOut, r.out).toBe(false);
    expect(r.status).not.toBe(0);
    expect(r.out).toMatch(/process rank 1 .*signal 9/);
    expect(r.out).not.toContain('UNEXPECTED');
  });

  for (const [timeout, env] of [['1e13', {}], [String(Number.MAX_SAFE_INTEGER), {}], ['Infinity', {}], ['env', { GRADGUARD_DIST_TIMEOUT_MS: '1e13' }]] as const) {
    const what = timeout === 'env' ? `GRADGUARD_DIST_TIMEOUT_MS=${env.GRADGUARD_DIST_TIMEOUT_MS}` : `timeoutMs ${timeout}`;
    it(`${what} is a very long (or no) timeout, not an overflow that aborts the first wait`, () => {
      const r = mpirun(2, 'faults.ts', ['huge-timeout', timeout], 60_000, env);
      expect(r.timedOut, r.out).toBe(false);
      expect(r.out).not.toContain('has not completed');
      expect(r.status, r.out).toBe(0);
      for (const rank of [0, 1]) expect(r.out).toContain(`LATE JOIN OK rank ${rank}`);
    });
  }

  it('a buffer transferred during allReduceAsync: the call rejects naming the argument (the result is lost), the job goes on', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gradguard-detach-'));
    try {
      const r = mpirun(2, 'faults.ts', ['detach', dir], 60_000);
      expect(r.timedOut, r.out).toBe(false);
      expect(r.status, r.out).toBe(0);
      expect(r.out).toMatch(/DETACHED rank 0: ERR_GRADGUARD_DIST: dist\.allReduceAsync: tensors was detached or resized while the call ran .*the result was lost/);
      expect(r.out).toMatch(/DETACHED LIST rank 0: ERR_GRADGUARD_DIST: dist\.allReduceAsync: tensors\[0\] was detached or resized while the call ran .*the result was lost/);
      for (const rank of [0, 1]) expect(r.out).toContain(`RECOVERED rank ${rank}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a rank that never joins a collective: the watchdog aborts the job after timeoutMs', () => {
    const r = mpirun(3, 'faults.ts', ['stuck'], 60_000);
    expect(r.timedOut, r.out).toBe(false);
    expect(r.status).not.toBe(0);
    expect(watchdogSeconds(r.out, /rank [02] of 3: allReduce/)).toBeGreaterThanOrEqual(1.5);
    expect(r.out).not.toContain('UNEXPECTED');
  });

  it('an MPI_Abort that never returns (interposed with LD_PRELOAD) still ends the job: the rank exits after a grace period', () => {
    // Once under CI load mpirun did not exit within 60 s of the watchdog's MPI_Abort: the call can
    // block inside Open MPI's runtime. A shim whose MPI_Abort blocks forever stands in for that.
    const dir = mkdtempSync(join(tmpdir(), 'gradguard-abort-'));
    try {
      const shim = join(dir, 'block_abort.so');
      writeFileSync(join(dir, 'block_abort.c'), '#include <unistd.h>\nint MPI_Abort(void* comm, int code) { (void)comm; (void)code; for (;;) pause(); }\n');
      const cc = spawnSync('cc', ['-shared', '-fPIC', '-o', shim, join(dir, 'block_abort.c')], { encoding: 'utf8' });
      expect(cc.status, `${cc.stderr}${cc.error ?? ''}`).toBe(0);
      const r = mpirun(3, 'faults.ts', ['stuck'], 60_000, {}, ['-x', `LD_PRELOAD=${shim}`]);
      expect(r.timedOut, r.out).toBe(false);
      expect(r.status).not.toBe(0);
      expect(watchdogSeconds(r.out, /rank [02] of 3: allReduce/)).toBeGreaterThanOrEqual(1.5);
      expect(r.out).not.toContain('UNEXPECTED');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

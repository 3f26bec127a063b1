// Run by test/dist/mpi.test.ts under mpirun: `node --import tsx test/dist/faults.ts <case>`. Each
// case must end (with the expected error) within seconds, never hang.
//   mismatch          ranks pass different lengths / ops / roots / normTypes, or call different
//                     collectives (barrier included): the same error on every rank, then recovery
//   chunk-mismatch    ranks init with different chunkElements: every chunked collective is refused
//                     on every rank (the data untouched), other collectives still work
//   mismatch-uncaught the same error left uncaught: the whole job ends with a non-zero status
//   huge-timeout T    timeoutMs T (a number, Infinity, or 'env': GRADGUARD_DIST_TIMEOUT_MS) far beyond
//                     what fits in nanoseconds: a rank joining 400 ms late must not trip the watchdog
//   detach DIR        (2 ranks) rank 0 transfers a buffer while its allReduceAsync waits for rank 1
//                     (which joins once DIR/<n> exists): rank 0's call rejects, naming the argument
//   dead              rank 1 exits with code 1 mid-job while the others wait in a collective
//   exit0             rank 1 calls process.exit(0) mid-job: its MPI_Finalize and the others' wait both
//                     hit the watchdog
//   killed            rank 1 dies by SIGKILL (no exit hook runs) while the others wait
//   stuck             rank 1 never joins a collective: the others' watchdog aborts the job
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dist, GradGuardError } from '../../lib/index.js';
import { check } from './check.js';

const which = process.argv[2];
const worldRank = Number(process.env.OMPI_COMM_WORLD_RANK);
const timeoutMs =
  which === 'huge-timeout' ? (process.argv[3] === 'env' ? undefined : Number(process.argv[3])) : which === 'stuck' || which === 'exit0' ? 1500 : 60_000;
const chunkElements = which === 'chunk-mismatch' ? (worldRank === 0 ? 1000 : 1 << 24) : undefined;
const { rank, size } = dist.init({ timeoutMs, chunkElements });

function code(fn: () => void): string {
  try {
    fn();
  } catch (err) {
    console.log(`CAUGHT rank ${rank}: ${(err as Error).message}`);
    return (err as { code?: string }).code ?? 'no code';
  }
  return '';
}

switch (which) {
  case 'mismatch': {
    const c1 = code(() => dist.allReduce(new Float32Array(10 + rank), 'sum'));
    check(c1 === 'ERR_GRADGUARD_DIST_MISMATCH', `length mismatch code: ${c1}`);
    const c2 = code(() => dist.allReduce(new Float32Array(4), rank === 0 ? 'sum' : 'max'));
    check(c2 === 'ERR_GRADGUARD_DIST_MISMATCH', `op mismatch code: ${c2}`);
    const c3 = code(() => dist.broadcast(new Float32Array(4), rank));
    check(c3 === 'ERR_GRADGUARD_DIST_MISMATCH', `root mismatch code: ${c3}`);
    const c4 = code(() => (rank === 0 ? dist.broadcast(new Float32Array(4), 0) : dist.allReduce(new Float32Array(4))));
    check(c4 === 'ERR_GRADGUARD_DIST_MISMATCH', `different collectives code: ${c4}`);
    const c5 = code(() => (rank === 0 ? dist.barrier() : dist.allReduce(new Float32Array(4))));
    check(c5 === 'ERR_GRADGUARD_DIST_MISMATCH', `barrier vs allReduce code: ${c5}`);
    const g = [new Float32Array([3, 4])];
    const c6 = code(() => dist.getTotalNorm(g, rank === 0 ? 2 : 1));
    check(c6 === 'ERR_GRADGUARD_DIST_MISMATCH', `normType mismatch code: ${c6}`);
    const c7 = code(() => dist.clipGradNorm(g, 1, { normType: rank === 0 ? Infinity : 2 }));
    check(c7 === 'ERR_GRADGUARD_DIST_MISMATCH', `normType Infinity vs 2 code: ${c7}`);
    check(g[0][0] === 3 && g[0][1] === 4, 'clipGradNorm left the gradients alone after a mismatch');
    // Nothing is left half-done: the next collective works.
    const a = new Float32Array(8).fill(1);
    dist.allReduce(a, 'sum');
    check(a.every((v) => v === size), 'allReduce after a mismatch');
    console.log(`RECOVERED rank ${rank}`);
    break;
  }
  case 'chunk-mismatch': {
    const a = Float32Array.from({ length: 3000 }, (_, i) => i + rank);
    const c1 = code(() => dist.allReduce(a, 'sum'));
    check(c1 === 'ERR_GRADGUARD_DIST_MISMATCH', `chunkElements mismatch, allReduce code: ${c1}`);
    const c2 = code(() => dist.broadcast(a, 0));
    check(c2 === 'ERR_GRADGUARD_DIST_MISMATCH', `chunkElements mismatch, broadcast code: ${c2}`);
    check(
      a.every((v, i) => v === i + rank),
      'refused collectives left the data alone',
    );
    // The check kept the ranks in step: collectives that do not chunk still work.
    dist.barrier();
    const n = dist.getTotalNorm([new Float32Array([3, 4])]);
    check(Math.abs(n - 5 * Math.sqrt(size)) < 1e-12, `getTotalNorm after the refusals: ${n}`);
    console.log(`RECOVERED rank ${rank}`);
    break;
  }
  case 'huge-timeout': {
    const a = new Float32Array(4).fill(1);
    // Well past the watchdog's 50 ms tick: a limit that overflowed would abort here.
    if (rank === 1) await new Promise((r) => setTimeout(r, 400));
    dist.allReduce(a, 'sum');
    check(a[0] === size, `sum ${a[0]}`);
    console.log(`LATE JOIN OK rank ${rank}`);
    break;
  }
  case 'detach': {
    check(size === 2, 'detach runs on 2 ranks');
    const dir = process.argv[3];
    // Rank 1 joins call k only once rank 0 has detached its buffer (no timing involved).
    const joinAfter = async (k: number): Promise<void> => {
      if (rank === 1) while (!existsSync(join(dir, String(k)))) await new Promise((r) => setTimeout(r, 10));
    };
    const started = (): Promise<void> => new Promise((r) => setTimeout(r, 20)); // the call has taken the buffer
    const kept: ArrayBuffer[] = []; // the transferred memory, kept alive: MPI must not write into it
    const reason = async (p: Promise<void>): Promise<string> => {
      try {
        await p;
        return 'resolved';
      } catch (err) {
        check(err instanceof GradGuardError, `a GradGuardError: ${String(err)}`);
        return `${(err as GradGuardError).code}: ${(err as Error).message}`;
      }
    };
    // One Float32Array: MPI works on a private copy, the glue notices at the end and writes nothing.
    const a = new Float32Array(1024).fill(rank + 1);
    await joinAfter(1);
    const p1 = dist.allReduceAsync(a, 'sum');
    if (rank === 0) {
      await started();
      kept.push(structuredClone(a.buffer, { transfer: [a.buffer] }));
      writeFileSync(join(dir, '1'), '');
    }
    const r1 = await reason(p1);
    if (rank === 0) {
      console.log(`DETACHED rank 0: ${r1}`);
      check(a.length === 0, 'a was detached');
      // The memory moved to the clone before rank 1 joined: MPI's result (3) must not land in it.
      check(new Float32Array(kept[0]).every((v) => v === 1), `the transferred memory was written: ${new Float32Array(kept[0])[0]}`);
    } else {
      check(r1 === 'resolved' && a.every((v) => v === 3), `rank 1: ${r1}`);
    }
    // A list (reduced in a private copy): the copy-back notices, the other tensors get their result.
    const list = [new Float32Array(8).fill(rank + 1), new Float32Array(3).fill(10 * (rank + 1))];
    await joinAfter(2);
    const p2 = dist.allReduceAsync(list, 'sum');
    if (rank === 0) {
      await started();
      kept.push(structuredClone(list[0].buffer, { transfer: [list[0].buffer] }));
      writeFileSync(join(dir, '2'), '');
    }
    const r2 = await reason(p2);
    if (rank === 0) {
      console.log(`DETACHED LIST rank 0: ${r2}`);
      check(new Float32Array(kept[1]).every((v) => v === 1), `the transferred list memory was written: ${new Float32Array(kept[1])[0]}`);
    }
    else check(r2 === 'resolved' && list[0].every((v) => v === 3), `rank 1 list: ${r2}`);
    check(list[1].every((v) => v === 30), `the tensor that stayed attached got its result: ${list[1][0]}`);
    // The job goes on.
    const b = new Float32Array(4).fill(1);
    dist.allReduce(b, 'sum');
    check(b[0] === 2, 'allReduce after a lost async result');
    console.log(`RECOVERED rank ${rank} (${kept.length} buffers transferred)`);
    break;
  }
  case 'mismatch-uncaught':
    dist.allReduce(new Float32Array(10 + rank), 'sum');
    break;
  case 'dead': {
    dist.allReduce(new Float32Array(4), 'sum');
    if (rank === 1) {
      console.log('rank 1 exits now');
      process.exit(1);
    }
    dist.allReduce(new Float32Array(4), 'sum'); // waits for rank 1 forever, unless the job ends
    console.log(`UNEXPECTED rank ${rank} completed`);
    break;
  }
  case 'exit0': {
    dist.allReduce(new Float32Array(4), 'sum');
    if (rank === 1) process.exit(0);
    dist.allReduce(new Float32Array(4), 'sum');
    console.log(`UNEXPECTED rank ${rank} completed`);
    break;
  }
  case 'killed': {
    dist.allReduce(new Float32Array(4), 'sum');
    if (rank === 1) process.kill(process.pid, 'SIGKILL');
    dist.allReduce(new Float32Array(4), 'sum');
    console.log(`UNEXPECTED rank ${rank} completed`);
    break;
  }
  case 'stuck': {
    dist.allReduce(new Float32Array(4), 'sum');
    if (rank === 1) {
      console.log('rank 1 stops taking part');
      await new Promise((r) => setTimeout(r, 120_000));
    }
    dist.allReduce(new Float32Array(4), 'sum');
    console.log(`UNEXPECTED rank ${rank} completed`);
    break;
  }
  default:
    throw new Error(`unknown case ${which}`);
}
dist.finalize();

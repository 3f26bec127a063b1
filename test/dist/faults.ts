// Run by test/dist/mpi.test.ts under mpirun: `node --import tsx test/dist/faults.ts <case>`. Each
// case must end (with the expected error) within seconds, never hang.
//   mismatch          ranks pass different lengths / roots: the same error on every rank, then recovery
//   mismatch-uncaught the same error left uncaught: the whole job ends with a non-zero status
//   dead              rank 1 exits with code 1 mid-job while the others wait in a collective
//   exit0             rank 1 calls process.exit(0) mid-job: its MPI_Finalize and the others' wait both
//                     hit the watchdog
//   killed            rank 1 dies by SIGKILL (no exit hook runs) while the others wait
//   stuck             rank 1 never joins a collective: the others' watchdog aborts the job
import { dist } from '../../lib/index.js';
import { check } from './check.js';

const which = process.argv[2];
const { rank, size } = dist.init({ timeoutMs: which === 'stuck' || which === 'exit0' ? 1500 : 60_000 });

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
    // Nothing is left half-done: the next collective works.
    const a = new Float32Array(8).fill(1);
    dist.allReduce(a, 'sum');
    check(a.every((v) => v === size), 'allReduce after a mismatch');
    console.log(`RECOVERED rank ${rank}`);
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

// Run by test/dist/mpi.test.ts under mpirun with a core binding: prints this rank's thread-pool size
// and the CPUs it may run on (Linux), one JSON line per rank.
import { readFileSync } from 'node:fs';
import { getNumThreads } from '../../lib/index.js';

const allowed = (/^Cpus_allowed_list:\s*(.*)$/m.exec(readFileSync('/proc/self/status', 'utf8')) as RegExpExecArray)[1];
const cpus = allowed.split(',').reduce((n, r) => {
  const [a, b] = r.split('-').map(Number);
  return n + (b === undefined ? 1 : b - a + 1);
}, 0);
console.log(JSON.stringify({ rank: Number(process.env.OMPI_COMM_WORLD_RANK), threads: getNumThreads(), cpus }));

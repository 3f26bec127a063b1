// Plain `node` (no loader, no TS) under mpirun: loads the MPI addon the way Node loads any addon
// (dlopen RTLD_LOCAL) and initialises MPI. Prints one JSON line per rank: whether libmpi's symbols
// were global before init (they are not: that is the pitfall), just before MPI_Init_thread (after
// the addon's promotion), and whether a collective then works.
const { join } = require('node:path');
const mpi = require(join(__dirname, '..', '..', 'build-mpi', 'Release', 'gradguard_mpi.node'));
const before = mpi.state().libmpiGlobal;
const r = mpi.init(2, 30000);
const a = new Float32Array([r.rank + 1]);
mpi.allReduce(a, 0, 1 << 20);
console.log(JSON.stringify({ rank: r.rank, size: r.size, before, beforeInit: r.libmpiGlobalBeforeInit, after: mpi.state().libmpiGlobal, sum: a[0] }));
mpi.finalize();

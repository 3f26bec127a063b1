// gradguard.dist: data-parallel training over MPI (optional native part; off when no MPI is built).
export {
  available,
  barrier,
  finalize,
  init,
  isInitialized,
  libraryVersion,
  rank,
  size,
  threadLevel,
  unavailableReason,
  type InitOptions,
  type ThreadLevel,
} from './runtime.js';
export { allReduce, allReduceAsync, broadcast, type ReduceOp } from './collectives.js';
export { clipGradNorm, getTotalNorm, type DistTensors } from './global-norm.js';
export { DataParallel, shardOfBatch, type BatchShard, type DataParallelOptions } from './data-parallel.js';

/**
 * Loads the optional MPI addon (build-mpi/Release/gradguard_mpi.node, built by
 * `npm run build:mpi`) once, and says why when it cannot: no MPI at build time (build-mpi/status.json
 * holds the builder's reason), a load error, or GRADGUARD_DIST_DISABLE=1.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { packageRoot } from '../binding.js';

/** The functions whose norms are gathered (the addon accepts exactly these names). */
export type NormCaller = 'dist.getTotalNorm' | 'dist.clipGradNorm' | 'dist.DataParallel.step';

/** Every export of gradguard_mpi.node (native/mpi/mpi_binding.cc). */
export interface MpiAddon {
  init(threadLevel: number, timeoutMs: number): { provided: number; rank: number; size: number; libmpiGlobalBeforeInit: boolean };
  finalize(): void;
  state(): { initialized: boolean; finalized: boolean; rank: number; size: number; threadLevel: number; libmpiGlobal: boolean };
  libraryVersion(): string;
  /** op: 0 sum, 1 mean, 2 max; chunk: elements per MPI call. */
  allReduce(data: Float32Array, op: number, chunk: number): void;
  allReduceAsync(data: Float32Array, op: number, chunk: number): Promise<void>;
  broadcast(data: Float32Array, root: number, chunk: number): void;
  barrier(): void;
  /**
   * Every rank's values, in rank order. normType (> 0 or Infinity) must agree across ranks; `what`
   * names the caller in errors: 'dist.getTotalNorm', 'dist.clipGradNorm' or 'dist.DataParallel.step'.
   */
  allGather(local: Float64Array, normType: number, what: NormCaller): Float64Array;
  abort(code: number, message: string): void;
  /** Benchmarks only: one MPI_Allreduce(MPI_IN_PLACE, SUM), no checks, no chunking. */
  rawAllReduceSum(data: Float32Array): void;
}

type Loaded = { addon: MpiAddon; reason: '' } | { addon: null; reason: string };
let loaded: Loaded | undefined;

function load(): Loaded {
  if (process.env.GRADGUARD_DIST_DISABLE === '1') return { addon: null, reason: 'disabled by GRADGUARD_DIST_DISABLE=1' };
  const root = packageRoot();
  const file = join(root, 'build-mpi', 'Release', 'gradguard_mpi.node');
  if (!existsSync(file)) {
    let why = 'it was never built (npm run build:mpi builds it)';
    try {
      const status = JSON.parse(readFileSync(join(root, 'build-mpi', 'status.json'), 'utf8')) as { built: boolean; reason?: string };
      if (!status.built && status.reason) why = status.reason;
    } catch {
      // no status file: the builder never ran
    }
    return { addon: null, reason: `the MPI addon (build-mpi/Release/gradguard_mpi.node) is missing: ${why}` };
  }
  try {
    return { addon: createRequire(import.meta.url)(file) as MpiAddon, reason: '' };
  } catch (err) {
    return { addon: null, reason: `the MPI addon failed to load: ${(err as Error).message}` };
  }
}

/** The addon, or null; see `mpiUnavailableReason`. */
export function mpiAddon(): MpiAddon | null {
  loaded ??= load();
  return loaded.addon;
}

/** Why the addon is not available ("" when it is). */
export function mpiUnavailableReason(): string {
  loaded ??= load();
  return loaded.reason;
}

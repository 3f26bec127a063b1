/**
 * The MPI process group of gradguard.dist: init, finalize (also at process exit), rank and size,
 * barrier, and the guards every collective goes through (initialised? an async call in flight?).
 */
import { GradGuardError, fromNative, invalidArg } from '../errors.js';
import { checkOptions, optionKeys } from '../validate/index.js';
import { mpiAddon, mpiUnavailableReason, type MpiAddon } from './addon.js';

/** MPI thread support levels, lowest first (MPI_THREAD_SINGLE .. MPI_THREAD_MULTIPLE). */
export type ThreadLevel = 'single' | 'funneled' | 'serialized' | 'multiple';
const LEVELS: readonly ThreadLevel[] = ['single', 'funneled', 'serialized', 'multiple'];

/** Options of {@link init}. */
export interface InitOptions {
  /**
   * The MPI thread level to request. Default 'serialized': gradguard makes MPI calls from the main
   * thread and, for `allReduceAsync`, from one libuv worker thread, never two at once (one lock
   * serialises them), which is exactly what MPI_THREAD_SERIALIZED allows. With 'single' or
   * 'funneled' the async calls are refused.
   */
  threadLevel?: ThreadLevel;
  /**
   * Dead-peer policy: a collective still waiting after this many milliseconds means another rank
   * died or is stuck; the job is then aborted (MPI_Abort) with a message naming this rank and the
   * call. A number >= 0; 0 or Infinity disables the watchdog, and any finite value beyond what the
   * watchdog can count (about 9.2e12 ms, e.g. Number.MAX_SAFE_INTEGER) is a limit of 292 years,
   * i.e. never. Default: GRADGUARD_DIST_TIMEOUT_MS (read with Number(), so "Infinity" works), else
   * 600000 (10 minutes).
   */
  timeoutMs?: number;
  /**
   * Elements per MPI call of a large all-reduce or broadcast. Default 2^24 (64 MiB of float32).
   * Must be the same on every rank: each chunked collective checks it, and a difference throws
   * ERR_GRADGUARD_DIST_MISMATCH on every rank.
   */
  chunkElements?: number;
}

const INIT_OPTION_KEYS = optionKeys<InitOptions>()(['threadLevel', 'timeoutMs', 'chunkElements']);

/** This process's rank in MPI_COMM_WORLD (0 before `init`). */
export let rank = 0;
/** The number of processes in MPI_COMM_WORLD (1 before `init`). */
export let size = 1;

let state: 'off' | 'on' | 'finalized' = 'off';
let provided: ThreadLevel | null = null;
let chunk = 1 << 24;
let pending: Promise<unknown> | null = null;
let inflight = 0;

/** True when the MPI addon is built and loads (MPI may still be uninitialised). */
export function available(): boolean {
  return mpiAddon() !== null;
}

/** Why `available()` is false ("" when it is true). */
export function unavailableReason(): string {
  return mpiUnavailableReason();
}

/** True between `init()` and `finalize()`. */
export function isInitialized(): boolean {
  return state === 'on';
}

/** The thread level MPI granted (null before `init`). */
export function threadLevel(): ThreadLevel | null {
  return provided;
}

/** The MPI library's version line, e.g. "Open MPI v4.1.4". */
export function libraryVersion(): string {
  return requireAddon('dist.libraryVersion').libraryVersion();
}

function requireAddon(what: string): MpiAddon {
  const addon = mpiAddon();
  if (addon === null) throw new GradGuardError(`${what}: MPI is not available: ${mpiUnavailableReason()}`, 'ERR_GRADGUARD_DIST_UNAVAILABLE');
  return addon;
}

/**
 * Initialises MPI (MPI_Init_thread) in this process. Launch the job with `mpirun -np N node job.js`;
 * without mpirun it runs as a group of one. Open MPI's plugins need libmpi's symbols global, which a
 * Node addon does not get by default: the addon promotes libmpi to RTLD_GLOBAL first. Registers a
 * process 'exit' hook: a normal exit finalises MPI; an exit with a non-zero code before `finalize()`
 * aborts the whole job (the other ranks would otherwise wait for this one forever).
 * The watchdog (`timeoutMs`): 0 or Infinity turn it off; huge finite values saturate (never fire).
 * @param options threadLevel (default 'serialized'), timeoutMs (watchdog) and chunkElements.
 * @returns this process's rank and the group size.
 * @throws {GradGuardError} ERR_GRADGUARD_DIST_UNAVAILABLE without the MPI addon (with the reason);
 *   ERR_GRADGUARD_DIST when MPI is already initialised or was finalised.
 * @throws {RangeError} when `options.timeoutMs` is negative or NaN, or `threadLevel`/`chunkElements`
 *   is out of range; {TypeError} when
 *   GRADGUARD_DIST_TIMEOUT_MS is not a number >= 0 (or Infinity).
 */
export function init(options?: InitOptions): {
  /** This process's rank, 0..size−1. */
  rank: number;
  /** The number of processes. */
  size: number;
  /** The thread level MPI granted (may be lower than asked). */
  threadLevel: ThreadLevel;
} {
  const o = checkOptions('dist.init: options', options, INIT_OPTION_KEYS);
  const level = o.threadLevel === undefined ? 'serialized' : o.threadLevel;
  if (!LEVELS.includes(level as ThreadLevel)) invalidArg('options.threadLevel', `one of ${LEVELS.join(', ')}`, level, 'range');
  const envTimeout = process.env.GRADGUARD_DIST_TIMEOUT_MS;
  const fromEnv = o.timeoutMs === undefined && envTimeout !== undefined && envTimeout !== '';
  const timeout = o.timeoutMs ?? (fromEnv ? Number(envTimeout) : 600_000);
  if (typeof timeout !== 'number' || !(timeout >= 0)) {
    invalidArg(
      fromEnv ? 'GRADGUARD_DIST_TIMEOUT_MS' : 'options.timeoutMs',
      'a number >= 0 (0 or Infinity: no watchdog)',
      fromEnv ? envTimeout : timeout,
      typeof timeout === 'number' && !fromEnv ? 'range' : 'type',
    );
  }
  const ch = o.chunkElements ?? 1 << 24;
  if (typeof ch !== 'number') invalidArg('options.chunkElements', 'an integer', ch);
  if (!Number.isInteger(ch) || ch < 1 || ch > 2 ** 31 - 1) invalidArg('options.chunkElements', 'an integer in [1, 2^31-1]', ch, 'range');
  const addon = requireAddon('dist.init');
  if (state === 'finalized') throw new GradGuardError('dist.init: MPI was finalised; it cannot be initialised again in this process', 'ERR_GRADGUARD_DIST');
  if (state === 'on') throw new GradGuardError('dist.init: already initialised', 'ERR_GRADGUARD_DIST');
  let r: ReturnType<MpiAddon['init']>;
  try {
    r = addon.init(LEVELS.indexOf(level as ThreadLevel), timeout === Infinity ? 0 : timeout);
  } catch (err) {
    throw fromNative(err);
  }
  rank = r.rank;
  size = r.size;
  chunk = ch;
  provided = LEVELS[r.provided] ?? 'single';
  state = 'on';
  process.on('exit', onExit);
  process.on('uncaughtExceptionMonitor', rememberFatal);
  return { rank, size, threadLevel: provided };
}

// Node prints an uncaught error only after the 'exit' hooks run, and MPI_Abort there ends the process
// first: the hook prints it instead, so the job's log says why this rank failed.
let fatal: unknown;
function rememberFatal(err: unknown): void {
  fatal = err;
}

function onExit(code: number): void {
  if (state !== 'on') return;
  const addon = mpiAddon() as MpiAddon;
  if (code === 0 && pending === null) {
    finalize();
    return;
  }
  // Exiting on an error: the others may be waiting in a collective for this rank; end them all now.
  state = 'finalized';
  const why = fatal === undefined ? '' : `\n${fatal instanceof Error ? (fatal.stack ?? fatal.message) : String(fatal)}`;
  addon.abort(
    code === 0 ? 1 : code,
    `gradguard.dist: rank ${rank} of ${size} is exiting with code ${code} before dist.finalize(); aborting the job so the other ranks do not wait for it${why}`,
  );
}

/**
 * Finalises MPI (MPI_Finalize). Every rank must call it (the process 'exit' hook does on a normal
 * exit). Idempotent; no collective may be in flight.
 */
export function finalize(): void {
  if (state !== 'on') return;
  if (pending !== null) throw new GradGuardError('dist.finalize: an async collective is still running; await it first', 'ERR_GRADGUARD_DIST_BUSY');
  state = 'finalized';
  process.off('exit', onExit);
  process.off('uncaughtExceptionMonitor', rememberFatal);
  try {
    (mpiAddon() as MpiAddon).finalize();
  } catch (err) {
    throw fromNative(err);
  }
}

/**
 * Blocks until every rank has called it. It is a collective like the others (an all-reduce of the
 * same size check, which no rank leaves before all have arrived), so a rank in `barrier` while
 * another is in a different collective gets ERR_GRADGUARD_DIST_MISMATCH on every rank, not a hang.
 * Reference: `torch.distributed.barrier`.
 * @throws {GradGuardError} ERR_GRADGUARD_DIST_MISMATCH, ERR_GRADGUARD_DIST_NOT_INITIALIZED,
 *   ERR_GRADGUARD_DIST_BUSY.
 */
export function barrier(): void {
  const addon = requireReady('dist.barrier');
  try {
    addon.barrier();
  } catch (err) {
    throw fromNative(err);
  }
}

/** @internal The addon, once `init` has run and while no async collective is in flight. */
export function requireReady(what: string): MpiAddon {
  const addon = requireInitialized(what);
  if (pending !== null) {
    throw new GradGuardError(
      `${what}: an async collective is in flight; await it first (ranks must issue collectives in the same order)`,
      'ERR_GRADGUARD_DIST_BUSY',
    );
  }
  return addon;
}

function requireInitialized(what: string): MpiAddon {
  const addon = requireAddon(what);
  if (state !== 'on') {
    const hint = state === 'finalized' ? 'MPI was already finalised' : 'call dist.init() first (and launch with mpirun -np N node ...)';
    throw new GradGuardError(`${what}: MPI is not initialised: ${hint}`, 'ERR_GRADGUARD_DIST_NOT_INITIALIZED');
  }
  return addon;
}

/** @internal Elements per MPI call. */
export function chunkElements(): number {
  return chunk;
}

/**
 * @internal Runs `work` after every async collective queued before it: ranks then issue collectives
 * in program order even though each runs on a worker thread. Sync collectives are refused meanwhile.
 */
export function queueAsync<T>(what: string, work: (addon: MpiAddon) => Promise<T>): Promise<T> {
  let addon: MpiAddon;
  try {
    addon = requireInitialized(what);
    if (provided !== 'serialized' && provided !== 'multiple') {
      throw new GradGuardError(`${what}: needs MPI_THREAD_SERIALIZED or higher (init({ threadLevel: 'serialized' })); MPI granted ${provided}`, 'ERR_GRADGUARD_DIST');
    }
  } catch (err) {
    return Promise.reject(err);
  }
  const before = pending ?? Promise.resolve();
  inflight++;
  const done = (): void => {
    if (--inflight === 0) pending = null;
  };
  // Settles after `done`, so a caller resuming from `await` finds no collective in flight.
  const run = before.then(() => work(addon)).then(
    (v) => {
      done();
      return v;
    },
    (err: unknown) => {
      done();
      throw fromNative(err);
    },
  );
  pending = run.catch(() => undefined);
  return run;
}

/**
 * Backend selection. The native addon when it loads, else the pure-TS backend with a one-line notice
 * on stderr (silence it with GRADGUARD_QUIET=1). GRADGUARD_BACKEND=js|native forces one; `useBackend`
 * switches at run time (tests and the golden runner compare both in one process). The GRADGUARD_
 * settings are checked when the backend is first chosen (lib/env.ts): a typo is an error, not ignored.
 */
import { loadAddon, loadedAddonFile, packageVersion, type NativeAddon } from '../binding.js';
import { GradGuardError, invalidArg } from '../errors.js';
import { checkEnvironment } from '../env.js';
import { createJsBackend } from './js/index.js';
import { createNativeBackend } from './native.js';
import type { Backend } from './types.js';

/** Which implementation runs the kernels: 'native' (the C++ addon) or 'js' (the pure-TypeScript fallback). */
export type BackendName = 'native' | 'js';

let addon: NativeAddon | null | undefined;
let addonError: unknown;
let current: Backend | undefined;
const jsBackend = createJsBackend();
let nativeBackend: Backend | undefined;

function tryAddon(): NativeAddon | null {
  if (addon === undefined) {
    try {
      addon = loadAddon();
    } catch (err) {
      addon = null;
      addonError = err;
    }
  }
  return addon;
}

function native(): Backend | null {
  const a = tryAddon();
  if (!a) return null;
  nativeBackend ??= createNativeBackend(a);
  return nativeBackend;
}

function initial(): Backend {
  checkEnvironment();
  const forced = process.env.GRADGUARD_BACKEND;
  if (forced === 'js') return jsBackend;
  const n = native();
  if (n) {
    // The addon judges GRADGUARD_ISA against the one ISA list and this CPU (native/core/isa_list.h).
    const isaProblem = addon?.isaEnvError() ?? null;
    if (isaProblem) throw new GradGuardError(isaProblem, 'ERR_GRADGUARD_CONFIG');
    return n;
  }
  if (forced === 'native') {
    throw new Error(`gradguard: GRADGUARD_BACKEND=native but the addon did not load: ${String((addonError as Error)?.message ?? addonError)}`);
  }
  if (process.env.GRADGUARD_QUIET !== '1') {
    const why = String((addonError as Error)?.message ?? addonError).split('\n')[0];
    process.stderr.write(`gradguard: native addon unavailable (${why}); using the pure-TypeScript backend\n`);
  }
  return jsBackend;
}

/** The backend in use. */
export function getBackend(): Backend {
  current ??= initial();
  return current;
}

/** Whether the native addon loaded on this machine. */
export function nativeAvailable(): boolean {
  return native() !== null;
}

/**
 * Switches every later call to the named backend.
 * @param name 'native' or 'js'.
 * @throws {RangeError} for an unknown name, or 'native' when the addon cannot load.
 */
export function useBackend(name: BackendName): void {
  if (name === 'js') {
    current = jsBackend;
    return;
  }
  if (name !== 'native') invalidArg('name', '"native" or "js"', name, 'range');
  const n = native();
  if (!n) invalidArg('name', 'a backend that loads here (the native addon failed to load)', name, 'range');
  current = n;
}

/** What {@link backendInfo} reports. */
export interface BackendInfo {
  /** Which implementation runs the kernels. */
  backend: BackendName;
  /** The instruction set in use: 'avx512' | 'avx2' | 'neon' | 'scalar', or 'js'. */
  isa: string;
  /** Threads a parallel kernel uses (the caller included). */
  threads: number;
  /** gradguard's version. */
  version: string;
  /**
   * The native binary in use, relative to the package root: a prebuild
   * (`prebuilds/linux-x64/gradguard.glibc.node`) or a build from source (`build/Release/gradguard.node`);
   * null on the pure-TS backend.
   */
  binary: string | null;
}

/** What runs the math: `{ backend, isa, threads, version, binary }`. */
export function backendInfo(): BackendInfo {
  const b = getBackend();
  const binary = b.name === 'native' ? loadedAddonFile() : null;
  return { backend: b.name, isa: b.isa(), threads: b.numThreads(), version: packageVersion(), binary };
}

/**
 * Sets the thread pool's size (native backend; default: usable cores or GRADGUARD_THREADS).
 * @param n threads, an integer from 1 to 1024.
 * @throws {TypeError} n is not a number.
 * @throws {RangeError} n is not an integer from 1 to 1024.
 */
export function setNumThreads(n: number): void {
  if (typeof n !== 'number') invalidArg('n', 'an integer from 1 to 1024', n);
  if (!Number.isInteger(n) || n < 1 || n > 1024) invalidArg('n', 'an integer from 1 to 1024', n, 'range');
  getBackend().setNumThreads(n);
}

/** Threads a parallel kernel uses now. */
export function getNumThreads(): number {
  return getBackend().numThreads();
}

/** ISAs this machine can run, best first ('js' on the pure-TS backend). */
export function supportedIsas(): string[] {
  return getBackend().supportedIsas();
}

/**
 * Forces an instruction set for the whole process (like GRADGUARD_ISA): one of `supportedIsas()`.
 * @param name one of supportedIsas(), e.g. 'avx2'.
 * @throws {TypeError} name is not a string.
 * @throws {RangeError} for an ISA this CPU cannot run.
 */
export function setIsa(name: string): void {
  if (typeof name !== 'string') invalidArg('name', 'an ISA name string', name);
  const supported = getBackend().supportedIsas();
  if (!supported.includes(name)) invalidArg('name', `one of ${supported.join(', ')}`, name, 'range');
  getBackend().setIsa(name);
}

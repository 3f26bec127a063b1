/**
 * The devtools addon (`build/Release/gradguard_devtools.node`, built by `npm run build:native`): the
 * probes `npm run bench` measures the machine with and the native fault hooks the tests use. The
 * package never ships it, so the production addon exports the library's functions only. It has its
 * own thread pool: each probe takes its thread count (and `fmaPeak` its ISA) explicitly.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What {@link Devtools.gemmBlocking} reports: the micro-tile, the cache blocking and the cache sizes it came from. */
export interface GemmBlockingInfo {
  isa: string;
  mr: number;
  nr: number;
  kc: number;
  mc: number;
  nc: number;
  mo: number;
  l1d: number;
  l2: number;
  l3: number;
  l2Sharing: number;
  l3Sharing: number;
}

export interface Devtools {
  /** Reads every byte of `data` once on `threads` threads; returns a checksum (keeps the reads alive). */
  streamRead(data: Float32Array, threads: number): number;
  /** Copies `src` into `dst` (same length) on `threads` threads. */
  streamCopy(dst: Float32Array, src: Float32Array, threads: number): void;
  /** Float64 sum of squares of `data` by a plain C++ loop on `threads` threads (the norm's peer). */
  streamSumSquares(data: Float32Array, threads: number): number;
  /** STREAM triad `a = b + s * c` (float32, same lengths) on `threads` threads. */
  streamTriad(a: Float32Array, b: Float32Array, c: Float32Array, s: number, threads: number): void;
  /** Float32 FLOPs done by `threads` register-only FMA loops of `isa`, `iterations` each, at once. */
  fmaPeak(iterations: number, threads: number, isa: string): number;
  /** The SGEMM blocking the library derived for `isa` from the CPU's reported caches (bytes; 0: not reported, fallback used). */
  gemmBlocking(isa: string): GemmBlockingInfo;
  /**
   * Float32 FLOPs done by `calls` full-tile calls of `isa`'s SGEMM micro-kernel on one thread, no
   * packing: `'l1'` on one L1-resident A and B panel (the kernel's ceiling), `'sweep'` over the
   * driver's loop nest for one depth slice of a 1024×1024 C (A from L2, C tiles from memory).
   */
  gemmKernelProbe(isa: string, where: 'l1' | 'sweep', calls: number): number;
  /** Throws std::bad_alloc on the calling thread or in a pool task of `threads` threads. */
  testThrowBadAlloc(where: 'caller' | 'pool', threads: number): never;
}

export const devtoolsPath = join(dirname(fileURLToPath(import.meta.url)), '..', 'build', 'Release', 'gradguard_devtools.node');

let cached: Devtools | undefined;

/** Loads the devtools addon, or throws saying how to build it. */
export function loadDevtools(): Devtools {
  if (cached) return cached;
  try {
    cached = createRequire(import.meta.url)(devtoolsPath) as Devtools;
  } catch (err) {
    throw new Error(`the devtools addon did not load (${(err as Error).message.split('\n')[0]}); build it with \`npm run build:native\``);
  }
  return cached;
}

// Property fuzz of every public function's and constructor's arguments (fast-check): random values
// of every kind — numbers (NaN, ±Infinity, −0, huge, fractional, negative), strings, booleans,
// null/undefined, objects, arrays of mixed typed arrays, typed arrays of other element types, views
// over detached, resizable and shared buffers, overlapping views of one buffer, modules, tensors,
// functions — in every argument position. Each call either returns (an async one resolves) or throws
// (rejects) a TypeError, RangeError or GradGuardError that carries a stable `ERR_*` code, i.e. one
// of the library's own checks and not an incidental JavaScript error ("Cannot read properties of
// undefined", "x is not iterable") or a crash; and when it throws, no typed array it was given has
// changed. `npm test` gives it GG_FUZZ_JS_RUNS runs per function (default 60); `npm run test:fuzz` more.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as gg from '../../lib/index.js';
import { growableF32, resizableF32, transfer } from '../helpers/buffers.js';
import { validCalls } from './valid-calls.js';

const runs = Number(process.env.GG_FUZZ_JS_RUNS ?? 60);

// Not fuzzed, with the reason. Error classes take any message; gradguard.dist drives MPI (its own
// tests run it under mpirun); the abstract bases are not meant to be constructed.
const EXCLUDED: Record<string, string> = {
  GradGuardError: 'an Error subclass: any message is fine',
  NonFiniteGradientError: 'an Error subclass built by clipGradNorm',
  'nn.StateDictError': 'an Error subclass',
  'train.NonFiniteLossError': 'an Error subclass built by the Trainer',
};
const isExcluded = (name: string): boolean => name.startsWith('dist.') || name in EXCLUDED;

/** Every exported function and class, as [dotted name, value]. */
function publicFunctions(): [string, (...a: unknown[]) => unknown][] {
  const out: [string, (...a: unknown[]) => unknown][] = [];
  const walk = (o: Record<string, unknown>, prefix: string, depth: number): void => {
    for (const [k, v] of Object.entries(o)) {
      if (typeof v === 'function') out.push([prefix + k, v as (...a: unknown[]) => unknown]);
      else if (v && typeof v === 'object' && !ArrayBuffer.isView(v) && depth < 2) walk(v as Record<string, unknown>, `${prefix}${k}.`, depth + 1);
    }
  };
  walk(gg as unknown as Record<string, unknown>, '', 0);
  return out.filter(([n]) => !isExcluded(n));
}

const isClass = (f: unknown): boolean => typeof f === 'function' && /^class\b/.test(Function.prototype.toString.call(f));

/** A detached Float32Array (its buffer transferred away). */
function detachedF32(n: number): Float32Array {
  const a = new Float32Array(n);
  transfer(a);
  return a;
}

/** Values of every kind, built afresh per run so no call sees another's writes. */
function valuePool(): fc.Arbitrary<() => unknown> {
  const overlapBase = new Float32Array(16).map((_, i) => i);
  const vals: (() => unknown)[] = [
    () => 0, () => 1, () => 2, () => 3, () => 7, () => -1, () => 0.5, () => -0, () => NaN, () => Infinity, () => -Infinity, () => 2 ** 53, () => 1e300,
    () => '', () => 'a', () => 'relu', () => 'js', () => 'native', () => 'avx2', () => 'mean',
    () => true, () => false, () => null, () => undefined, () => 10n, () => Symbol('s'),
    () => ({}), () => ({ foo: 1 }), () => ({ lr: 0.1 }), () => ({ batch: 2, inFeatures: 3, outFeatures: 1 }), () => ({ normType: 2, maxNorm: 1 }),
    () => Object.create(null), () => new Date(0), () => /x/, () => new Map(),
    () => () => 1, () => async () => 1,
    () => new Float32Array(0), () => new Float32Array(1).fill(0.5), () => new Float32Array([1, NaN, -Infinity, 3e38, -2, 0, 5]),
    () => new Float32Array(12).map((_, i) => i - 6), () => new Float64Array(3).fill(1), () => new Int32Array([0, 1, 2]), () => new Int32Array([-1, 99]), () => new Uint8Array(4),
    () => detachedF32(8), () => resizableF32(8), () => growableF32(8), () => new Float32Array(new SharedArrayBuffer(32)),
    () => overlapBase.subarray(0, 8), () => overlapBase.subarray(4, 12), () => new Float32Array(overlapBase.buffer, 4, 3),
    () => [], () => [new Float32Array(3), new Float32Array(3)], () => [new Float32Array(3), 'x'], () => [new Float32Array(2), new Float64Array(2)],
    () => [new Float32Array(4), new Float32Array(4)].map((a, i, all) => (i === 1 ? all[0] : a)), () => [[2, 3]], () => [2, 3], () => [-1], () => [NaN],
    () => new gg.nn.Linear(2, 3, { seed: 1 }), () => gg.nn.tensor(new Float32Array(6), [2, 3]), () => ({ data: new Float32Array(2), shape: [3] }),
    () => gg.createParamStore([[2, 2], [3]]), () => new gg.Rng(1),
  ];
  return fc.constantFrom(...vals);
}

/** Every typed array reachable in the arguments (two levels into arrays and plain objects). */
function typedArraysIn(args: unknown[]): ArrayBufferView[] {
  const found: ArrayBufferView[] = [];
  const walk = (v: unknown, depth: number): void => {
    if (ArrayBuffer.isView(v)) found.push(v);
    else if (Array.isArray(v) && depth < 2) v.forEach((x) => walk(x, depth + 1));
    else if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype && depth < 2) Object.values(v).forEach((x) => walk(x, depth + 1));
  };
  args.forEach((a) => walk(a, 0));
  return found;
}

const bytesOf = (v: ArrayBufferView): number[] => (v.byteLength === 0 ? [] : Array.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)));

/** The call's outcome: undefined when it returned, else what it threw or rejected with. */
async function outcome(f: (...a: unknown[]) => unknown, args: unknown[], construct: boolean): Promise<unknown> {
  try {
    const r = construct ? new (f as unknown as new (...a: unknown[]) => unknown)(...args) : f(...args);
    if (r instanceof Promise) await r;
    return undefined;
  } catch (e) {
    return e ?? new Error('threw a nullish value');
  }
}

/** Why `e` is not an acceptable argument error, or '' when it is. */
function badError(e: unknown): string {
  // An I/O failure of a function given a path (readCheckpoint('relu'): ENOENT) is Node's own system
  // error, with its errno code and syscall: what the file-taking functions document.
  if (e instanceof Error && typeof (e as NodeJS.ErrnoException).syscall === 'string' && /^E[A-Z]+$/.test(String((e as NodeJS.ErrnoException).code))) return '';
  if (!(e instanceof TypeError || e instanceof RangeError || e instanceof gg.GradGuardError)) return `threw ${String(e)} (${(e as Error)?.constructor?.name})`;
  const code = (e as { code?: unknown }).code;
  if (typeof code !== 'string' || !code.startsWith('ERR_')) return `threw a ${e.constructor.name} without an ERR_* code (not one of the library's checks): ${e.message}`;
  return '';
}

describe('every public function and constructor, called with arguments of every kind', () => {
  const cwd = process.cwd();
  const isa = gg.backendInfo().isa;
  const backend = gg.backendInfo().backend;
  const threads = gg.getNumThreads();
  beforeAll(() => process.chdir(mkdtempSync(join(tmpdir(), 'gradguard-api-fuzz-')))); // saveCheckpoint/writeReport may write
  afterAll(() => process.chdir(cwd));

  it('finds the public API (and excludes only what it lists)', () => {
    expect(publicFunctions().length).toBeGreaterThan(100);
  });

  const restore = (): void => {
    // Global settings a valid call may change (setNumThreads(2), useBackend('js'), setIsa): restored.
    gg.useBackend(backend);
    if (backend === 'native') gg.setIsa(isa);
    gg.setNumThreads(threads);
  };

  /** Calls f; throws (failing the property) unless it returned or threw an acceptable error with its arrays intact. */
  async function check(name: string, f: (...a: unknown[]) => unknown, args: unknown[]): Promise<void> {
    const arrays = typedArraysIn(args);
    const before = arrays.map(bytesOf);
    const e = await outcome(f, args, isClass(f));
    restore();
    if (e === undefined) return;
    const why = badError(e);
    if (why) throw new Error(`${name}(${args.map(describeArg).join(', ')}): ${why}`);
    arrays.forEach((a, i) => {
      if (a.byteLength !== 0 && bytesOf(a).some((b, j) => b !== before[i][j])) throw new Error(`${name}(${args.map(describeArg).join(', ')}): threw "${(e as Error).message}", but changed argument array ${i} (${a.constructor.name}(${(a as Float32Array).length}))`);
    });
  }

  it.each(publicFunctions().map(([n, f]) => [n, f] as const))('%s: any arguments: returns, or throws an ERR_* TypeError/RangeError/GradGuardError and changes no argument', async (name, f) => {
    const arity = Math.max(f.length, 1);
    await fc.assert(
      fc.asyncProperty(fc.array(valuePool(), { minLength: arity - 1, maxLength: arity + 1 }), async (makers) => check(name, f, makers.map((m) => m())) ),
      { numRuns: runs, seed: 20261207 },
    );
  });

  const fn = (name: string): ((...a: unknown[]) => unknown) => name.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], gg) as (...a: unknown[]) => unknown;

  it.each(Object.keys(validCalls))('%s: a valid call with one argument or option field replaced: the same rule', async (name) => {
    const f = fn(name);
    // The template itself is valid: otherwise every mutation would stop at the same first check.
    expect(await outcome(f, validCalls[name](), false)).toBeUndefined();
    restore();
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.nat(), valuePool(), fc.boolean(), async (argPick, fieldPick, value, addKey) => {
        const args = validCalls[name]();
        const i = argPick % args.length;
        const target = args[i];
        if (target && typeof target === 'object' && !Array.isArray(target) && !ArrayBuffer.isView(target) && Object.getPrototypeOf(target) === Object.prototype) {
          // An options / weights / shape object: replace one of its fields, or add an unknown one.
          const keys = Object.keys(target);
          const key = addKey || keys.length === 0 ? 'bogusKey' : keys[fieldPick % keys.length];
          (target as Record<string, unknown>)[key] = value();
        } else {
          args[i] = value();
        }
        await check(name, f, args);
      }),
      { numRuns: runs * 2, seed: 20261207 },
    );
  });
});

function describeArg(a: unknown): string {
  if (ArrayBuffer.isView(a)) return `${a.constructor.name}(${(a as Float32Array).length})`;
  if (Array.isArray(a)) return `[${a.map(describeArg).join(', ')}]`;
  if (typeof a === 'function') return 'function';
  if (typeof a === 'symbol' || typeof a === 'bigint') return String(a);
  if (a && typeof a === 'object') return a.constructor?.name === 'Object' ? JSON.stringify(a) : `${a.constructor?.name ?? 'Object'}`;
  return String(a);
}

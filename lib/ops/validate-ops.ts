/** Argument checks shared by the ops: dimensions, buffer lengths, aliasing, hyper-parameters. */
import { invalidArg } from '../errors.js';
import { checkFloat32Array, checkOptions } from '../validate.js';

export { checkOptions };

/** A Float32Array (not detached). */
export function f32(name: string, v: unknown): Float32Array {
  checkFloat32Array(name, v);
  return v;
}

/** A Float32Array, or null/undefined (→ null). */
export function optionalF32(name: string, v: unknown): Float32Array | null {
  if (v === null || v === undefined) return null;
  return f32(name, v);
}

/** A non-negative safe integer (a dimension). */
export function dim(name: string, v: unknown): number {
  if (typeof v !== 'number') invalidArg(name, 'a non-negative integer', v);
  if (!Number.isSafeInteger(v) || v < 0) invalidArg(name, 'a non-negative integer', v, 'range');
  return v;
}

/** A number that is not NaN (±Infinity allowed unless `finite`). */
export function num(name: string, v: unknown, finite = false): number {
  if (typeof v !== 'number') invalidArg(name, finite ? 'a finite number' : 'a number', v);
  if (Number.isNaN(v) || (finite && !Number.isFinite(v))) invalidArg(name, finite ? 'a finite number' : 'a number (not NaN)', v, 'range');
  return v;
}

export function bool(name: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') invalidArg(name, 'a boolean', v);
  return v;
}

/** Throws a RangeError unless `t` holds at least `count` elements. */
export function atLeast(name: string, t: Float32Array | Int32Array, count: number, what: string): void {
  if (t.length < count) invalidArg(name, `at least ${count} elements (${what})`, t, 'range');
}

/** Throws a RangeError unless `t` holds exactly `count` elements. */
export function exactly(name: string, t: Float32Array | Int32Array, count: number, what: string): void {
  if (t.length !== count) invalidArg(name, `${count} elements (${what})`, t, 'range');
}

function overlap(a: ArrayBufferView, b: ArrayBufferView): boolean {
  if (a.buffer !== b.buffer || a.byteLength === 0 || b.byteLength === 0) return false;
  return a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}

function same(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return a.buffer === b.buffer && a.byteOffset === b.byteOffset && a.byteLength === b.byteLength;
}

/**
 * An output must not share memory with an input; with `exactOk` it may be the very same memory
 * (elementwise ops read each element before writing it), but never a partial overlap.
 */
export function noAlias(outName: string, out: ArrayBufferView, inName: string, input: ArrayBufferView | null, exactOk = false): void {
  if (!input || !overlap(out, input)) return;
  if (exactOk && same(out, input)) return;
  invalidArg(
    outName,
    exactOk ? `memory that is either ${inName} itself or disjoint from it (not a partial overlap)` : `memory disjoint from ${inName}`,
    out,
    'range',
  );
}

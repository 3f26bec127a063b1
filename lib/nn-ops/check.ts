/** Argument checks shared by the nn-ops entry points. */
import { invalidArg } from '../errors.js';
import { checkFloat32Array } from '../validate.js';

/** A Float32Array of exactly `len` elements. */
export function checkLength(name: string, t: unknown, len: number): Float32Array {
  checkFloat32Array(name, t);
  if (t.length !== len) invalidArg(name, `a Float32Array of ${len} elements`, t, 'range');
  return t;
}

/** An optional Float32Array (undefined/null → null) of exactly `len` elements. */
export function optLength(name: string, t: unknown, len: number): Float32Array | null {
  return t === undefined || t === null ? null : checkLength(name, t, len);
}

/** A Float64Array of exactly `len` elements. */
export function checkF64(name: string, t: unknown, len: number): Float64Array {
  if (!(t instanceof Float64Array)) invalidArg(name, 'a Float64Array', t);
  if (t.length !== len) invalidArg(name, `a Float64Array of ${len} elements`, t, 'range');
  return t;
}

/** A non-negative safe integer dimension. */
export function checkDim(name: string, v: unknown, min = 0): number {
  if (typeof v !== 'number') invalidArg(name, `an integer >= ${min}`, v);
  if (!Number.isSafeInteger(v) || v < min) invalidArg(name, `an integer >= ${min}`, v, 'range');
  return v;
}

/** A finite number (default when undefined). */
export function finiteOr(name: string, v: unknown, dflt: number, min = -Infinity): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number') invalidArg(name, 'a finite number', v);
  if (!Number.isFinite(v) || v < min) invalidArg(name, `a finite number >= ${min}`, v, 'range');
  return v;
}

/** A boolean (default when undefined). */
export function boolOr(name: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') invalidArg(name, 'a boolean', v);
  return v;
}

/** A [d0, d1] shape of non-negative integers. */
export function checkShape2(name: string, v: unknown): [number, number] {
  if (!Array.isArray(v) || v.length !== 2) invalidArg(name, 'a [rows, columns] array', v);
  return [checkDim(`${name}[0]`, v[0]), checkDim(`${name}[1]`, v[1])];
}

const overlaps = (a: Float32Array, b: Float32Array): boolean =>
  a.buffer === b.buffer && a.length > 0 && b.length > 0 && a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;

/**
 * Each output must share no memory with another output or with any input (the kernels read
 * inputs after writing outputs). Null entries are skipped.
 * @throws {RangeError} naming both arguments.
 */
export function checkDisjoint(outputs: ReadonlyArray<readonly [string, Float32Array | null]>, inputs: ReadonlyArray<readonly [string, Float32Array | null]>): void {
  for (let i = 0; i < outputs.length; i++) {
    const [name, out] = outputs[i];
    if (!out) continue;
    for (const [other, t] of [...outputs.slice(i + 1), ...inputs]) {
      if (t && overlaps(out, t)) invalidArg(name, `an array that shares no memory with ${other}`, out, 'range');
    }
  }
}

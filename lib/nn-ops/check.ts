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

/** A named array for checkDisjoint and runAsync. */
export type Named = readonly [name: string, t: Float32Array | Float64Array | null];
/** An output; `inPlaceOf` names the one input it may be exactly (same memory), per its TSDoc. */
export type NamedOut = readonly [name: string, t: Float32Array | Float64Array | null, inPlaceOf?: string];

const overlaps = (a: ArrayBufferView, b: ArrayBufferView): boolean =>
  a.buffer === b.buffer && a.byteLength > 0 && b.byteLength > 0 && a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;

const same = (a: ArrayBufferView, b: ArrayBufferView): boolean =>
  a.buffer === b.buffer && a.byteOffset === b.byteOffset && a.byteLength === b.byteLength;

/**
 * Each output must share no memory with another output or with any input (the kernels read
 * inputs after writing outputs), except that an output may be exactly its `inPlaceOf` input (the
 * kernel reads each of its elements before writing it). Null entries are skipped.
 * @returns outputs and inputs as one list (what an *Async call must keep; see runAsync).
 * @throws {RangeError} naming both arguments.
 */
export function checkDisjoint(outputs: readonly NamedOut[], inputs: readonly Named[]): Named[] {
  for (let i = 0; i < outputs.length; i++) {
    const [name, out, inPlaceOf] = outputs[i];
    if (!out) continue;
    for (const [other, t] of [...outputs.slice(i + 1), ...inputs]) {
      if (!t || !overlaps(out, t)) continue;
      if (other === inPlaceOf && same(out, t)) continue;
      const expected = other === inPlaceOf ? `either ${other} itself (in place) or an array that shares no memory with it` : `an array that shares no memory with ${other}`;
      invalidArg(name, expected, out, 'range');
    }
  }
  return [...outputs.map(([n, t]): Named => [n, t]), ...inputs];
}

/** The backward outputs of BatchNorm1d and LayerNorm: disjoint from everything, but gradX may be gradY. */
export function checkNormGrads(
  gradX: Float32Array, gradWeight: Float32Array, gradBias: Float32Array, gradY: Float32Array, x: Float32Array,
  weight: Float32Array | null, saveMean: Float64Array, saveInvstd: Float64Array,
): Named[] {
  return checkDisjoint(
    [['options.gradX', gradX, 'gradY'], ['options.gradWeight', gradWeight], ['options.gradBias', gradBias]],
    [['gradY', gradY], ['x', x], ['options.weight', weight], ['saved.saveMean', saveMean], ['saved.saveInvstd', saveInvstd]],
  );
}

/**
 * A threshold the native kernel takes as float32: 0 (off, the default) or a positive number that
 * stays positive and finite in float32. Returns it rounded to float32 (Math.fround), the value
 * both backends then use.
 */
export function checkFloat32Threshold(name: string, v: unknown): number {
  if (v === undefined) return 0;
  const allowed = '0 (off) or a number that stays positive and finite in float32 (about 1.4e-45 to 3.4e38)';
  if (typeof v !== 'number') invalidArg(name, allowed, v);
  const f = Math.fround(v);
  if (!(v >= 0) || !Number.isFinite(f) || (v > 0 && f === 0)) invalidArg(name, allowed, v, 'range');
  return f;
}

/**
 * Checks of scalar and options arguments (sharp's `is.*`): each returns the value it accepted or
 * throws a TypeError (wrong type) / RangeError (wrong value) naming the argument (errors.ts).
 */
import { invalidArg } from '../errors.js';
import { closest } from './suggest.js';

/** A plain object (or undefined → {}) whose keys are not options: a state dict, a grads record. */
export function checkObject(name: string, v: unknown): Record<string, unknown> {
  if (v === undefined) return {};
  if (v === null || typeof v !== 'object' || Array.isArray(v)) invalidArg(name, 'an object', v);
  return v as Record<string, unknown>;
}

/**
 * The accepted keys of an options type T, checked at compile time to be exactly `keyof T`: a key
 * missing from the list (an option added to the type but not to its check) or not in T is a type
 * error. `const KEYS = optionKeys<SGDOptions>()(['lr', 'momentum', ...]);`
 */
export function optionKeys<T>() {
  return <const K extends readonly (keyof T & string)[]>(
    keys: K & ([Exclude<keyof T, K[number]>] extends [never] ? unknown : { missingKeys: Exclude<keyof T, K[number]> }),
  ): K => keys;
}

/**
 * A plain options object (or undefined → {}) with only the `allowed` keys. `name` names the
 * function and the argument, e.g. `new SGD: options`. An unknown key (also one whose value is
 * undefined) is a TypeError (`ERR_INVALID_ARG_TYPE`) naming it, the accepted keys and the closest
 * one; a key in `notYet` is refused as not supported yet. Nothing is read before the check.
 */
export function checkOptions(name: string, v: unknown, allowed: readonly string[], notYet: readonly string[] = []): Record<string, unknown> {
  if (v === undefined) return {};
  if (v === null || typeof v !== 'object' || Array.isArray(v) || ArrayBuffer.isView(v)) invalidArg(name, 'an options object', v);
  for (const key of Object.keys(v)) {
    if (allowed.includes(key)) continue;
    const accepted = allowed.length ? `the options are ${allowed.join(', ')}` : 'it takes no options';
    let message: string;
    if (notYet.includes(key)) message = `${name}.${key} is not supported yet; ${accepted}`;
    else {
      const near = closest(key, allowed);
      message = `${name}.${key} is not an option${near ? ` (did you mean ${near}?)` : ''}; ${accepted}`;
    }
    const e = new TypeError(message) as TypeError & { code: string };
    e.code = 'ERR_INVALID_ARG_TYPE';
    throw e;
  }
  return v as Record<string, unknown>;
}

/** A boolean; with a default, undefined gives the default. */
export function checkBoolean(name: string, v: unknown, dflt?: boolean): boolean {
  if (v === undefined && dflt !== undefined) return dflt;
  if (typeof v !== 'boolean') invalidArg(name, 'a boolean', v);
  return v;
}

/** A dimension: a safe integer >= min (default 0). */
export function checkDim(name: string, v: unknown, min = 0): number {
  const expected = min === 0 ? 'a non-negative integer' : `an integer >= ${min}`;
  if (typeof v !== 'number') invalidArg(name, expected, v);
  if (!Number.isSafeInteger(v) || v < min) invalidArg(name, expected, v, 'range');
  return v;
}

/** A [d0, d1] shape of non-negative integers. */
export function checkShape2(name: string, v: unknown): [number, number] {
  if (!Array.isArray(v) || v.length !== 2) invalidArg(name, 'a [rows, columns] array', v);
  return [checkDim(`${name}[0]`, v[0]), checkDim(`${name}[1]`, v[1])];
}

/** An integer in [lo, hi]. */
export function checkInteger(name: string, v: unknown, lo: number, hi: number): number {
  if (typeof v !== 'number') invalidArg(name, `an integer from ${lo} to ${hi}`, v);
  if (!Number.isInteger(v) || v < lo || v > hi) invalidArg(name, `an integer from ${lo} to ${hi}`, v, 'range');
  return v;
}

/** A number that is not NaN (±Infinity allowed unless `finite`). */
export function checkNumber(name: string, v: unknown, finite = false): number {
  if (typeof v !== 'number') invalidArg(name, finite ? 'a finite number' : 'a number', v);
  if (Number.isNaN(v) || (finite && !Number.isFinite(v))) invalidArg(name, finite ? 'a finite number' : 'a number (not NaN)', v, 'range');
  return v;
}

/** A finite number >= min; undefined gives the default. */
export function finiteOr(name: string, v: unknown, dflt: number, min = -Infinity): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number') invalidArg(name, 'a finite number', v);
  if (!Number.isFinite(v) || v < min) invalidArg(name, `a finite number >= ${min}`, v, 'range');
  return v;
}

/** A finite or infinite number that is not NaN and is >= 0. */
export function checkNonNegative(name: string, v: unknown): number {
  if (typeof v !== 'number') invalidArg(name, 'a number', v);
  if (!(v >= 0)) invalidArg(name, 'a number >= 0 (not NaN)', v, 'range');
  return v;
}

/** A finite number > 0. */
export function checkPositiveFinite(name: string, v: unknown): number {
  if (typeof v !== 'number') invalidArg(name, 'a number', v);
  if (!(v > 0) || !Number.isFinite(v)) invalidArg(name, 'a finite number > 0', v, 'range');
  return v;
}

/** A norm order: any p > 0, or Infinity (also accepted as the string 'inf', as in PyTorch). */
export function checkNormType(name: string, v: unknown): number {
  if (v === 'inf' || v === 'Infinity') return Infinity;
  if (typeof v !== 'number') invalidArg(name, 'a number > 0 or Infinity', v);
  if (!(v > 0)) invalidArg(name, 'a number > 0 or Infinity', v, 'range');
  return v;
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

/**
 * The golden file format (../shared/golden/README.md): decoding tensors and scalars, and the
 * comparison rule. Anything not understood is an error, never a skip.
 */
export interface GoldenTensor {
  shape: number[];
  dtype: 'float32' | 'int32';
  data: (number | string)[];
}

export interface GoldenCase {
  name: string;
  params: Record<string, unknown>;
  inputs: Record<string, GoldenTensor>;
  outputs: Record<string, GoldenTensor | number | string>;
  rtol: number;
  atol: number;
  [extra: string]: unknown;
}

export interface GoldenFile {
  op: string;
  cases: GoldenCase[];
  [extra: string]: unknown;
}

export const FILE_KEYS = new Set(['op', 'torch', 'numpy', 'description', 'formula', 'axis_convention', 'cases']);
export const CASE_KEYS = new Set(['name', 'params', 'inputs', 'outputs', 'rtol', 'atol', 'note']);

/** A value computed by the library: a scalar or a tensor with its shape. */
export type Actual = number | { shape: readonly number[]; data: ArrayLike<number> };

export class FormatError extends Error {}

export function decodeNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  throw new FormatError(`not a number: ${JSON.stringify(v)}`);
}

export function decodeTensor(name: string, t: unknown): { shape: number[]; data: Float32Array | Int32Array } {
  const g = t as GoldenTensor;
  if (!g || typeof g !== 'object' || !Array.isArray(g.shape) || !Array.isArray(g.data)) {
    throw new FormatError(`${name}: not a tensor`);
  }
  for (const k of Object.keys(g)) if (!['shape', 'dtype', 'data'].includes(k)) throw new FormatError(`${name}: unknown tensor field "${k}"`);
  const count = g.shape.reduce((a, b) => a * b, 1);
  if (g.data.length !== count) throw new FormatError(`${name}: ${g.data.length} values for shape [${g.shape}]`);
  if (g.dtype === 'float32') return { shape: g.shape, data: Float32Array.from(g.data, decodeNumber) };
  if (g.dtype === 'int32') return { shape: g.shape, data: Int32Array.from(g.data as number[]) };
  throw new FormatError(`${name}: unknown dtype "${String(g.dtype)}"`);
}

/** README's rule: NaN ↔ NaN, ±Inf ↔ same infinity, else finite and |a − e| ≤ atol + rtol·|e|. */
export function matches(a: number, e: number, rtol: number, atol: number): boolean {
  if (Number.isNaN(e)) return Number.isNaN(a);
  if (!Number.isFinite(e)) return a === e;
  return Number.isFinite(a) && Math.abs(a - e) <= atol + rtol * Math.abs(e);
}

/** Compares one output; returns a description of the first mismatch, or null. */
export function compareOutput(name: string, expected: unknown, actual: Actual | undefined, rtol: number, atol: number): string | null {
  if (actual === undefined) return `${name}: not produced`;
  if (typeof expected === 'number' || typeof expected === 'string') {
    if (typeof actual !== 'number') return `${name}: expected a scalar`;
    const e = decodeNumber(expected);
    return matches(actual, e, rtol, atol) ? null : `${name}: got ${actual}, expected ${e}`;
  }
  const t = decodeTensor(name, expected);
  if (typeof actual === 'number') return `${name}: expected a tensor of shape [${t.shape}]`;
  if (actual.shape.length !== t.shape.length || actual.shape.some((d, i) => d !== t.shape[i])) {
    return `${name}: shape [${actual.shape}], expected [${t.shape}]`;
  }
  if (actual.data.length !== t.data.length) return `${name}: ${actual.data.length} values, expected ${t.data.length}`;
  for (let i = 0; i < t.data.length; i++) {
    if (!matches(actual.data[i], t.data[i], rtol, atol)) {
      return `${name}[${i}]: got ${actual.data[i]}, expected ${t.data[i]} (rtol ${rtol}, atol ${atol})`;
    }
  }
  return null;
}

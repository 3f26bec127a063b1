import { decodeNumber, decodeTensor, FormatError, type GoldenCase } from '../format.js';

/** The float32 tensors named `${prefix}0 … ${prefix}{n-1}`, decoded into fresh arrays. */
export function numbered(c: GoldenCase, prefix: string, n: number): { shape: number[]; data: Float32Array }[] {
  const out = [];
  for (let i = 0; i < n; i++) {
    const t = c.inputs[`${prefix}${i}`];
    if (t === undefined) throw new FormatError(`input ${prefix}${i} missing`);
    const d = decodeTensor(`${prefix}${i}`, t);
    if (!(d.data instanceof Float32Array)) throw new FormatError(`${prefix}${i} must be float32`);
    out.push({ shape: d.shape, data: d.data });
  }
  return out;
}

export function numParam(c: GoldenCase, name: string): number {
  if (!(name in c.params)) throw new FormatError(`param ${name} missing`);
  return decodeNumber(c.params[name]);
}

export function boolParam(c: GoldenCase, name: string): boolean {
  const v = c.params[name];
  if (typeof v !== 'boolean') throw new FormatError(`param ${name} must be a boolean`);
  return v;
}

import { ops } from '../../../lib/index.js';
import { decodeTensor, FormatError } from '../format.js';
import type { OpHandler } from './types.js';
import { boolParam, numParam } from './util.js';

export function f32Input(c: { inputs: Record<string, unknown> }, name: string): { shape: number[]; data: Float32Array } {
  const t = c.inputs[name];
  if (t === undefined) throw new FormatError(`input ${name} missing`);
  const d = decodeTensor(name, t);
  if (!(d.data instanceof Float32Array)) throw new FormatError(`${name} must be float32`);
  return { shape: d.shape, data: d.data };
}

/** torch.addmm: c = alpha·op(a)·op(b) + beta·c. */
export const matmulOp: OpHandler = {
  params: ['m', 'n', 'k', 'trans_a', 'trans_b', 'alpha', 'beta'],
  input: /^(a|b|c)$/,
  output: /^c$/,
  run(c) {
    const a = f32Input(c, 'a');
    const b = f32Input(c, 'b');
    const cc = f32Input(c, 'c');
    ops.matmul(a.data, b.data, cc.data, {
      m: numParam(c, 'm'),
      n: numParam(c, 'n'),
      k: numParam(c, 'k'),
      transA: boolParam(c, 'trans_a'),
      transB: boolParam(c, 'trans_b'),
      alpha: numParam(c, 'alpha'),
      beta: numParam(c, 'beta'),
    });
    return { outputs: { c: cc } };
  },
};

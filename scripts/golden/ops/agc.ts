import { agcClip } from '../../../lib/index.js';
import type { OpHandler } from './types.js';
import { numbered, numParam } from './util.js';

/** Unit-wise adaptive gradient clipping (NFNets), reference in float64 numpy. */
export const agcOp: OpHandler = {
  params: ['clipping', 'eps', 'num_tensors'],
  input: /^(param|grad)\d+$/,
  output: /^grad\d+$/,
  run(c) {
    const n = numParam(c, 'num_tensors');
    const params = numbered(c, 'param', n);
    const grads = numbered(c, 'grad', n);
    agcClip(params.map((p) => p.data), grads.map((g) => g.data), {
      clipping: numParam(c, 'clipping'),
      eps: numParam(c, 'eps'),
      shapes: params.map((p) => p.shape),
    });
    return { outputs: Object.fromEntries(grads.map((g, i) => [`grad${i}`, g])) };
  },
};

import { clipGradValue } from '../../../lib/index.js';
import type { OpHandler } from './types.js';
import { numbered, numParam } from './util.js';

/** torch.nn.utils.clip_grad_value_ (exact). */
export const clipGradValueOp: OpHandler = {
  params: ['clip_value', 'num_tensors'],
  input: /^grad\d+$/,
  output: /^grad\d+$/,
  run(c) {
    const grads = numbered(c, 'grad', numParam(c, 'num_tensors'));
    clipGradValue(grads.map((g) => g.data), numParam(c, 'clip_value'));
    return { outputs: Object.fromEntries(grads.map((g, i) => [`grad${i}`, g])) };
  },
};

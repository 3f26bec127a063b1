import { ops } from '../../../lib/index.js';
import { FormatError } from '../format.js';
import { f32Input } from './batchnorm1d.js';
import type { OpHandler } from './types.js';
import { numParam } from './util.js';

/** torch.softmax / torch.log_softmax over the last dimension, forward and backward. */
export const softmaxOp: OpHandler = {
  params: ['fn', 'dim'],
  input: /^(x|grad_y)$/,
  output: /^(y|grad_x)$/,
  run(c) {
    const fn = c.params.fn;
    if (fn !== 'softmax' && fn !== 'log_softmax') throw new FormatError(`unknown fn ${String(fn)}`);
    if (numParam(c, 'dim') !== -1) throw new FormatError('dim must be -1');
    const x = f32Input(c, 'x');
    const gy = f32Input(c, 'grad_y');
    const cols = x.shape[x.shape.length - 1];
    const rows = cols === 0 ? 0 : x.data.length / cols;
    const options = { rows, cols };
    const y = new Float32Array(x.data.length).fill(NaN);
    const gx = new Float32Array(x.data.length).fill(NaN);
    if (fn === 'softmax') {
      ops.softmax(x.data, y, options);
      ops.softmaxBackward(y, gy.data, gx, options);
    } else {
      ops.logSoftmax(x.data, y, options);
      ops.logSoftmaxBackward(y, gy.data, gx, options);
    }
    return { outputs: { y: { shape: x.shape, data: y }, grad_x: { shape: x.shape, data: gx } } };
  },
};

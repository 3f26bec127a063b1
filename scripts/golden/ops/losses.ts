import { ops } from '../../../lib/index.js';
import { decodeTensor, FormatError } from '../format.js';
import type { OpHandler } from './types.js';
import { f32Input } from './matmul.js';
import { numParam } from './util.js';

/** mse_loss, cross_entropy (int32 labels), binary_cross_entropy_with_logits, with their gradients. */
export const lossesOp: OpHandler = {
  params: ['loss', 'reduction', 'num_classes'],
  input: /^(input|target)$/,
  output: /^(loss|grad_input)$/,
  run(c) {
    const loss = c.params.loss;
    const reduction = c.params.reduction;
    const x = f32Input(c, 'input');
    const grad = new Float32Array(x.data.length).fill(NaN);
    let value: number;
    if (loss === 'mse_loss') {
      if (reduction !== 'mean' && reduction !== 'sum') throw new FormatError(`mse reduction ${JSON.stringify(reduction)}`);
      if ('num_classes' in c.params) throw new FormatError('num_classes does not apply to mse_loss');
      value = ops.mseLoss(x.data, f32Input(c, 'target').data, grad, { reduction });
    } else if (loss === 'cross_entropy') {
      if (reduction !== 'mean') throw new FormatError(`cross_entropy reduction ${JSON.stringify(reduction)}`);
      const t = decodeTensor('target', c.inputs.target);
      if (!(t.data instanceof Int32Array)) throw new FormatError('cross_entropy target must be int32');
      value = ops.crossEntropyLoss(x.data, t.data, grad, { numClasses: numParam(c, 'num_classes') });
    } else if (loss === 'binary_cross_entropy_with_logits') {
      if (reduction !== 'mean') throw new FormatError(`bce reduction ${JSON.stringify(reduction)}`);
      if ('num_classes' in c.params) throw new FormatError('num_classes does not apply to bce');
      value = ops.bceWithLogitsLoss(x.data, f32Input(c, 'target').data, grad);
    } else {
      throw new FormatError(`unknown loss ${JSON.stringify(loss)}`);
    }
    return { outputs: { loss: value, grad_input: { shape: x.shape, data: grad } } };
  },
};

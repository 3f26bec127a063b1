import { ops } from '../../../lib/index.js';
import { FormatError } from '../format.js';
import { f32Input } from './batchnorm1d.js';
import type { OpHandler } from './types.js';
import { boolParam, numParam } from './util.js';

/** torch.nn.LayerNorm over the last dimension: forward and backward. */
export const layernormOp: OpHandler = {
  params: ['normalized_shape', 'eps', 'elementwise_affine'],
  input: /^(x|weight|bias|grad_y)$/,
  output: /^(y|grad_x|grad_weight|grad_bias)$/,
  run(c) {
    if (!boolParam(c, 'elementwise_affine')) throw new FormatError('elementwise_affine must be true');
    const ns = c.params.normalized_shape;
    if (!Array.isArray(ns) || ns.length !== 1 || typeof ns[0] !== 'number') throw new FormatError('normalized_shape must be [D]');
    const d = ns[0];
    const x = f32Input(c, 'x');
    if (x.shape[x.shape.length - 1] !== d) throw new FormatError('the last dimension of x must be D');
    const weight = f32Input(c, 'weight').data;
    const fwd = ops.layerNorm(x.data, d, { weight, bias: f32Input(c, 'bias').data, eps: numParam(c, 'eps') });
    const g = ops.layerNormBackward(f32Input(c, 'grad_y').data, x.data, d, fwd, { weight });
    return {
      outputs: {
        y: { shape: x.shape, data: fwd.y },
        grad_x: { shape: x.shape, data: g.gradX },
        grad_weight: { shape: [d], data: g.gradWeight },
        grad_bias: { shape: [d], data: g.gradBias },
      },
    };
  },
};

import { ops } from '../../../lib/index.js';
import type { OpHandler } from './types.js';
import { f32Input } from './matmul.js';
import { boolParam, numParam } from './util.js';

/** F.linear forward and backward. */
export const linearOp: OpHandler = {
  params: ['batch', 'in_features', 'out_features', 'bias'],
  input: /^(x|weight|bias|grad_y)$/,
  output: /^(y|grad_x|grad_weight|grad_bias)$/,
  run(c) {
    const batch = numParam(c, 'batch');
    const inFeatures = numParam(c, 'in_features');
    const outFeatures = numParam(c, 'out_features');
    const hasBias = boolParam(c, 'bias');
    const x = f32Input(c, 'x');
    const w = f32Input(c, 'weight');
    const bias = hasBias ? f32Input(c, 'bias') : null;
    const gy = f32Input(c, 'grad_y');
    const shape = { batch, inFeatures, outFeatures };
    const y = new Float32Array(batch * outFeatures);
    ops.linearForward(x.data, w.data, bias ? bias.data : null, y, shape);
    // Output buffers start as garbage: the op must overwrite them (accumulate is off).
    const gradX = new Float32Array(batch * inFeatures).fill(NaN);
    const gradWeight = new Float32Array(outFeatures * inFeatures).fill(NaN);
    const gradBias = hasBias ? new Float32Array(outFeatures).fill(NaN) : null;
    ops.linearBackward(x.data, w.data, gy.data, { gradX, gradWeight, gradBias }, shape);
    const outputs: Record<string, { shape: number[]; data: Float32Array }> = {
      y: { shape: [batch, outFeatures], data: y },
      grad_x: { shape: x.shape, data: gradX },
      grad_weight: { shape: w.shape, data: gradWeight },
    };
    if (gradBias && bias) outputs.grad_bias = { shape: bias.shape, data: gradBias };
    return { outputs };
  },
};

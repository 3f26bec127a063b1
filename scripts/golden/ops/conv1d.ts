import { ops } from '../../../lib/index.js';
import type { OpHandler } from './types.js';
import { f32Input } from './matmul.js';
import { boolParam, numParam } from './util.js';

/** F.conv1d forward and backward (NCL, weight [out, in/groups, k]). */
export const conv1dOp: OpHandler = {
  params: ['batch', 'in_channels', 'out_channels', 'length', 'kernel_size', 'stride', 'padding', 'dilation', 'groups', 'bias'],
  input: /^(x|weight|bias|grad_y)$/,
  output: /^(y|grad_x|grad_weight|grad_bias)$/,
  run(c) {
    const options = {
      batch: numParam(c, 'batch'),
      inChannels: numParam(c, 'in_channels'),
      outChannels: numParam(c, 'out_channels'),
      length: numParam(c, 'length'),
      kernelSize: numParam(c, 'kernel_size'),
      stride: numParam(c, 'stride'),
      padding: numParam(c, 'padding'),
      dilation: numParam(c, 'dilation'),
      groups: numParam(c, 'groups'),
    };
    const hasBias = boolParam(c, 'bias');
    const x = f32Input(c, 'x');
    const w = f32Input(c, 'weight');
    const bias = hasBias ? f32Input(c, 'bias') : null;
    const gy = f32Input(c, 'grad_y');
    const yShape = [options.batch, options.outChannels, ops.conv1dOutputLength(options)];
    // Output buffers start as garbage: the op must overwrite them (accumulate is off).
    const y = new Float32Array(yShape.reduce((a, b) => a * b, 1)).fill(NaN);
    ops.conv1dForward(x.data, w.data, bias ? bias.data : null, y, options);
    const gradX = new Float32Array(x.data.length).fill(NaN);
    const gradWeight = new Float32Array(w.data.length).fill(NaN);
    const gradBias = hasBias ? new Float32Array(options.outChannels).fill(NaN) : null;
    ops.conv1dBackward(x.data, w.data, gy.data, { gradX, gradWeight, gradBias }, options);
    const outputs: Record<string, { shape: number[]; data: Float32Array }> = {
      y: { shape: yShape, data: y },
      grad_x: { shape: x.shape, data: gradX },
      grad_weight: { shape: w.shape, data: gradWeight },
    };
    if (gradBias && bias) outputs.grad_bias = { shape: bias.shape, data: gradBias };
    return { outputs };
  },
};

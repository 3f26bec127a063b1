import { ops } from '../../../lib/index.js';
import type { OpHandler } from './types.js';
import { f32Input } from './matmul.js';
import { FormatError, type GoldenCase } from '../format.js';
import { boolParam, numParam } from './util.js';

/** A `[h, w]` list param of integers. */
function pairParam(c: GoldenCase, name: string): [number, number] {
  const v = c.params[name];
  if (!Array.isArray(v) || v.length !== 2 || !v.every((e) => typeof e === 'number')) throw new FormatError(`param ${name} must be an [h, w] list`);
  return [v[0] as number, v[1] as number];
}

/** F.conv2d forward and backward (NCHW, weight [out, in/groups, kh, kw]). */
export const conv2dOp: OpHandler = {
  params: ['batch', 'in_channels', 'out_channels', 'height', 'width', 'kernel_size', 'stride', 'padding', 'dilation', 'groups', 'bias'],
  input: /^(x|weight|bias|grad_y)$/,
  output: /^(y|grad_x|grad_weight|grad_bias)$/,
  run(c) {
    const options = {
      batch: numParam(c, 'batch'),
      inChannels: numParam(c, 'in_channels'),
      outChannels: numParam(c, 'out_channels'),
      height: numParam(c, 'height'),
      width: numParam(c, 'width'),
      kernelSize: pairParam(c, 'kernel_size'),
      stride: pairParam(c, 'stride'),
      padding: pairParam(c, 'padding'),
      dilation: pairParam(c, 'dilation'),
      groups: numParam(c, 'groups'),
    };
    const hasBias = boolParam(c, 'bias');
    const x = f32Input(c, 'x');
    const w = f32Input(c, 'weight');
    const bias = hasBias ? f32Input(c, 'bias') : null;
    const gy = f32Input(c, 'grad_y');
    const [oh, ow] = ops.conv2dOutputSize(options);
    const yShape = [options.batch, options.outChannels, oh, ow];
    // Output buffers start as garbage: the op must overwrite them (accumulate is off).
    const y = new Float32Array(yShape.reduce((a, b) => a * b, 1)).fill(NaN);
    ops.conv2dForward(x.data, w.data, bias ? bias.data : null, y, options);
    const gradX = new Float32Array(x.data.length).fill(NaN);
    const gradWeight = new Float32Array(w.data.length).fill(NaN);
    const gradBias = hasBias ? new Float32Array(options.outChannels).fill(NaN) : null;
    ops.conv2dBackward(x.data, w.data, gy.data, { gradX, gradWeight, gradBias }, options);
    const outputs: Record<string, { shape: number[]; data: Float32Array }> = {
      y: { shape: yShape, data: y },
      grad_x: { shape: x.shape, data: gradX },
      grad_weight: { shape: w.shape, data: gradWeight },
    };
    if (gradBias && bias) outputs.grad_bias = { shape: bias.shape, data: gradBias };
    return { outputs };
  },
};

import { ops } from '../../../lib/index.js';
import type { OpHandler } from './types.js';
import { runConvCase } from './conv-case.js';
import { FormatError, type GoldenCase } from '../format.js';
import { numParam } from './util.js';

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
    return runConvCase(c, options, [options.batch, options.outChannels, ...ops.conv2dOutputSize(options)], ops.conv2dForward, ops.conv2dBackward);
  },
};

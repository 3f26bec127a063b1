import { ops } from '../../../lib/index.js';
import type { OpHandler } from './types.js';
import { runConvCase } from './conv-case.js';
import { numParam } from './util.js';

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
    return runConvCase(c, options, [options.batch, options.outChannels, ops.conv1dOutputLength(options)], ops.conv1dForward, ops.conv1dBackward);
  },
};

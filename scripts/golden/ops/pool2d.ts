import { ops } from '../../../lib/index.js';
import { FormatError, type GoldenCase } from '../format.js';
import { f32Input } from './batchnorm1d.js';
import type { OpHandler } from './types.js';
import { boolParam, numParam } from './util.js';

/** A [h, w] list param of integers. */
function pairParam(c: GoldenCase, name: string): [number, number] {
  const v = c.params[name];
  if (!Array.isArray(v) || v.length !== 2 || !v.every((d) => Number.isInteger(d))) throw new FormatError(`param ${name} must be a pair of integers`);
  return [v[0] as number, v[1] as number];
}

/** F.max_pool2d / F.avg_pool2d / F.adaptive_avg_pool2d on NCHW, forward and backward. */
export const pool2dOp: OpHandler = {
  params: ['kind', 'batch', 'channels', 'height', 'width', 'kernel_size', 'stride', 'padding', 'dilation', 'ceil_mode', 'count_include_pad', 'output_size'],
  input: /^(x|grad_y)$/,
  output: /^(y|grad_x)$/,
  run(c) {
    const kind = c.params.kind;
    const shape = { batch: numParam(c, 'batch'), channels: numParam(c, 'channels'), height: numParam(c, 'height'), width: numParam(c, 'width') };
    const x = f32Input(c, 'x');
    const gy = f32Input(c, 'grad_y');
    const dims = [shape.batch, shape.channels, shape.height, shape.width];
    if (x.shape.join() !== dims.join()) throw new FormatError('x must be [batch, channels, height, width]');
    const y = new Float32Array(gy.data.length);
    const gradX = new Float32Array(x.data.length);
    if (kind === 'max') {
      const o = { ...shape, kernelSize: pairParam(c, 'kernel_size'), stride: pairParam(c, 'stride'), padding: pairParam(c, 'padding'), dilation: pairParam(c, 'dilation'), ceilMode: boolParam(c, 'ceil_mode') };
      const [oh, ow] = ops.maxPool2dOutputSize(o);
      if (gy.shape.join() !== [shape.batch, shape.channels, oh, ow].join()) throw new FormatError('grad_y has the wrong shape');
      const idx = new Int32Array(y.length);
      ops.maxPool2dForward(x.data, y, idx, o);
      ops.maxPool2dBackward(gy.data, idx, gradX, o);
    } else if (kind === 'avg') {
      const o = {
        ...shape,
        kernelSize: pairParam(c, 'kernel_size'),
        stride: pairParam(c, 'stride'),
        padding: pairParam(c, 'padding'),
        ceilMode: boolParam(c, 'ceil_mode'),
        countIncludePad: boolParam(c, 'count_include_pad'),
      };
      const [oh, ow] = ops.avgPool2dOutputSize(o);
      if (gy.shape.join() !== [shape.batch, shape.channels, oh, ow].join()) throw new FormatError('grad_y has the wrong shape');
      ops.avgPool2dForward(x.data, y, o);
      ops.avgPool2dBackward(gy.data, gradX, o);
    } else if (kind === 'adaptive_avg') {
      const outputSize = pairParam(c, 'output_size');
      if (gy.shape.join() !== [shape.batch, shape.channels, ...outputSize].join()) throw new FormatError('grad_y has the wrong shape');
      const o = { ...shape, outputSize };
      ops.adaptiveAvgPool2dForward(x.data, y, o);
      ops.adaptiveAvgPool2dBackward(gy.data, gradX, o);
    } else {
      throw new FormatError(`unknown kind ${String(kind)}`);
    }
    return { outputs: { y: { shape: gy.shape, data: y }, grad_x: { shape: x.shape, data: gradX } } };
  },
};

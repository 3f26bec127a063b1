import { ops } from '../../../lib/index.js';
import { FormatError } from '../format.js';
import { f32Input } from './batchnorm1d.js';
import type { OpHandler } from './types.js';
import { boolParam, numParam } from './util.js';

/** torch.nn.BatchNorm2d on [N, C, H, W]: training (forward + backward + running stats), eval, or a case that must raise. */
export const batchnorm2dOp: OpHandler = {
  params: ['num_features', 'momentum', 'eps', 'training', 'affine'],
  caseKeys: ['raises'],
  input: /^(x|weight|bias|running_mean|running_var|grad_y)$/,
  output: /^(y|running_mean|running_var|grad_x|grad_weight|grad_bias)$/,
  run(c) {
    if (!boolParam(c, 'affine')) throw new FormatError('affine must be true');
    const x = f32Input(c, 'x');
    if (x.shape.length !== 4 || x.shape[1] !== numParam(c, 'num_features')) throw new FormatError('x must be [N, num_features, H, W]');
    const shape = x.shape as [number, number, number, number];
    const C = shape[1];
    const weight = f32Input(c, 'weight').data;
    const runningMean = f32Input(c, 'running_mean').data;
    const runningVar = f32Input(c, 'running_var').data;
    const before = [runningMean.slice(), runningVar.slice()];
    const training = boolParam(c, 'training');
    // Read grad_y whenever it is given (every training case, the raising one included).
    const gradY = training ? f32Input(c, 'grad_y').data : null;
    let fwd;
    try {
      fwd = ops.batchNorm2d(x.data, shape, {
        weight,
        bias: f32Input(c, 'bias').data,
        runningMean,
        runningVar,
        training,
        momentum: numParam(c, 'momentum'),
        eps: numParam(c, 'eps'),
      });
    } catch (err) {
      const untouched = runningMean.every((v, i) => Object.is(v, before[0][i])) && runningVar.every((v, i) => Object.is(v, before[1][i]));
      return { outputs: {}, raised: untouched ? err : new Error('gradients modified before raising') };
    }
    const outputs: Record<string, { shape: number[]; data: Float32Array }> = { y: { shape: x.shape, data: fwd.y } };
    if (gradY) {
      const g = ops.batchNorm2dBackward(gradY, x.data, shape, fwd, { weight });
      outputs.running_mean = { shape: [C], data: runningMean };
      outputs.running_var = { shape: [C], data: runningVar };
      outputs.grad_x = { shape: x.shape, data: g.gradX };
      outputs.grad_weight = { shape: [C], data: g.gradWeight };
      outputs.grad_bias = { shape: [C], data: g.gradBias };
    }
    return { outputs };
  },
};

import { ops } from '../../../lib/index.js';
import { decodeTensor, FormatError, type GoldenCase } from '../format.js';
import type { OpHandler } from './types.js';
import { boolParam, numParam } from './util.js';

/** A float32 input, decoded into a fresh array. */
export function f32Input(c: GoldenCase, name: string): { shape: number[]; data: Float32Array } {
  const t = c.inputs[name];
  if (t === undefined) throw new FormatError(`input ${name} missing`);
  const d = decodeTensor(name, t);
  if (!(d.data instanceof Float32Array)) throw new FormatError(`${name} must be float32`);
  return { shape: d.shape, data: d.data };
}

/** torch.nn.BatchNorm1d on [batch, features]: training (forward + backward + running stats) or eval. */
export const batchnorm1dOp: OpHandler = {
  params: ['num_features', 'momentum', 'eps', 'training', 'affine'],
  input: /^(x|weight|bias|running_mean|running_var|grad_y)$/,
  output: /^(y|running_mean|running_var|grad_x|grad_weight|grad_bias)$/,
  run(c) {
    if (!boolParam(c, 'affine')) throw new FormatError('affine must be true');
    const x = f32Input(c, 'x');
    const shape = [x.shape[0], x.shape[1]] as [number, number];
    if (x.shape.length !== 2 || shape[1] !== numParam(c, 'num_features')) throw new FormatError('x must be [batch, num_features]');
    const weight = f32Input(c, 'weight').data;
    const runningMean = f32Input(c, 'running_mean').data;
    const runningVar = f32Input(c, 'running_var').data;
    const training = boolParam(c, 'training');
    const fwd = ops.batchNorm1d(x.data, shape, {
      weight,
      bias: f32Input(c, 'bias').data,
      runningMean,
      runningVar,
      training,
      momentum: numParam(c, 'momentum'),
      eps: numParam(c, 'eps'),
    });
    const outputs: Record<string, { shape: number[]; data: Float32Array }> = { y: { shape: x.shape, data: fwd.y } };
    if (training) {
      const g = ops.batchNorm1dBackward(f32Input(c, 'grad_y').data, x.data, shape, fwd, { weight });
      outputs.running_mean = { shape: [shape[1]], data: runningMean };
      outputs.running_var = { shape: [shape[1]], data: runningVar };
      outputs.grad_x = { shape: x.shape, data: g.gradX };
      outputs.grad_weight = { shape: [shape[1]], data: g.gradWeight };
      outputs.grad_bias = { shape: [shape[1]], data: g.gradBias };
    }
    return { outputs };
  },
};

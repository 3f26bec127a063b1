import { clipGradNorm, NonFiniteGradientError } from '../../../lib/index.js';
import type { OpHandler } from './types.js';
import { boolParam, numbered, numParam } from './util.js';

/** torch.nn.utils.clip_grad_norm_; with float64 accumulation, overflow cases use exact_outputs. */
export const clipGradNormOp: OpHandler = {
  params: ['max_norm', 'norm_type', 'error_if_nonfinite', 'num_tensors'],
  caseKeys: ['raises', 'exact_total_norm', 'torch_overflows', 'exact_outputs'],
  input: /^grad\d+$/,
  output: /^(total_norm|grad\d+)$/,
  run(c) {
    const grads = numbered(c, 'grad', numParam(c, 'num_tensors'));
    const views = grads.map((g) => g.data);
    const before = views.map((v) => v.slice());
    try {
      const total = clipGradNorm(views, numParam(c, 'max_norm'), {
        normType: numParam(c, 'norm_type'),
        errorIfNonfinite: boolParam(c, 'error_if_nonfinite'),
      });
      const outputs: Record<string, number | { shape: number[]; data: Float32Array }> = { total_norm: total };
      grads.forEach((g, i) => (outputs[`grad${i}`] = g));
      return { outputs };
    } catch (err) {
      if (!(err instanceof NonFiniteGradientError)) throw err;
      // PyTorch leaves the gradients untouched when it raises: so must we.
      const untouched = views.every((v, i) => v.every((x, j) => Object.is(x, before[i][j])));
      return { outputs: {}, raised: untouched ? err : new Error('gradients modified before raising') };
    }
  },
  expect(c) {
    if (c.torch_overflows === true) {
      return { outputs: c.exact_outputs as typeof c.outputs, raises: false };
    }
    return { outputs: c.outputs, raises: c.raises === true };
  },
};

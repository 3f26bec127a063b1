import { SGD } from '../../../lib/index.js';
import { runSteps } from './optim-util.js';
import type { OpHandler } from './types.js';
import { boolParam, numParam } from './util.js';

/** torch.optim.SGD (foreach=False), parameters after each of `steps` steps. */
export const sgdOp: OpHandler = {
  params: ['lr', 'momentum', 'dampening', 'nesterov', 'weight_decay', 'maximize', 'steps', 'num_params'],
  input: /^(param\d+|grad\d+_step\d+)$/,
  output: /^param\d+_step\d+$/,
  run(c) {
    const outputs = runSteps(
      c,
      (params) =>
        new SGD(params, {
          lr: numParam(c, 'lr'),
          momentum: numParam(c, 'momentum'),
          dampening: numParam(c, 'dampening'),
          nesterov: boolParam(c, 'nesterov'),
          weightDecay: numParam(c, 'weight_decay'),
          maximize: boolParam(c, 'maximize'),
        }),
    );
    return { outputs };
  },
};

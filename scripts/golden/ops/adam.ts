import { Adam, AdamW } from '../../../lib/index.js';
import { decodeNumber, FormatError } from '../format.js';
import { runSteps } from './optim-util.js';
import type { OpHandler } from './types.js';
import { boolParam, numParam } from './util.js';

/** torch.optim.Adam / AdamW (foreach=False), parameters after each of `steps` steps. */
export const adamOp: OpHandler = {
  params: ['optimizer', 'lr', 'betas', 'eps', 'weight_decay', 'amsgrad', 'maximize', 'steps', 'num_params'],
  input: /^(param\d+|grad\d+_step\d+)$/,
  output: /^param\d+_step\d+$/,
  run(c) {
    const kind = c.params.optimizer;
    if (kind !== 'Adam' && kind !== 'AdamW') throw new FormatError(`optimizer must be "Adam" or "AdamW", got ${String(kind)}`);
    const betas = c.params.betas;
    if (!Array.isArray(betas) || betas.length !== 2) throw new FormatError('betas must be a pair');
    const options = {
      lr: numParam(c, 'lr'),
      betas: [decodeNumber(betas[0]), decodeNumber(betas[1])] as [number, number],
      eps: numParam(c, 'eps'),
      weightDecay: numParam(c, 'weight_decay'),
      amsgrad: boolParam(c, 'amsgrad'),
      maximize: boolParam(c, 'maximize'),
    };
    const outputs = runSteps(c, (params) => (kind === 'Adam' ? new Adam(params, options) : new AdamW(params, options)));
    return { outputs };
  },
};

import { ops } from '../../../lib/index.js';
import { f32Input } from './batchnorm1d.js';
import { recurrentSetup } from './rnn.js';
import type { OpHandler } from './types.js';

/** torch.nn.GRU, one layer (gates r, z, n; b_hn inside the reset product): forward and backprop through time. */
export const gruOp: OpHandler = {
  params: ['seq_len', 'batch', 'input_size', 'hidden_size', 'bias', 'num_layers', 'batch_first'],
  input: /^(input|h0|weight_ih|weight_hh|bias_ih|bias_hh|grad_output|grad_h_n)$/,
  output: /^(output|h_n|grad_input|grad_h0|grad_weight_ih|grad_weight_hh|grad_bias_ih|grad_bias_hh)$/,
  run(c) {
    const { shape, weights, outputs } = recurrentSetup(c);
    const input = f32Input(c, 'input').data;
    const h0 = f32Input(c, 'h0').data;
    const fwd = ops.gruForward(input, weights, shape, { h0 });
    const g = ops.gruBackward(input, weights, shape, fwd.workspace, {
      h0,
      gradOutput: f32Input(c, 'grad_output').data,
      gradHN: f32Input(c, 'grad_h_n').data,
    });
    return { outputs: outputs(fwd, g, 3) };
  },
};

import { ops } from '../../../lib/index.js';
import { f32Input } from './batchnorm1d.js';
import { recurrentSetup } from './rnn.js';
import type { OpHandler } from './types.js';

/** torch.nn.LSTM, one layer (gates i, f, g, o): forward and backprop through time. */
export const lstmOp: OpHandler = {
  params: ['seq_len', 'batch', 'input_size', 'hidden_size', 'bias', 'num_layers', 'batch_first'],
  input: /^(input|h0|c0|weight_ih|weight_hh|bias_ih|bias_hh|grad_output|grad_h_n|grad_c_n)$/,
  output: /^(output|h_n|c_n|grad_input|grad_h0|grad_c0|grad_weight_ih|grad_weight_hh|grad_bias_ih|grad_bias_hh)$/,
  run(c) {
    const { shape, weights, outputs } = recurrentSetup(c);
    const input = f32Input(c, 'input').data;
    const h0 = f32Input(c, 'h0').data;
    const c0 = f32Input(c, 'c0').data;
    const fwd = ops.lstmForward(input, weights, shape, { h0, c0 });
    const g = ops.lstmBackward(input, weights, shape, fwd.workspace, {
      h0,
      c0,
      gradOutput: f32Input(c, 'grad_output').data,
      gradHN: f32Input(c, 'grad_h_n').data,
      gradCN: f32Input(c, 'grad_c_n').data,
    });
    const { batch: B, hiddenSize: H } = shape;
    return {
      outputs: {
        ...outputs(fwd, g, 4),
        c_n: { shape: [1, B, H], data: fwd.cN },
        grad_c0: { shape: [1, B, H], data: g.gradC0 },
      },
    };
  },
};

import { ops } from '../../../lib/index.js';
import { FormatError, type GoldenCase } from '../format.js';
import { f32Input } from './batchnorm1d.js';
import type { OpHandler } from './types.js';
import { boolParam, numParam } from './util.js';

type T = { shape: number[]; data: Float32Array };

/** Shape, weights and the outputs common to torch.nn.RNN and torch.nn.LSTM cases. */
export function recurrentSetup(c: GoldenCase) {
  if (numParam(c, 'num_layers') !== 1 || c.params.batch_first !== false) throw new FormatError('only num_layers 1, batch_first false');
  const shape = {
    seqLen: numParam(c, 'seq_len'),
    batch: numParam(c, 'batch'),
    inputSize: numParam(c, 'input_size'),
    hiddenSize: numParam(c, 'hidden_size'),
  };
  const bias = boolParam(c, 'bias');
  const weights = {
    weightIh: f32Input(c, 'weight_ih').data,
    weightHh: f32Input(c, 'weight_hh').data,
    biasIh: bias ? f32Input(c, 'bias_ih').data : null,
    biasHh: bias ? f32Input(c, 'bias_hh').data : null,
  };
  const { seqLen: S, batch: B, inputSize: I, hiddenSize: H } = shape;
  const outputs = (fwd: { output: Float32Array; hN: Float32Array }, g: ops.RecurrentGrads, gates: number): Record<string, T> => {
    const o: Record<string, T> = {
      output: { shape: [S, B, H], data: fwd.output },
      h_n: { shape: [1, B, H], data: fwd.hN },
      grad_input: { shape: [S, B, I], data: g.gradInput },
      grad_h0: { shape: [1, B, H], data: g.gradH0 },
      grad_weight_ih: { shape: [gates * H, I], data: g.gradWeightIh },
      grad_weight_hh: { shape: [gates * H, H], data: g.gradWeightHh },
    };
    if (g.gradBiasIh) o.grad_bias_ih = { shape: [gates * H], data: g.gradBiasIh };
    if (g.gradBiasHh) o.grad_bias_hh = { shape: [gates * H], data: g.gradBiasHh };
    return o;
  };
  return { shape, weights, outputs };
}

/** torch.nn.RNN (tanh/relu), one layer: forward and backprop through time. */
export const rnnOp: OpHandler = {
  params: ['seq_len', 'batch', 'input_size', 'hidden_size', 'nonlinearity', 'bias', 'num_layers', 'batch_first'],
  input: /^(input|h0|weight_ih|weight_hh|bias_ih|bias_hh|grad_output|grad_h_n)$/,
  output: /^(output|h_n|grad_input|grad_h0|grad_weight_ih|grad_weight_hh|grad_bias_ih|grad_bias_hh)$/,
  run(c) {
    const { shape, weights, outputs } = recurrentSetup(c);
    const nl = c.params.nonlinearity;
    if (nl !== 'tanh' && nl !== 'relu') throw new FormatError('nonlinearity must be "tanh" or "relu"');
    const input = f32Input(c, 'input').data;
    const h0 = f32Input(c, 'h0').data;
    const fwd = ops.rnnForward(input, weights, shape, { nonlinearity: nl, h0 });
    const g = ops.rnnBackward(input, weights, shape, fwd.workspace, {
      nonlinearity: nl,
      h0,
      gradOutput: f32Input(c, 'grad_output').data,
      gradHN: f32Input(c, 'grad_h_n').data,
    });
    return { outputs: outputs(fwd, g, 1) };
  },
};

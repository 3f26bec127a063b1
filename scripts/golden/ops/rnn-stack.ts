import { nn } from '../../../lib/index.js';
import { FormatError } from '../format.js';
import { f32Input } from './batchnorm1d.js';
import type { OpHandler } from './types.js';
import { boolParam, numParam } from './util.js';

const PARAM = /^(weight_ih|weight_hh|bias_ih|bias_hh)_l\d+(_reverse)?$/;

/**
 * torch.nn.RNN (tanh) / LSTM / GRU with num_layers and bidirectional, through the nn modules: every
 * parameter loaded under its PyTorch name (and every weight input must be one of the module's), then
 * forward and backward; states [num_layers·D, batch, H].
 */
export const rnnStackOp: OpHandler = {
  params: ['mode', 'seq_len', 'batch', 'input_size', 'hidden_size', 'num_layers', 'bidirectional', 'bias'],
  input: /^(input|h0|c0|grad_output|grad_h_n|grad_c_n|(weight_ih|weight_hh|bias_ih|bias_hh)_l\d+(_reverse)?)$/,
  output: /^(output|h_n|c_n|grad_input|grad_h0|grad_c0|grad_(weight_ih|weight_hh|bias_ih|bias_hh)_l\d+(_reverse)?)$/,
  run(c) {
    const mode = c.params.mode;
    if (mode !== 'rnn_tanh' && mode !== 'lstm' && mode !== 'gru') throw new FormatError('mode must be "rnn_tanh", "lstm" or "gru"');
    const T = numParam(c, 'seq_len');
    const B = numParam(c, 'batch');
    const I = numParam(c, 'input_size');
    const H = numParam(c, 'hidden_size');
    const opts = { numLayers: numParam(c, 'num_layers'), bidirectional: boolParam(c, 'bidirectional'), bias: boolParam(c, 'bias') };
    const m = mode === 'lstm' ? new nn.LSTM(I, H, opts) : mode === 'gru' ? new nn.GRU(I, H, opts) : new nn.RNN(I, H, { ...opts, nonlinearity: 'tanh' });
    const params = new Map(m.namedParameters());
    const given = Object.keys(c.inputs).filter((k) => PARAM.test(k));
    if (given.length !== params.size) throw new FormatError(`${given.length} parameter inputs for a module with ${params.size}`);
    for (const name of given) {
      const p = params.get(name);
      if (!p) throw new FormatError(`input ${name} is not a parameter of ${m.toString()}`);
      p.data.set(f32Input(c, name).data);
    }
    m.zeroGrad();
    const lstm = mode === 'lstm';
    const h0 = f32Input(c, 'h0');
    const y = m.forward({ data: f32Input(c, 'input').data, shape: [T, B, I] }, lstm ? { h0, c0: f32Input(c, 'c0') } : { h0 });
    const g = f32Input(c, 'grad_output');
    const gradHN = f32Input(c, 'grad_h_n');
    const gx = m.backward({ data: g.data, shape: g.shape }, lstm ? { gradHN, gradCN: f32Input(c, 'grad_c_n') } : { gradHN });
    const outputs: Record<string, { shape: number[]; data: Float32Array }> = {
      output: { shape: y.shape.slice(), data: y.data },
      h_n: { shape: m.hN.shape.slice(), data: m.hN.data },
      grad_input: { shape: gx.shape.slice(), data: gx.data },
      grad_h0: { shape: m.gradH0.shape.slice(), data: m.gradH0.data },
    };
    if (m instanceof nn.LSTM) {
      outputs.c_n = { shape: m.cN.shape.slice(), data: m.cN.data };
      outputs.grad_c0 = { shape: m.gradC0.shape.slice(), data: m.gradC0.data };
    }
    for (const [name, p] of params) outputs[`grad_${name}`] = { shape: p.shape.slice(), data: p.grad };
    return { outputs };
  },
};

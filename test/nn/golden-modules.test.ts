// The nn modules against the PyTorch golden cases: weights loaded through loadStateDict (the golden
// tensors are { shape, data } like a state dict's), forward and backward through the module API.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nn } from '../../lib/index.js';
import { targets, useTarget } from '../helpers/targets.js';

interface GoldenTensor {
  shape: number[];
  data: number[];
}
interface Case {
  name: string;
  params: Record<string, unknown>;
  inputs: Record<string, GoldenTensor | null>;
  outputs: Record<string, GoldenTensor | null>;
  rtol: number;
  atol: number;
}

const load = (op: string): Case[] => JSON.parse(readFileSync(new URL(`../fixtures/golden/${op}.json`, import.meta.url), 'utf8')).cases;
const t = (g: GoldenTensor): nn.Tensor => nn.tensor(Float32Array.from(g.data), g.shape);

function close(name: string, got: Float32Array, want: GoldenTensor | null | undefined, c: Case): void {
  if (!want) throw new Error(`${c.name}: golden output ${name} missing`);
  expect(got.length, `${c.name} ${name} length`).toBe(want.data.length);
  for (let i = 0; i < got.length; i++) {
    const w: number = want.data[i];
    if (Math.abs(got[i] - w) > c.atol + c.rtol * Math.abs(w)) {
      expect.fail(`${c.name} ${name}[${i}]: got ${got[i]}, want ${w} (rtol ${c.rtol}, atol ${c.atol})`);
    }
  }
}

describe.each(targets)('nn modules vs PyTorch golden cases on $name', (target) => {
  useTarget(target);

  it.each(load('linear'))('Linear $name', (c) => {
    const m = new nn.Linear(c.params.in_features as number, c.params.out_features as number, { bias: c.params.bias as boolean });
    m.loadStateDict({ weight: c.inputs.weight!, ...(c.params.bias ? { bias: c.inputs.bias! } : {}) });
    const y = m.forward(t(c.inputs.x!));
    close('y', y.data, c.outputs.y, c);
    m.zeroGrad();
    const gx = m.backward(t(c.inputs.grad_y!));
    close('grad_x', gx.data, c.outputs.grad_x, c);
    close('grad_weight', m.weight.grad, c.outputs.grad_weight, c);
    if (m.bias) close('grad_bias', m.bias.grad, c.outputs.grad_bias, c);
  });

  for (const op of ['rnn', 'lstm'] as const) {
    it.each(load(op))(`${op.toUpperCase()} $name`, (c) => {
      const p = c.params;
      const I = p.input_size as number, H = p.hidden_size as number;
      const opts = { bias: p.bias as boolean };
      const m = op === 'lstm' ? new nn.LSTM(I, H, opts) : new nn.RNN(I, H, { ...opts, nonlinearity: p.nonlinearity as 'tanh' | 'relu' });
      const sd: nn.StateDict = { weight_ih_l0: c.inputs.weight_ih!, weight_hh_l0: c.inputs.weight_hh! };
      if (p.bias) Object.assign(sd, { bias_ih_l0: c.inputs.bias_ih!, bias_hh_l0: c.inputs.bias_hh! });
      m.loadStateDict(sd);
      m.zeroGrad();
      const state = { h0: c.inputs.h0 ? t(c.inputs.h0) : null, c0: c.inputs.c0 ? t(c.inputs.c0) : null };
      const y = m.forward(t(c.inputs.input!), op === 'lstm' ? state : { h0: state.h0 });
      close('output', y.data, c.outputs.output, c);
      close('h_n', m.hN.data, c.outputs.h_n, c);
      if (m instanceof nn.LSTM) close('c_n', m.cN.data, c.outputs.c_n, c);
      const gradState = { gradHN: c.inputs.grad_h_n ? t(c.inputs.grad_h_n) : null, gradCN: c.inputs.grad_c_n ? t(c.inputs.grad_c_n) : null };
      const gx = m.backward(t(c.inputs.grad_output!), op === 'lstm' ? gradState : { gradHN: gradState.gradHN });
      close('grad_input', gx.data, c.outputs.grad_input, c);
      close('grad_h0', m.gradH0.data, c.outputs.grad_h0, c);
      if (m instanceof nn.LSTM) close('grad_c0', m.gradC0.data, c.outputs.grad_c0, c);
      close('grad_weight_ih', m.weightIh.grad, c.outputs.grad_weight_ih, c);
      close('grad_weight_hh', m.weightHh.grad, c.outputs.grad_weight_hh, c);
      if (m.biasIh) close('grad_bias_ih', m.biasIh.grad, c.outputs.grad_bias_ih, c);
      if (m.biasHh) close('grad_bias_hh', m.biasHh.grad, c.outputs.grad_bias_hh, c);
    });
  }

  it.each(load('batchnorm1d'))('BatchNorm1d $name (running statistics are state-dict buffers)', (c) => {
    const p = c.params;
    const m = new nn.BatchNorm1d(p.num_features as number, { eps: p.eps as number, momentum: p.momentum as number, affine: p.affine as boolean });
    const sd: nn.StateDict = {};
    if (p.affine) Object.assign(sd, { weight: c.inputs.weight!, bias: c.inputs.bias! });
    if (c.inputs.running_mean) Object.assign(sd, { running_mean: c.inputs.running_mean, running_var: c.inputs.running_var! });
    m.loadStateDict(sd, { strict: false });
    m.train(p.training as boolean);
    const y = m.forward(t(c.inputs.x!));
    close('y', y.data, c.outputs.y, c);
    if (c.outputs.running_mean) {
      close('running_mean', m.runningMean, c.outputs.running_mean, c);
      close('running_var', m.runningVar, c.outputs.running_var, c);
      const saved = m.stateDict({ encoding: 'float32' });
      close('state running_var', saved.running_var.data as Float32Array, c.outputs.running_var, c);
    }
    if (c.inputs.grad_y) {
      m.zeroGrad();
      const gx = m.backward(t(c.inputs.grad_y));
      close('grad_x', gx.data, c.outputs.grad_x, c);
      if (m.weight) close('grad_weight', m.weight.grad, c.outputs.grad_weight, c);
      if (m.bias) close('grad_bias', m.bias.grad, c.outputs.grad_bias, c);
    }
  });

  it.each(load('layernorm'))('LayerNorm $name', (c) => {
    const p = c.params;
    const d = (p.normalized_shape as number[])[0];
    const m = new nn.LayerNorm(d, { eps: p.eps as number, elementwiseAffine: p.elementwise_affine as boolean });
    if (p.elementwise_affine) m.loadStateDict({ weight: c.inputs.weight!, bias: c.inputs.bias! });
    const y = m.forward(t(c.inputs.x!));
    close('y', y.data, c.outputs.y, c);
    m.zeroGrad();
    const gx = m.backward(t(c.inputs.grad_y!));
    close('grad_x', gx.data, c.outputs.grad_x, c);
    if (m.weight) close('grad_weight', m.weight.grad, c.outputs.grad_weight, c);
    if (m.bias) close('grad_bias', m.bias.grad, c.outputs.grad_bias, c);
  });
});

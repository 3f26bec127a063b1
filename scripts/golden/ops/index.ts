// The op families the golden runner understands: file "op" -> handler. An op missing here fails.
import { agcOp } from './agc.js';
import { clipGradNormOp } from './clip-grad-norm.js';
import { clipGradValueOp } from './clip-grad-value.js';
import { adamOp } from './adam.js';
import { sgdOp } from './sgd.js';
import { activationsOp } from './activations.js';
import { linearOp } from './linear.js';
import { lossesOp } from './losses.js';
import { matmulOp } from './matmul.js';
import { batchnorm1dOp } from './batchnorm1d.js';
import { layernormOp } from './layernorm.js';
import { lstmOp } from './lstm.js';
import { rnnOp } from './rnn.js';
import { conv2dOp } from './conv2d.js';
import { conv1dOp } from './conv1d.js';
import { embeddingOp } from './embedding.js';
import { softmaxOp } from './softmax.js';
import { attentionOp } from './attention.js';
import { pool2dOp } from './pool2d.js';
import { batchnorm2dOp } from './batchnorm2d.js';
import { gruOp } from './gru.js';
import { rnnStackOp } from './rnn-stack.js';
import type { OpHandler } from './types.js';

export const handlers: Readonly<Record<string, OpHandler>> = {
  clip_grad_norm: clipGradNormOp,
  clip_grad_value: clipGradValueOp,
  agc: agcOp,
  sgd: sgdOp,
  adam: adamOp,
  matmul: matmulOp,
  linear: linearOp,
  activations: activationsOp,
  losses: lossesOp,
  batchnorm1d: batchnorm1dOp,
  layernorm: layernormOp,
  rnn: rnnOp,
  lstm: lstmOp,
  conv2d: conv2dOp,
  conv1d: conv1dOp,
  embedding: embeddingOp,
  softmax: softmaxOp,
  attention: attentionOp,
  pool2d: pool2dOp,
  batchnorm2d: batchnorm2dOp,
  gru: gruOp,
  rnn_stack: rnnStackOp,
};

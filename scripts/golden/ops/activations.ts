import { ops } from '../../../lib/index.js';
import { FormatError, type GoldenCase } from '../format.js';
import type { OpHandler } from './types.js';
import { f32Input } from './matmul.js';
import { numParam } from './util.js';

type Fwd = (x: Float32Array, y: Float32Array) => void;
type Bwd = (x: Float32Array, gy: Float32Array, gx: Float32Array) => void;

function pick(c: GoldenCase): [Fwd, Bwd] {
  const fn = c.params.fn;
  const allowed: Record<string, string[]> = {
    relu: [],
    leaky_relu: ['negative_slope'],
    sigmoid: [],
    tanh: [],
    gelu: ['approximate'],
    elu: ['alpha'],
    softplus: ['beta', 'threshold'],
  };
  if (typeof fn !== 'string' || !(fn in allowed)) throw new FormatError(`unknown activation ${JSON.stringify(fn)}`);
  for (const k of Object.keys(c.params)) {
    if (k !== 'fn' && !allowed[fn].includes(k)) throw new FormatError(`param ${k} does not apply to ${fn}`);
  }
  switch (fn) {
    case 'relu':
      return [(x, y) => ops.relu(x, y), (x, gy, gx) => ops.reluBackward(x, gy, gx)];
    case 'leaky_relu': {
      const o = { negativeSlope: numParam(c, 'negative_slope') };
      return [(x, y) => ops.leakyRelu(x, y, o), (x, gy, gx) => ops.leakyReluBackward(x, gy, gx, o)];
    }
    case 'sigmoid':
      return [(x, y) => ops.sigmoid(x, y), (x, gy, gx) => ops.sigmoidBackward(x, gy, gx)];
    case 'tanh':
      return [(x, y) => ops.tanh(x, y), (x, gy, gx) => ops.tanhBackward(x, gy, gx)];
    case 'gelu': {
      const a = c.params.approximate;
      if (a !== 'none' && a !== 'tanh') throw new FormatError(`gelu approximate ${JSON.stringify(a)}`);
      const o = { approximate: a } as const;
      return [(x, y) => ops.gelu(x, y, o), (x, gy, gx) => ops.geluBackward(x, gy, gx, o)];
    }
    case 'elu': {
      const o = { alpha: numParam(c, 'alpha') };
      return [(x, y) => ops.elu(x, y, o), (x, gy, gx) => ops.eluBackward(x, gy, gx, o)];
    }
    default: {
      const o = { beta: numParam(c, 'beta'), threshold: numParam(c, 'threshold') };
      return [(x, y) => ops.softplus(x, y, o), (x, gy, gx) => ops.softplusBackward(x, gy, gx, o)];
    }
  }
}

/** Elementwise activations and their backward passes. */
export const activationsOp: OpHandler = {
  params: ['fn', 'negative_slope', 'approximate', 'alpha', 'beta', 'threshold'],
  input: /^(x|grad_y)$/,
  output: /^(y|grad_x)$/,
  run(c) {
    const [fwd, bwd] = pick(c);
    const x = f32Input(c, 'x');
    const gy = f32Input(c, 'grad_y');
    const y = new Float32Array(x.data.length).fill(NaN);
    fwd(x.data, y);
    const gx = new Float32Array(x.data.length).fill(NaN);
    bwd(x.data, gy.data, gx);
    return { outputs: { y: { shape: x.shape, data: y }, grad_x: { shape: x.shape, data: gx } } };
  },
};

// What conv1d.ts and conv2d.ts share: run one case's forward and backward through the op pair and
// collect the outputs the file records. Output buffers start as NaN, so an op that skips an element
// fails (accumulate is off: every output must be overwritten).
import type { GoldenCase } from '../format.js';
import { f32Input } from './matmul.js';
import { boolParam } from './util.js';

type Grads = { gradX: Float32Array; gradWeight: Float32Array; gradBias: Float32Array | null };

export function runConvCase<O extends { outChannels: number }>(
  c: GoldenCase,
  options: O,
  yShape: number[],
  forward: (x: Float32Array, w: Float32Array, bias: Float32Array | null, y: Float32Array, options: O) => unknown,
  backward: (x: Float32Array, w: Float32Array, gy: Float32Array, grads: Grads, options: O) => unknown,
) {
  const hasBias = boolParam(c, 'bias');
  const x = f32Input(c, 'x');
  const w = f32Input(c, 'weight');
  const bias = hasBias ? f32Input(c, 'bias') : null;
  const gy = f32Input(c, 'grad_y');
  const y = new Float32Array(yShape.reduce((a, b) => a * b, 1)).fill(NaN);
  forward(x.data, w.data, bias ? bias.data : null, y, options);
  const grads: Grads = {
    gradX: new Float32Array(x.data.length).fill(NaN),
    gradWeight: new Float32Array(w.data.length).fill(NaN),
    gradBias: hasBias ? new Float32Array(options.outChannels).fill(NaN) : null,
  };
  backward(x.data, w.data, gy.data, grads, options);
  const outputs: Record<string, { shape: number[]; data: Float32Array }> = {
    y: { shape: yShape, data: y },
    grad_x: { shape: x.shape, data: grads.gradX },
    grad_weight: { shape: w.shape, data: grads.gradWeight },
  };
  if (grads.gradBias && bias) outputs.grad_bias = { shape: bias.shape, data: grads.gradBias };
  return { outputs };
}

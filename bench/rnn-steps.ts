// Shared by the recurrent benches (lstm.bench.ts, gru.bench.ts): deterministic fills and one LSTM
// training step's kernel work on buffers allocated once.
import { ops } from '../lib/index.js';

/** n floats in [-scale/2, scale/2) from a fixed LCG seed (the same data in every bench run). */
export const fill = (n: number, seed: number, scale = 0.1) => {
  const a = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) a[i] = (((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) - 0.5) * scale;
  return a;
};

/** One training step's LSTM work on preallocated buffers. */
export function lstmStep(I: number, H: number, T: number, B: number): () => void {
  const shape = { seqLen: T, batch: B, inputSize: I, hiddenSize: H };
  const input = fill(T * B * I, 1, 1);
  const weights = { weightIh: fill(4 * H * I, 2), weightHh: fill(4 * H * H, 3), biasIh: fill(4 * H, 4), biasHh: fill(4 * H, 5) };
  const output = new Float32Array(T * B * H), hN = new Float32Array(B * H), cN = new Float32Array(B * H);
  const workspace = new Float32Array(ops.lstmWorkspaceSize(T, B, H));
  const gradOutput = fill(T * B * H, 6);
  const grads = {
    gradInput: new Float32Array(T * B * I), gradH0: new Float32Array(B * H), gradC0: new Float32Array(B * H),
    gradWeightIh: new Float32Array(4 * H * I), gradWeightHh: new Float32Array(4 * H * H),
    gradBiasIh: new Float32Array(4 * H), gradBiasHh: new Float32Array(4 * H),
  };
  return () => {
    ops.lstmForward(input, weights, shape, { output, hN, cN, workspace });
    ops.lstmBackward(input, weights, shape, workspace, { gradOutput, grads });
  };
}

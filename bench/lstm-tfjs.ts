// The @tensorflow/tfjs LSTM layer (tfjs-layers, returnSequences) forward + backward on one shape,
// for bench/lstm.bench.ts: input [batch, seq, input] (tfjs is batch-first), loss Σ output·gradOutput,
// gradients of every weight and the input through tf.variableGrads. tfjs is slow on the CPU backend
// (seconds per step), so callers time a fixed, small number of iterations.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';

/** Median seconds of `iterations` forward+backward passes (after one warm-up) on tfjs backend `backend`. */
export async function tfjsLstmSeconds(backend: 'cpu' | 'wasm', I: number, H: number, T: number, B: number, iterations: number): Promise<number> {
  await tf.setBackend(backend);
  await tf.ready();
  const layer = tfl.layers.lstm({ units: H, returnSequences: true, inputShape: [T, I], recurrentInitializer: 'glorotUniform' }) // the default orthogonal one needs tfjs' chained ops;
  const x = tf.variable(tf.randomUniform([B, T, I], -1, 1), true, 'lstm_bench_x');
  const gy = tf.randomUniform([B, T, H], -0.1, 0.1);
  const step = () =>
    tf.tidy(() => {
      const { grads, value } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, gy)) as tf.Scalar);
      const all = [value, ...Object.values(grads)];
      for (const t of all) t.dataSync(); // force the lazy work
    });
  step();
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = process.hrtime.bigint();
    step();
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  x.dispose();
  gy.dispose();
  layer.dispose();
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

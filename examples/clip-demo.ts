// npm run demo (until the full RNN demo exists): shows what runs the math, then trains a small
// linear regression by plain gradient descent whose real gradients explode because the inputs are
// badly scaled — once without clipping (the loss overflows to Infinity/NaN, caught by gradStats) and
// once with clipGradNorm(grads, 1.0) (it converges). Flags: --steps N, --backend js|native.
import { backendInfo, clipGradNorm, createParamStore, gradStats, useBackend } from '../lib/index.js';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
if (arg('backend', '') !== '') useBackend(arg('backend', 'native') as 'js' | 'native');
const steps = Number(arg('steps', '200'));

console.log('backendInfo():', backendInfo());

// Data: y = x·w* + noise, with features on very different scales (1 … 30): plain SGD at lr 0.01
// overshoots along the large feature and the gradient grows geometrically.
const N = 256, D = 16;
let seed = 12345;
const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
const X = new Float32Array(N * D).map((_, i) => rand() * (1 + 29 * ((i % D) / (D - 1))));
const wTrue = new Float32Array(D).map(() => rand());
const Y = new Float32Array(N).map((_, r) => X.subarray(r * D, r * D + D).reduce((a, x, j) => a + x * wTrue[j], 0) + 0.01 * rand());

function train(clip: boolean): void {
  const store = createParamStore([[D], [1]]); // weight and bias, and their gradients, in one buffer each
  const [w, b] = store.params.views;
  const [gw, gb] = store.grads.views;
  const lr = 0.01;
  for (let step = 1; step <= steps; step++) {
    store.grads.zero();
    let loss = 0;
    for (let r = 0; r < N; r++) {
      const x = X.subarray(r * D, r * D + D);
      let pred = b[0];
      for (let j = 0; j < D; j++) pred += x[j] * w[j];
      const err = pred - Y[r];
      loss += (err * err) / N;
      for (let j = 0; j < D; j++) gw[j] += (2 * err * x[j]) / N;
      gb[0] += (2 * err) / N;
    }
    const stats = gradStats(store.grads);
    if (stats.nonFiniteCount > 0 || !Number.isFinite(loss)) {
      console.log(`  step ${step}: loss ${loss}, ${stats.nonFiniteCount} non-finite gradient values (first in tensor ${stats.firstNonFiniteIndex}) — diverged`);
      return;
    }
    const norm = clip ? clipGradNorm(store.grads, 1.0) : stats.totalNorm;
    for (let j = 0; j < D; j++) w[j] -= lr * gw[j];
    b[0] -= lr * gb[0];
    if (step === 1 || step % Math.max(1, Math.floor(steps / 8)) === 0) {
      console.log(`  step ${String(step).padStart(4)}: loss ${loss.toExponential(3)}  grad norm ${norm.toExponential(3)}${clip && norm > 1 ? ' (clipped to 1)' : ''}`);
    }
  }
  const werr = Math.sqrt(w.reduce((a, v, j) => a + (v - wTrue[j]) ** 2, 0));
  console.log(`  final |w − w*| = ${werr.toExponential(3)}`);
}

console.log('\nwithout clipping:');
train(false);
console.log('\nwith clipGradNorm(grads, 1.0):');
train(true);

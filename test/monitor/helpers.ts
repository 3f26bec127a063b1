// Planted gradients for the monitor tests: layers whose norms wander around a base value with
// seeded log-normal noise, as in steady training, into which a test plants a spike, a NaN or a
// vanishing layer.
import { createParamStore, Rng } from '../../lib/index.js';

export function noisyLayers(names: readonly string[], size = 64) {
  const store = createParamStore(names.map(() => [size]));
  const rng = new Rng(7);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rng.nextDouble())) * Math.cos(2 * Math.PI * rng.nextDouble());
  /** Fills layer i with a gradient of L2 norm ≈ base · e^(σ·N(0,1)) (σ = 0.3: ordinary step-to-step jitter). */
  const fill = (i: number, base: number) => {
    const g = store.grads.views[i];
    const norm = base * Math.exp(0.3 * gauss());
    for (let k = 0; k < g.length; k++) g[k] = norm / Math.sqrt(g.length) * (k % 2 ? 1 : -1);
  };
  return { store, fill };
}

// The finite-difference checks' two halves, shared by every *-gradcheck test: central differences
// of a float64 loss, and a comparison whose tolerance is relative to the gradient's largest entry.
import { expect } from 'vitest';

/**
 * ∂f/∂t by central differences, (f(t + h·eᵢ) − f(t − h·eᵢ)) / 2h for every element i; f reads t,
 * which is perturbed in place and restored.
 */
export function centralDiff(f: () => number, t: Float64Array, h: number): Float64Array {
  const g = new Float64Array(t.length);
  for (let i = 0; i < t.length; i++) {
    const keep = t[i];
    t[i] = keep + h;
    const up = f();
    t[i] = keep - h;
    const down = f();
    t[i] = keep;
    g[i] = (up - down) / (2 * h);
  }
  return g;
}

/**
 * Throws, naming `what`, the index and both values, unless the lengths match and every
 * |actual − expected| ≤ rel·scale, where scale is the largest |expected| but at least `floor`.
 */
export function expectGradClose(actual: Float32Array, expected: Float64Array, what: string, tol: { rel: number; floor: number }): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  let scale = tol.floor;
  for (const e of expected) scale = Math.max(scale, Math.abs(e));
  for (let i = 0; i < expected.length; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= tol.rel * scale)) {
      throw new Error(`${what}[${i}]: backward ${actual[i]}, finite difference ${expected[i]} (scale ${scale})`);
    }
  }
}

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

/**
 * A module-level check on float32 data: for each [name, data, grad] (a parameter or input, and the
 * gradient backward gave for it), about `samples` evenly spaced elements (all of a small tensor) are
 * perturbed by ±h and the central difference of L compared with grad: |num − grad| ≤ atol + rtol·|num|.
 * Returns how many elements were checked.
 */
export function checkSampledGrads(L: () => number, cases: readonly [string, Float32Array, Float32Array][], opts: { h: number; samples: number; atol: number; rtol: number }): number {
  let checked = 0;
  for (const [name, data, grad] of cases) {
    const stride = Math.max(1, Math.floor(data.length / opts.samples));
    for (let i = 0; i < data.length; i += stride) {
      const v = data[i];
      data[i] = v + opts.h;
      const lp = L();
      data[i] = v - opts.h;
      const lm = L();
      data[i] = v;
      const num = (lp - lm) / (2 * opts.h);
      if (Math.abs(num - grad[i]) > opts.atol + opts.rtol * Math.abs(num)) expect.fail(`${name}[${i}]: backward ${grad[i]}, finite difference ${num}`);
      checked++;
    }
  }
  return checked;
}

/**
 * L1 and L2 parameter penalties: each adds its gradient into every parameter's gradient, in place,
 * and returns the penalty's value (a float64 sum), for adding to the loss.
 */
import { invalidArg } from '../errors.js';
import { ParamList, type OptimParams } from './param-list.js';
import { invalidateGradNormsOf } from '../validate/index.js';

function checkLambda(v: unknown): number {
  if (typeof v !== 'number') invalidArg('lambda', 'a number', v);
  if (!(v >= 0) || !Number.isFinite(v)) invalidArg('lambda', 'a finite number >= 0', v, 'range');
  return v;
}

/**
 * Validates once, then runs `addTensor(p, g, λ as float32)` over every parameter/gradient pair and
 * returns the sum of what it returns (float64).
 */
function walkPenalty(params: OptimParams, lambda: number, addTensor: (p: Float32Array, g: Float32Array, lf: number) => number): number {
  const l = checkLambda(lambda);
  const list = new ParamList('params', params);
  const grads = list.grads().views;
  invalidateGradNormsOf(grads); // the penalty changes the gradients: fused norms are stale
  const ps = list.params.views;
  const lf = Math.fround(l);
  let sum = 0;
  for (let t = 0; t < ps.length; t++) sum += addTensor(ps[t], grads[t], lf);
  return l * sum;
}

function addL1(p: Float32Array, g: Float32Array, lf: number): number {
  let sum = 0;
  for (let i = 0; i < p.length; i++) {
    const x = p[i];
    sum += Math.abs(x);
    if (x > 0) g[i] += lf;
    else if (x < 0) g[i] -= lf;
    else if (x !== x) g[i] = NaN;
  }
  return sum;
}

function addL2(p: Float32Array, g: Float32Array, lf: number): number {
  let sum = 0;
  for (let i = 0; i < p.length; i++) {
    const x = p[i];
    sum += x * x;
    g[i] += lf * x;
  }
  return sum;
}

/**
 * L1 penalty `λ·Σ|p|`; adds `λ·sign(p)` to each gradient (sign(0) = 0, as `torch.sign`).
 * @param params `{ data, grad }` entries or a ParamStore; every parameter needs a gradient.
 * @param lambda λ, a finite number >= 0 (added to gradients as float32).
 * @returns the penalty value, summed in float64.
 * @throws {TypeError|RangeError} bad params (a missing or wrong-length gradient) or lambda; nothing changes then.
 */
export function l1Penalty(params: OptimParams, lambda: number): number {
  return walkPenalty(params, lambda, addL1);
}

/**
 * L2 penalty `(λ/2)·Σp²`; adds `λ·p` to each gradient (the same as SGD/Adam `weightDecay: λ`).
 * @param params `{ data, grad }` entries or a ParamStore; every parameter needs a gradient.
 * @param lambda λ, a finite number >= 0 (added to gradients as float32).
 * @returns the penalty value, summed in float64.
 * @throws {TypeError|RangeError} bad params (a missing or wrong-length gradient) or lambda; nothing changes then.
 */
export function l2Penalty(params: OptimParams, lambda: number): number {
  return 0.5 * walkPenalty(params, lambda, addL2);
}

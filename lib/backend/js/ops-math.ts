/**
 * Elementwise math of the pure-TS ops, mirroring native/kernels/activation/activation_scalar.cc
 * (float64 throughout, one rounding to float32 on store). JavaScript has no erf, so erfc is computed
 * here: a Taylor series for |z| < 3 and a continued fraction beyond (both near float64 precision).
 */

const SQRT2_OVER_PI = 0.79788456080286535588;
const INV_SQRT2 = 0.7071067811865475244;
const INV_SQRT2PI = 0.39894228040143267794;
const TWO_OVER_SQRTPI = 1.1283791670955125739;
const INV_SQRTPI = 0.56418958354775628695;
const GELU_C = 0.044715;

/** erf(z) by its Maclaurin series (|z| < 3: at most ~80 terms, cancellation below 1e-12). */
function erfSeries(z: number): number {
  const z2 = z * z;
  let term = z; // (-1)^n z^(2n+1) / n!
  let sum = z;
  for (let n = 1; n < 200; n++) {
    term *= -z2 / n;
    const t = term / (2 * n + 1);
    sum += t;
    if (Math.abs(t) < 1e-17 * Math.abs(sum)) break;
  }
  return TWO_OVER_SQRTPI * sum;
}

/** erfc(z) for z >= 3 by its continued fraction, evaluated bottom-up. */
function erfcLarge(z: number): number {
  let t = z;
  for (let n = 60; n >= 1; n--) t = z + n / 2 / t;
  return (Math.exp(-z * z) * INV_SQRTPI) / t;
}

export function erfc(z: number): number {
  if (Number.isNaN(z)) return z;
  if (z >= 3) return erfcLarge(z);
  if (z <= -3) return 2 - erfcLarge(-z);
  return 1 - erfSeries(z);
}

/** sigmoid'(x) = e / (1 + e)², e = exp(−|x|): no cancellation for large |x|. */
function dsigmoid(x: number): number {
  const e = Math.exp(-Math.abs(x));
  return e / ((1 + e) * (1 + e));
}

export function sigmoid(x: number): number {
  const e = Math.exp(-Math.abs(x));
  return x >= 0 ? 1 / (1 + e) : e / (1 + e);
}

/** Standard normal CDF Φ(x) = erfc(−x/√2)/2, accurate in both tails. */
function phi(x: number): number {
  return 0.5 * erfc(-x * INV_SQRT2);
}

export function actForward(fn: number, x: number, p0: number, p1: number): number {
  switch (fn) {
    case 0:
      return x > 0 ? x : Number.isNaN(x) ? x : 0;
    case 1:
      return x > 0 ? x : x * p0;
    case 2:
      return sigmoid(x);
    case 3:
      return Math.tanh(x);
    case 4:
      return x * phi(x);
    case 5: // 0.5·x·(1 + tanh u) = x·sigmoid(2u)
      return x * sigmoid(2 * SQRT2_OVER_PI * (x + GELU_C * x * x * x));
    case 6:
      return x > 0 ? x : p0 * Math.expm1(x);
    case 7: {
      const z = x * p0;
      if (z > p1) return x;
      return (Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)))) / p0;
    }
    default:
      return x;
  }
}

/** f'(x): the factor grad_y is multiplied by (PyTorch's conventions at the kinks). */
export function actDeriv(fn: number, x: number, p0: number, p1: number): number {
  switch (fn) {
    case 0:
      return x <= 0 ? 0 : 1;
    case 1:
      return x > 0 ? 1 : p0;
    case 2:
      return dsigmoid(x);
    case 3: {
      const e = Math.exp(-2 * Math.abs(x));
      return (4 * e) / ((1 + e) * (1 + e));
    }
    case 4:
      return phi(x) + x * INV_SQRT2PI * Math.exp(-0.5 * x * x);
    case 5: {
      const x2 = x * x;
      const v = 2 * SQRT2_OVER_PI * (x + GELU_C * x2 * x);
      return sigmoid(v) + 2 * x * dsigmoid(v) * SQRT2_OVER_PI * (1 + 3 * GELU_C * x2);
    }
    case 6:
      return x <= 0 ? p0 * Math.exp(x) : 1;
    case 7: {
      const z = x * p0;
      return z > p1 ? 1 : sigmoid(z);
    }
    default:
      return 1;
  }
}

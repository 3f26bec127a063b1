/**
 * Elementwise math of the pure-TS ops, mirroring native/kernels/activation/activation_scalar.cc
 * (float64 throughout, one rounding to float32 on store). JavaScript has no erf, so erfc is computed
 * here from Cephes' polynomials (relative error < 3e-8: exact after rounding to float32 but for rare
 * ties).
 */

const SQRT2_OVER_PI = 0.79788456080286535588;
const INV_SQRT2 = 0.7071067811865475244;
const INV_SQRT2PI = 0.39894228040143267794;
const GELU_C = 0.044715;

// Cephes' erff/erfcf polynomials evaluated in float64: relative error below 3e-8 everywhere (a
// quarter of a float32 ulp), enough for results rounded to float32, and ~10x faster than a series.
const ERF_T = [7.853861353153693e-5, -8.010193625184903e-4, 5.188327685732524e-3, -2.685381193529856e-2, 1.128358514861418e-1, -3.761262582423300e-1, 1.128379165726710];
const ERFC_P = [
  2.326819970068386e-2, -1.387039388740657e-1, 3.687424674597105e-1, -5.824733027278666e-1, 6.210004621745983e-1, -4.944515323274145e-1,
  3.404879937665872e-1, -2.741127028184656e-1, 5.638259427386472e-1,
];
const ERFC_R = [-1.047766399936249e1, 1.297719955372516e1, -7.495518717768503, 2.921019019210786, -1.0152652792027, 4.218463358204948e-1, -2.820767439740514e-1, 5.641895067754075e-1];

function horner(x: number, c: readonly number[]): number {
  let y = c[0];
  for (let i = 1; i < c.length; i++) y = y * x + c[i];
  return y;
}

/** erfc(z), relative accuracy in both tails: 1 − erf for |z| < 1, e^(−z²)/|z|·P(1/z²) beyond. */
export function erfc(z: number): number {
  if (Number.isNaN(z)) return z;
  const a = Math.abs(z);
  if (a < 1) return 1 - z * horner(z * z, ERF_T);
  const q = 1 / a;
  const tail = Math.exp(-z * z) * q * horner(q * q, a < 2 ? ERFC_P : ERFC_R);
  return z < 0 ? 2 - tail : tail;
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

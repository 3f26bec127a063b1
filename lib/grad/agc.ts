import { getBackend } from '../backend/index.js';
import { invalidArg } from '../errors.js';
import { FlatTensors } from '../validate/flat-tensors.js';
import { checkOptions, optionKeys, checkPositiveFinite, checkTensors, type TensorsLike } from '../validate/index.js';

/** Options of {@link agcClip}. */
export interface AgcOptions {
  /** λ, the largest allowed ratio |G_u| / |W_u| per unit. Default 0.01 (NFNets with batch ≥ 1024 use 0.01). */
  clipping?: number;
  /** Floor on |W_u| so zero-initialised units can still move. Default 1e-3. */
  eps?: number;
  /** Shape of each tensor (PyTorch layout). Default: FlatTensors' own shapes, else `[length]` (one unit). */
  shapes?: readonly (readonly number[])[];
}

/** The keys of AgcOptions, checked by agcClip (and Trainer's `agc`). */
export const AGC_OPTION_KEYS = optionKeys<AgcOptions>()(['clipping', 'eps', 'shapes']);

/** Units of one tensor: its first dimension, unless it squeezes to at most 1-D (then one unit). */
function unitsOf(shape: readonly number[]): number {
  const nonUnit = shape.filter((d) => d !== 1).length;
  return nonUnit <= 1 ? 1 : shape[0];
}

/**
 * Adaptive gradient clipping, unit-wise (Brock et al. 2021, "High-Performance Large-Scale Image
 * Recognition Without Normalization", NFNets). For each unit u (a row of a `[out, in]` weight, an
 * output filter of `[out, in, kh, kw]`, or the whole tensor when it squeezes to ≤ 1-D):
 * `maxNorm_u = clipping · max(|W_u|, eps)`; if `|G_u| > maxNorm_u` then
 * `G_u ← G_u · maxNorm_u / max(|G_u|, 1e-6)`. Norms accumulate in float64. In place on `grads`.
 * @param params the parameters W, read only: a Float32Array, an array of them, or a FlatTensors.
 * @param grads their gradients G, one per parameter with the same lengths; clipped in place.
 * @param options λ (`clipping`), `eps` and the tensors' shapes.
 * @throws {TypeError|RangeError} on mismatched counts, lengths or shapes, or a bad option.
 */
export function agcClip(params: TensorsLike, grads: TensorsLike, options?: AgcOptions): void {
  const p = checkTensors('params', params, { inPlace: false });
  const g = checkTensors('grads', grads, { inPlace: true });
  const o = checkOptions('agcClip: options', options, AGC_OPTION_KEYS);
  const clipping = o.clipping === undefined ? 0.01 : checkPositiveFinite('options.clipping', o.clipping);
  const eps = o.eps === undefined ? 1e-3 : checkPositiveFinite('options.eps', o.eps);
  if (p.views.length !== g.views.length) {
    invalidArg('grads', `${p.views.length} tensors (one per parameter)`, grads, 'range');
  }
  const shapes = (o.shapes as readonly (readonly number[])[] | undefined) ??
    (params instanceof FlatTensors ? params.shapes : p.views.map((v) => [v.length]));
  if (!Array.isArray(shapes) || shapes.length !== p.views.length) {
    invalidArg('options.shapes', `an array of ${p.views.length} shapes`, shapes, 'range');
  }
  const units = new Uint32Array(p.views.length);
  for (let i = 0; i < p.views.length; i++) {
    const shape = shapes[i];
    const n = p.views[i].length;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
      invalidArg(`options.shapes[${i}]`, 'an array of non-negative integers', shape);
    }
    if (shape.reduce((a: number, b: number) => a * b, 1) !== n) {
      invalidArg(`options.shapes[${i}]`, `a shape with ${n} elements`, shape, 'range');
    }
    if (g.views[i].length !== n) invalidArg(`grads[${i}]`, `a Float32Array of length ${n}`, g.views[i], 'range');
    units[i] = n === 0 ? 1 : unitsOf(shape);
  }
  getBackend().agc(p, g, units, clipping, eps);
}

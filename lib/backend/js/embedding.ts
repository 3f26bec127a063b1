/**
 * The pure-TS embedding lookup and its backward, the reference of native/kernels/embedding/: rows are
 * copied exactly; the backward adds gradY rows into gradWeight in float32, in index order (as the native
 * kernel does per row, so both backends agree bit for bit).
 */
import type { EmbeddingBackwardArgs, EmbeddingForwardArgs } from '../ops-types.js';

export function embeddingForward(a: EmbeddingForwardArgs): void {
  const { indices, weight, y, dim } = a;
  for (let p = 0; p < indices.length; p++) {
    const src = indices[p] * dim;
    y.set(weight.subarray(src, src + dim), p * dim);
  }
}

export function embeddingBackward(a: EmbeddingBackwardArgs): void {
  const { indices, gradY, gradWeight, dim, paddingIdx, accumulate } = a;
  if (!accumulate) gradWeight.fill(0);
  for (let p = 0; p < indices.length; p++) {
    const r = indices[p];
    if (r === paddingIdx) continue;
    const dst = r * dim;
    const src = p * dim;
    // Float32Array stores round each sum to float32, as the kernel's float adds do.
    for (let j = 0; j < dim; j++) gradWeight[dst + j] += gradY[src + j];
  }
}

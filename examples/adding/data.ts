// The adding problem (Hochreiter & Schmidhuber 1997; the setup of Pascanu, Mikolov & Bengio 2013):
// each time step carries (value ~ U(0,1), marker ∈ {0,1}); exactly two markers, one in each half of
// the sequence; the target is the sum of the two marked values. Predicting the mean (1.0) always
// gives MSE = Var(u1 + u2) = 2/12 ≈ 0.167, the baseline every result is compared with.
import { Rng } from '../../lib/index.js';

/** MSE of always predicting 1.0 (the expected sum): Var(U(0,1)) · 2. */
export const BASELINE_MSE = 2 / 12;

export interface AddingBatch {
  /** [seqLen, batch, 2] (time-major, as ops.rnnForward wants). */
  input: Float32Array;
  /** [batch, 1]. */
  target: Float32Array;
  seqLen: number;
  batch: number;
}

export function makeBatch(seqLen: number, batch: number): AddingBatch {
  if (!Number.isInteger(seqLen) || seqLen < 2) throw new RangeError(`seqLen: expected an integer >= 2, got ${seqLen}`);
  return { input: new Float32Array(seqLen * batch * 2), target: new Float32Array(batch), seqLen, batch };
}

/** Fills `b` with fresh sequences drawn from `rng` (no allocation: a training step reuses one batch). */
export function fillBatch(b: AddingBatch, rng: Rng): AddingBatch {
  const { input, target, seqLen: T, batch: B } = b;
  const half = Math.floor(T / 2);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < B; i++) {
      input[(t * B + i) * 2] = rng.nextFloat24();
      input[(t * B + i) * 2 + 1] = 0;
    }
  }
  for (let i = 0; i < B; i++) {
    const m1 = Math.floor(rng.nextDouble() * half);
    const m2 = half + Math.floor(rng.nextDouble() * (T - half));
    input[(m1 * B + i) * 2 + 1] = 1;
    input[(m2 * B + i) * 2 + 1] = 1;
    target[i] = input[(m1 * B + i) * 2] + input[(m2 * B + i) * 2];
  }
  return b;
}

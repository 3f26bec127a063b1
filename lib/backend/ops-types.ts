/**
 * The ops part of the Backend interface (lib/backend/types.ts extends it). Arguments arrive
 * validated: dimensions are integers, buffers are long enough and outputs alias inputs only where
 * allowed.
 */

/**
 * Activation ids shared with native/kernels/activation/activation.h (enum Act). The ops' functions
 * pick the id themselves; these are exported for reference.
 */
export const Act = {
  /** {@link relu}. */
  relu: 0,
  /** {@link leakyRelu}. */
  leakyRelu: 1,
  /** {@link sigmoid}. */
  sigmoid: 2,
  /** {@link tanh}. */
  tanh: 3,
  /** {@link gelu} with the exact erf. */
  gelu: 4,
  /** {@link gelu} with `approximate: 'tanh'`. */
  geluTanh: 5,
  /** {@link elu}. */
  elu: 6,
  /** {@link softplus}. */
  softplus: 7,
} as const;
/** One of the {@link Act} ids (0..7). */
export type ActFn = (typeof Act)[keyof typeof Act];

export interface MatmulShape {
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  alpha: number;
  beta: number;
}

export interface LinearShape {
  batch: number;
  inFeatures: number;
  outFeatures: number;
}

export interface LinearGrads {
  gradX: Float32Array | null;
  gradWeight: Float32Array | null;
  gradBias: Float32Array | null;
}

export interface OpsBackend {
  /** c = alpha·op(a)·op(b) + beta·c, row-major; beta = 0 never reads c. */
  matmul(a: Float32Array, b: Float32Array, c: Float32Array, s: MatmulShape): void;
  matmulAsync(a: Float32Array, b: Float32Array, c: Float32Array, s: MatmulShape): Promise<void>;
  /** y = x·weightᵀ + bias. */
  linearForward(x: Float32Array, weight: Float32Array, bias: Float32Array | null, y: Float32Array, s: LinearShape): void;
  linearForwardAsync(x: Float32Array, weight: Float32Array, bias: Float32Array | null, y: Float32Array, s: LinearShape): Promise<void>;
  /** gradX = gradY·weight, gradWeight (+)= gradYᵀ·x, gradBias (+)= Σ_batch gradY; null outputs are skipped. */
  linearBackward(x: Float32Array, weight: Float32Array, gradY: Float32Array, g: LinearGrads, s: LinearShape, accumulate: boolean): void;
  linearBackwardAsync(x: Float32Array, weight: Float32Array, gradY: Float32Array, g: LinearGrads, s: LinearShape, accumulate: boolean): Promise<void>;
  activationForward(fn: ActFn, x: Float32Array, y: Float32Array, p0: number, p1: number): void;
  activationBackward(fn: ActFn, x: Float32Array, gradY: Float32Array, gradX: Float32Array, p0: number, p1: number): void;
  mseLoss(input: Float32Array, target: Float32Array, grad: Float32Array | null, mean: boolean): number;
  crossEntropyLoss(logits: Float32Array, labels: Int32Array, grad: Float32Array | null, batch: number, classes: number): number;
  bceWithLogitsLoss(input: Float32Array, target: Float32Array, grad: Float32Array | null): number;
}

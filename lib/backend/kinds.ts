/**
 * The named kinds the Backend interface takes, and the one place where they meet the native addon's
 * numbers (native/kernels/activation/activation.h enum Act, native/kernels/rnn/rnn.h enum
 * RecurrentMode). A new activation or recurrent mode is one entry here (its name and the kernel
 * enum's number); the backends' types follow from these tables.
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

/** An activation function by name: a key of {@link Act}. */
export type ActivationKind = keyof typeof Act;

/**
 * A recurrent cell: one-layer RNN with tanh or relu (1 gate block), LSTM (4 gate blocks i, f, g,
 * o) or GRU (3 gate blocks r, z, n). The ids are RecurrentMode's in native/kernels/rnn/rnn.h.
 */
export const RECURRENT_MODE_IDS = { rnn_tanh: 0, rnn_relu: 1, lstm: 2, gru: 3 } as const;

/** A recurrent cell by name: a key of RECURRENT_MODE_IDS. */
export type RecurrentMode = keyof typeof RECURRENT_MODE_IDS;

/** Gate row blocks G of a mode: weights are [G·H, ·]. */
export const recurrentGates = (mode: RecurrentMode): number => (mode === 'lstm' ? 4 : mode === 'gru' ? 3 : 1);

/**
 * Float32 elements of a mode's workspace: RNN the hidden states [T, B, H]; LSTM also the gates [T, B, 4H] and cells [T, B, H];
 * GRU the gates r, z, n [T, B, 3H], W_hn·h_{t−1} + b_hn [T, B, H] and the hidden states.
 */
export const recurrentWorkspaceSize = (mode: RecurrentMode, seqLen: number, batch: number, hiddenSize: number): number =>
  (mode === 'lstm' ? 6 : mode === 'gru' ? 5 : 1) * seqLen * batch * hiddenSize;

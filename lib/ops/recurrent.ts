/**
 * What the RNN and LSTM ops share: the shape, weight and gradient types, their checks, and one
 * forward and one backward call builder for every recurrent mode (lib/backend/kinds.ts): a mode
 * with a cell state ('lstm') adds c0/cN and their gradients. Each mode (rnn.ts, lstm.ts, gru.ts) adds
 * its public functions in its own file over both builders.
 */
import { recurrentGates, recurrentWorkspaceSize, type RecurrentMode } from '../backend/kinds.js';
import type { RecurrentBackwardArgs, RecurrentForwardArgs } from '../backend/ops-types.js';
import { invalidArg } from '../errors.js';
import {
  checkBoolean,
  checkDim,
  checkDisjoint,
  checkFloat32Threshold,
  checkLength,
  checkOptions, optionKeys,
  optLength,
  type AsyncArg,
  type Named,
} from '../validate/index.js';
// The LSTM's options hold every mode's (an RNN's are a subset): the builders take them as the common form.
import type { LstmBackwardOptions, LstmForwardOptions, LstmGrads } from './lstm.js';

/**
 * Dimensions of an RNN/LSTM call (PyTorch's names; batch_first = false): input is
 * [seqLen, batch, inputSize], states are [1, batch, hiddenSize], output is [seqLen, batch, hiddenSize].
 */
export interface RecurrentShape {
  /** Time steps T (>= 1; PyTorch refuses an empty sequence too). */
  seqLen: number;
  /** Sequences per batch B (>= 0). */
  batch: number;
  /** Features per input step (>= 1). */
  inputSize: number;
  /** Hidden units H (>= 1). */
  hiddenSize: number;
}

/**
 * One layer's weights in PyTorch's layout, G = 1 (RNN), 4 (LSTM, gate row blocks i, f, g, o) or 3
 * (GRU, r, z, n):
 * `weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0`.
 */
export interface RecurrentWeights {
  /** Input-to-hidden weights [G·H, inputSize]. */
  weightIh: Float32Array;
  /** Hidden-to-hidden weights [G·H, H]. */
  weightHh: Float32Array;
  /** Input-to-hidden bias [G·H], or absent/null for none. */
  biasIh?: Float32Array | null;
  /** Hidden-to-hidden bias [G·H], or absent/null for none. */
  biasHh?: Float32Array | null;
}

/** Gradients from {@link rnnBackward} (the `options.grads` buffers when given, else new ones). */
export interface RecurrentGrads {
  /** ∂L/∂input [seqLen, batch, inputSize] (overwritten). */
  gradInput: Float32Array;
  /** ∂L/∂h0 [1, batch, H] (overwritten). */
  gradH0: Float32Array;
  /** ∂L/∂weightIh [G·H, inputSize]. */
  gradWeightIh: Float32Array;
  /** ∂L/∂weightHh [G·H, H]. */
  gradWeightHh: Float32Array;
  /**
   * ∂L/∂biasIh [G·H]. Null when the weights have no biasIh; passing one in `options.grads` then is
   * a TypeError (there is no bias to differentiate).
   */
  gradBiasIh: Float32Array | null;
  /** ∂L/∂biasHh [G·H], or null without biasHh (as gradBiasIh). */
  gradBiasHh: Float32Array | null;
}

/** The keys of `options.grads` (an LSTM's also has gradC0). */
const GRAD_KEYS = optionKeys<RecurrentGrads>()(['gradInput', 'gradH0', 'gradWeightIh', 'gradWeightHh', 'gradBiasIh', 'gradBiasHh']);

/** Validates the dimensions of a workspace-size query; returns the size for `mode`. */
export function workspaceSize(mode: RecurrentMode, seqLen: number, batch: number, hiddenSize: number): number {
  return recurrentWorkspaceSize(mode, checkDim('seqLen', seqLen, 1), checkDim('batch', batch), checkDim('hiddenSize', hiddenSize, 1));
}

function checkShape(shape: unknown): RecurrentShape {
  if (shape === null || typeof shape !== 'object') invalidArg('shape', 'an object { seqLen, batch, inputSize, hiddenSize }', shape);
  const s = shape as Record<string, unknown>;
  return {
    // PyTorch refuses an empty sequence ("Expected sequence length to be larger than 0 in RNN"); so do
    // we, rather than hand back h0 as if a step had run.
    seqLen: checkDim('shape.seqLen', s.seqLen, 1),
    batch: checkDim('shape.batch', s.batch),
    inputSize: checkDim('shape.inputSize', s.inputSize, 1),
    hiddenSize: checkDim('shape.hiddenSize', s.hiddenSize, 1),
  };
}

interface Checked {
  s: RecurrentShape;
  wIh: Float32Array;
  wHh: Float32Array;
  bIh: Float32Array | null;
  bHh: Float32Array | null;
}

function checkCommon(input: unknown, weights: unknown, shape: unknown, gates: number): Checked {
  const s = checkShape(shape);
  const { seqLen: T, batch: B, inputSize: I, hiddenSize: H } = s;
  checkLength('input', input, T * B * I);
  if (weights === null || typeof weights !== 'object') invalidArg('weights', 'an object { weightIh, weightHh, biasIh?, biasHh? }', weights);
  const w = weights as Record<string, unknown>;
  return {
    s,
    wIh: checkLength('weights.weightIh', w.weightIh, gates * H * I),
    wHh: checkLength('weights.weightHh', w.weightHh, gates * H * H),
    bIh: optLength('weights.biasIh', w.biasIh, gates * H),
    bHh: optLength('weights.biasHh', w.biasHh, gates * H),
  };
}

function weightList(input: Float32Array, c: Checked): Named[] {
  return [
    ['input', input],
    ['weights.weightIh', c.wIh],
    ['weights.weightHh', c.wHh],
    ['weights.biasIh', c.bIh],
    ['weights.biasHh', c.bHh],
  ];
}

function stateOr(name: string, v: unknown, len: number): Float32Array {
  return v === undefined || v === null ? new Float32Array(len) : checkLength(name, v, len);
}

function outOr(name: string, v: unknown, len: number): Float32Array {
  return v === undefined ? new Float32Array(len) : checkLength(name, v, len);
}

// A bias gradient only exists for a bias; one supplied without it would silently stay untouched.
function biasGrad(name: string, v: unknown, hasBias: boolean, biasName: string, len: number): Float32Array | null {
  if (hasBias) return outOr(name, v ?? undefined, len);
  if (v !== undefined && v !== null) invalidArg(name, `null or absent (${biasName} is null: there is no bias gradient)`, v);
  return null;
}

/** What a forward wrote; cN is null without a cell state. */
export interface ForwardOut {
  output: Float32Array;
  hN: Float32Array;
  cN: Float32Array | null;
  workspace: Float32Array;
}

/** Validates a forward call of `mode` and returns the backend's arguments, the result and what an *Async call keeps. */
export function forwardCall(mode: RecurrentMode, input: unknown, weights: unknown, shape: unknown, o: LstmForwardOptions): [RecurrentForwardArgs, ForwardOut, AsyncArg[]] {
  const cell = mode === 'lstm';
  const c = checkCommon(input, weights, shape, recurrentGates(mode));
  const x = input as Float32Array;
  const { seqLen: T, batch: B, hiddenSize: H } = c.s;
  const h0 = stateOr('options.h0', o.h0, B * H);
  const c0 = cell ? stateOr('options.c0', o.c0, B * H) : null;
  const output = outOr('options.output', o.output, T * B * H);
  const hN = outOr('options.hN', o.hN, B * H);
  const cN = cell ? outOr('options.cN', o.cN, B * H) : null;
  const workspace = outOr('options.workspace', o.workspace, recurrentWorkspaceSize(mode, T, B, H));
  const arrays = checkDisjoint(
    [['options.output', output], ['options.hN', hN], ['options.cN', cN], ['options.workspace', workspace]],
    [...weightList(x, c), ['options.h0', h0], ['options.c0', c0]],
  );
  const args: RecurrentForwardArgs = { mode, dims: c.s, x, h0, c0, weightIh: c.wIh, weightHh: c.wHh, biasIh: c.bIh, biasHh: c.bHh, output, hN, cN, workspace };
  return [args, { output, hN, cN, workspace }, arrays];
}

/** Validates a backward call of `mode`; returns the backend's arguments, the gradients (gradC0 null without a cell state) and what an *Async call keeps. */
export function backwardCall(
  mode: RecurrentMode, input: unknown, weights: unknown, shape: unknown, workspace: unknown, o: LstmBackwardOptions,
): [RecurrentBackwardArgs, RecurrentGrads & { gradC0: Float32Array | null }, AsyncArg[]] {
  const cell = mode === 'lstm';
  const gates = recurrentGates(mode);
  const c = checkCommon(input, weights, shape, gates);
  const x = input as Float32Array;
  const { seqLen: T, batch: B, inputSize: I, hiddenSize: H } = c.s;
  const ws = checkLength('workspace', workspace, recurrentWorkspaceSize(mode, T, B, H));
  const h0 = stateOr('options.h0', o.h0, B * H);
  const c0 = cell ? stateOr('options.c0', o.c0, B * H) : null;
  const gradOutput = optLength('options.gradOutput', o.gradOutput, T * B * H);
  const gradHN = optLength('options.gradHN', o.gradHN, B * H);
  const gradCN = cell ? optLength('options.gradCN', o.gradCN, B * H) : null;
  const accumulate = checkBoolean('options.accumulate', o.accumulate, false);
  const clipHiddenGradNorm = checkFloat32Threshold('options.clipHiddenGradNorm', o.clipHiddenGradNorm);
  const g = (o.grads === undefined ? {} : checkOptions('options.grads', o.grads, cell ? [...GRAD_KEYS, 'gradC0'] : GRAD_KEYS)) as Partial<LstmGrads>;
  const GH = gates * H;
  const grads = {
    gradInput: outOr('options.grads.gradInput', g.gradInput, T * B * I),
    gradH0: outOr('options.grads.gradH0', g.gradH0, B * H),
    gradWeightIh: outOr('options.grads.gradWeightIh', g.gradWeightIh, GH * I),
    gradWeightHh: outOr('options.grads.gradWeightHh', g.gradWeightHh, GH * H),
    gradBiasIh: biasGrad('options.grads.gradBiasIh', g.gradBiasIh, c.bIh !== null, 'weights.biasIh', GH),
    gradBiasHh: biasGrad('options.grads.gradBiasHh', g.gradBiasHh, c.bHh !== null, 'weights.biasHh', GH),
    gradC0: cell ? outOr('options.grads.gradC0', g.gradC0, B * H) : null,
  };
  const arrays = checkDisjoint(
    [
      ['options.grads.gradInput', grads.gradInput],
      ['options.grads.gradH0', grads.gradH0],
      ['options.grads.gradC0', grads.gradC0],
      ['options.grads.gradWeightIh', grads.gradWeightIh],
      ['options.grads.gradWeightHh', grads.gradWeightHh],
      ['options.grads.gradBiasIh', grads.gradBiasIh],
      ['options.grads.gradBiasHh', grads.gradBiasHh],
    ],
    [...weightList(x, c), ['options.h0', h0], ['options.c0', c0], ['workspace', ws], ['options.gradOutput', gradOutput], ['options.gradHN', gradHN], ['options.gradCN', gradCN]],
  );
  const args: RecurrentBackwardArgs = { mode, dims: c.s, x, h0, c0, weightIh: c.wIh, weightHh: c.wHh, workspace: ws, gradOutput, gradHN, gradCN, ...grads, accumulate, clipHiddenGradNorm };
  return [args, grads, arrays];
}

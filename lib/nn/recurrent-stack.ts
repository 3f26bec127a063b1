/**
 * The layer × direction engine behind nn.RNN, nn.LSTM and nn.GRU (PyTorch's stacked and
 * bidirectional recurrent nets, batch_first = false). Each (layer l, direction d) is one call of the
 * one-layer ops (rnnForward / lstmForward / gruForward and their backwards, the native fast
 * kernels), with its state at index l·D + d of h0/hN [L·D, batch, H].
 *
 * What is copied, and why: a single-direction stack copies nothing (each layer reads the one below's
 * output buffer, and writes its own output straight into the next one's input, or the module output).
 * Bidirectional layers need the two directions' outputs side by side ([T, B, 2H]), so each direction
 * writes its own [T, B, H] and is copied into place once (the gradient is split the same way); the
 * reverse direction also reads its input in reverse time, one copy of [T, B, in] (the kernels take
 * contiguous steps). Inter-layer dropout (training only) multiplies by a mask drawn from the module's
 * Rng, kept for the backward.
 */
import type { Rng } from '../init/rng.js';
import { gruBackward, gruForward, gruWorkspaceSize, lstmBackward, lstmForward, lstmWorkspaceSize, rnnBackward, rnnForward, rnnWorkspaceSize } from '../ops/index.js';
import type { Parameter } from './parameter.js';
import { Buffer } from './tensor.js';

/** The cell kind of a stack. */
export type CellMode = 'rnn_tanh' | 'rnn_relu' | 'lstm' | 'gru';

/** One (layer, direction): its parameters and the buffers its calls reuse. */
export interface Cell {
  /** `weight_ih_l{l}[_reverse]`. */
  wIh: Parameter;
  /** `weight_hh_l{l}[_reverse]`. */
  wHh: Parameter;
  /** `bias_ih_l{l}[_reverse]`, or null. */
  bIh: Parameter | null;
  /** `bias_hh_l{l}[_reverse]`, or null. */
  bHh: Parameter | null;
  /** Features per input step of this layer. */
  inSize: number;
  /** @internal */
  ws: Buffer;
  /** @internal own output [T, B, H] (bidirectional only) */
  out: Buffer;
  /** @internal the time-reversed input (reverse direction only) */
  revIn: Buffer;
  /** @internal this direction's share of the output gradient (bidirectional only) */
  gOut: Buffer;
  /** @internal the reverse direction's input gradient in its own (reversed) time order */
  gIn: Buffer;
  /** @internal what the forward read, for the backward */
  input: Float32Array | null;
}

/** Time-reversed copy of x [T, rowFloats·…] into dst (one row block per step). */
function reverseTime(x: Float32Array, T: number, step: number, dst: Float32Array): Float32Array {
  for (let t = 0; t < T; t++) dst.set(x.subarray((T - 1 - t) * step, (T - t) * step), t * step);
  return dst;
}

/** Everything a forward of the stack keeps for its backward. */
interface Saved {
  T: number;
  B: number;
  h0: Float32Array;
  c0: Float32Array | null;
  /** Per layer below the top: its mask when dropout ran, else null. */
  masks: (Float32Array | null)[];
}

/** The stacked/bidirectional forward and backward over a module's cells (cells[l·D + d]). */
export class RecurrentStack {
  private readonly layerOut: Buffer[];
  private readonly layerIn: Buffer[];
  private readonly maskBufs: Buffer[];
  private readonly gLayer: Buffer[];
  private saved: Saved | null = null;

  /**
   * @param mode the cell kind.
   * @param cells cells[l·D + d], layer by layer, forward direction first.
   * @param numLayers L.
   * @param dirs D, 1 or 2.
   * @param hiddenSize H.
   * @param dropout probability of zeroing a layer's output before the next layer reads it (training only).
   * @param rng where dropout masks come from.
   */
  constructor(
    private readonly mode: CellMode,
    readonly cells: readonly Cell[],
    private readonly numLayers: number,
    private readonly dirs: number,
    private readonly hiddenSize: number,
    private readonly dropout: number,
    private readonly rng: Rng | null,
  ) {
    const mk = (): Buffer[] => Array.from({ length: numLayers }, () => new Buffer());
    this.layerOut = mk();
    this.layerIn = mk();
    this.maskBufs = mk();
    this.gLayer = mk();
  }

  private weights(c: Cell) {
    return { weightIh: c.wIh.data, weightHh: c.wHh.data, biasIh: c.bIh?.data ?? null, biasHh: c.bHh?.data ?? null };
  }

  private wsSize(T: number, B: number): number {
    const H = this.hiddenSize;
    return this.mode === 'lstm' ? lstmWorkspaceSize(T, B, H) : this.mode === 'gru' ? gruWorkspaceSize(T, B, H) : rnnWorkspaceSize(T, B, H);
  }

  /**
   * Runs every layer and direction. x [T, B, I]; h0/c0 [L·D·B·H] (c0 LSTM only); writes output
   * [T, B, D·H], hN and cN [L·D·B·H].
   */
  forward(x: Float32Array, T: number, B: number, h0: Float32Array, c0: Float32Array | null, output: Float32Array, hN: Float32Array, cN: Float32Array | null, training: boolean): void {
    const { numLayers: L, dirs: D, hiddenSize: H } = this;
    const BH = B * H;
    const masks: (Float32Array | null)[] = [];
    let input = x;
    for (let l = 0; l < L; l++) {
      const top = l === L - 1;
      const layerOut = top ? output : this.layerOut[l].get(T * B * D * H);
      for (let d = 0; d < D; d++) {
        const idx = l * D + d;
        const c = this.cells[idx];
        const xin = d === 0 ? input : reverseTime(input, T, B * c.inSize, c.revIn.get(T * B * c.inSize));
        const out = D === 1 ? layerOut : c.out.get(T * B * H);
        const shape = { seqLen: T, batch: B, inputSize: c.inSize, hiddenSize: H };
        const o = { h0: h0.subarray(idx * BH, (idx + 1) * BH), output: out, hN: hN.subarray(idx * BH, (idx + 1) * BH), workspace: c.ws.get(this.wsSize(T, B)) };
        if (this.mode === 'lstm') lstmForward(xin, this.weights(c), shape, { ...o, c0: c0!.subarray(idx * BH, (idx + 1) * BH), cN: cN!.subarray(idx * BH, (idx + 1) * BH) });
        else if (this.mode === 'gru') gruForward(xin, this.weights(c), shape, o);
        else rnnForward(xin, this.weights(c), shape, { ...o, nonlinearity: this.mode === 'rnn_relu' ? 'relu' : 'tanh' });
        c.input = xin;
        if (D === 2) {
          // step t of this direction goes to time t (forward) or T − 1 − t (reverse), features d·H…
          for (let t = 0; t < T; t++) {
            const at = d === 0 ? t : T - 1 - t;
            for (let b = 0; b < B; b++) layerOut.set(out.subarray((t * B + b) * H, (t * B + b + 1) * H), (at * B + b) * 2 * H + d * H);
          }
        }
      }
      if (!top) {
        if (training && this.dropout > 0) {
          const n = T * B * D * H;
          const mask = this.maskBufs[l].get(n);
          const next = this.layerIn[l].get(n);
          const keep = 1 - this.dropout;
          const scale = 1 / keep;
          for (let i = 0; i < n; i++) {
            mask[i] = this.rng!.nextDouble() < keep ? scale : 0;
            next[i] = layerOut[i] * mask[i];
          }
          masks.push(mask);
          input = next;
        } else {
          masks.push(null);
          input = layerOut;
        }
      }
    }
    this.saved = { T, B, h0, c0, masks };
  }

  /**
   * Backward through every layer and direction (parameter gradients accumulated). gradOut
   * [T, B, D·H]; gradHN/gradCN [L·D·B·H] or null; writes gradInput [T, B, I], gradH0/gradC0 [L·D·B·H].
   * @returns false when no forward ran.
   */
  backward(gradOut: Float32Array, gradHN: Float32Array | null, gradCN: Float32Array | null, gradInput: Float32Array, gradH0: Float32Array, gradC0: Float32Array | null): boolean {
    const s = this.saved;
    if (!s) return false;
    const { numLayers: L, dirs: D, hiddenSize: H } = this;
    const { T, B } = s;
    const BH = B * H;
    let g = gradOut;
    for (let l = L - 1; l >= 0; l--) {
      const inSize = this.cells[l * D].inSize;
      const gIn = l === 0 ? gradInput : this.gLayer[l].get(T * B * inSize);
      for (let d = 0; d < D; d++) {
        const idx = l * D + d;
        const c = this.cells[idx];
        let gOut = g;
        if (D === 2) {
          gOut = c.gOut.get(T * B * H);
          for (let t = 0; t < T; t++) {
            const at = d === 0 ? t : T - 1 - t;
            for (let b = 0; b < B; b++) gOut.set(g.subarray((at * B + b) * 2 * H + d * H, (at * B + b) * 2 * H + (d + 1) * H), (t * B + b) * H);
          }
        }
        const gInCell = d === 0 ? gIn : c.gIn.get(T * B * inSize);
        const sl = (a: Float32Array | null) => (a ? a.subarray(idx * BH, (idx + 1) * BH) : null);
        const grads = { gradInput: gInCell, gradH0: sl(gradH0)!, gradWeightIh: c.wIh.grad, gradWeightHh: c.wHh.grad, gradBiasIh: c.bIh?.grad ?? null, gradBiasHh: c.bHh?.grad ?? null };
        const shape = { seqLen: T, batch: B, inputSize: inSize, hiddenSize: H };
        const ws = c.ws.get(this.wsSize(T, B));
        const o = { h0: sl(s.h0), gradOutput: gOut, gradHN: sl(gradHN), accumulate: true };
        if (this.mode === 'lstm') lstmBackward(c.input!, this.weights(c), shape, ws, { ...o, c0: sl(s.c0), gradCN: sl(gradCN), grads: { ...grads, gradC0: sl(gradC0)! } });
        else if (this.mode === 'gru') gruBackward(c.input!, this.weights(c), shape, ws, { ...o, grads });
        else rnnBackward(c.input!, this.weights(c), shape, ws, { ...o, grads, nonlinearity: this.mode === 'rnn_relu' ? 'relu' : 'tanh' });
        if (d === 1) {
          // the reverse direction saw the input in reverse time
          const step = B * inSize;
          for (let t = 0; t < T; t++) {
            const src = (T - 1 - t) * step;
            for (let k = 0; k < step; k++) gIn[t * step + k] += gInCell[src + k];
          }
        }
      }
      if (l > 0) {
        const mask = s.masks[l - 1];
        if (mask) for (let i = 0; i < gIn.length; i++) gIn[i] *= mask[i];
        g = gIn;
      }
    }
    return true;
  }
}

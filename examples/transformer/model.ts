// A small decoder-only (GPT-style) character model from gradguard's nn modules: token and learned
// position embeddings, pre-norm TransformerEncoderLayers with a causal mask, a final LayerNorm and a
// Linear head over the vocabulary. Tokens enter as Int32Array indices [L, batch].
import { nn, type Rng } from '../../lib/index.js';

/** Sizes of {@link CharTransformer}. */
export interface CharTransformerConfig {
  vocab: number;
  /** Longest sequence (positions with an embedding). */
  context: number;
  dModel: number;
  heads: number;
  layers: number;
  dimFeedforward: number;
  dropout: number;
  rng: Rng;
}

/** tokens [L, batch] → logits [L·batch, vocab], position t predicting token t + 1. */
export class CharTransformer extends nn.Module {
  readonly config: CharTransformerConfig;
  private readonly tok: nn.Embedding;
  private readonly pos: nn.Embedding;
  private readonly blocks: nn.TransformerEncoderLayer[];
  private readonly norm: nn.LayerNorm;
  private readonly head: nn.Linear;
  private shape: [number, number] = [0, 0];
  private h = new Float32Array(0);
  private positions = new Int32Array(0);
  private gPos = new Float32Array(0);

  constructor(c: CharTransformerConfig) {
    super();
    this.config = c;
    const { rng } = c;
    this.tok = this.addModule('tok', new nn.Embedding(c.vocab, c.dModel, { rng }));
    this.pos = this.addModule('pos', new nn.Embedding(c.context, c.dModel, { rng }));
    // GPT's scale for the embeddings (N(0, 0.02²)) rather than nn.Embedding's N(0, 1).
    for (const e of [this.tok, this.pos]) for (let i = 0; i < e.weight.data.length; i++) e.weight.data[i] *= 0.02;
    this.blocks = Array.from({ length: c.layers }, (_, i) =>
      this.addModule(`layers.${i}`, new nn.TransformerEncoderLayer(c.dModel, c.heads, { dimFeedforward: c.dimFeedforward, dropout: c.dropout, activation: 'gelu', normFirst: true, rng })),
    );
    this.norm = this.addModule('norm', new nn.LayerNorm(c.dModel));
    this.head = this.addModule('head', new nn.Linear(c.dModel, c.vocab, { rng }));
  }

  /**
   * @param x tokens `{ data: Int32Array, shape: [L, batch] }`, L <= context.
   * @returns logits [L·batch, vocab], rows in (t, b) order.
   */
  forward(x: nn.IndexTensor | nn.Tensor): nn.Tensor {
    const [L, B] = x.shape;
    const D = this.config.dModel;
    if (this.positions.length !== L) this.positions = Int32Array.from({ length: L }, (_, t) => t);
    const e = this.tok.forward(x).data;
    const p = this.pos.forward({ data: this.positions, shape: [L] }).data;
    if (this.h.length !== e.length) this.h = new Float32Array(e.length);
    for (let t = 0; t < L; t++) for (let b = 0; b < B; b++) for (let j = 0; j < D; j++) this.h[(t * B + b) * D + j] = e[(t * B + b) * D + j] + p[t * D + j];
    let h: nn.Tensor = { data: this.h, shape: [L, B, D] };
    for (const block of this.blocks) h = block.forward(h, { causal: true });
    const logits = this.head.forward(this.norm.forward(h));
    this.shape = [L, B];
    return { data: logits.data, shape: [L * B, this.config.vocab] };
  }

  /** @param gradOut ∂loss/∂logits [L·batch, vocab]. @returns an empty Tensor (tokens have no gradient). */
  backward(gradOut: nn.Tensor): nn.Tensor {
    const [L, B] = this.shape;
    const D = this.config.dModel;
    let g = this.norm.backward(this.head.backward({ data: gradOut.data, shape: [L, B, this.config.vocab] }));
    for (let i = this.blocks.length - 1; i >= 0; i--) g = this.blocks[i].backward(g);
    // The position embedding is shared by the batch: its gradient is the sum over b.
    if (this.gPos.length !== L * D) this.gPos = new Float32Array(L * D);
    this.gPos.fill(0);
    for (let t = 0; t < L; t++) for (let b = 0; b < B; b++) for (let j = 0; j < D; j++) this.gPos[t * D + j] += g.data[(t * B + b) * D + j];
    this.pos.backward({ data: this.gPos, shape: [L, D] });
    return this.tok.backward(g);
  }
}

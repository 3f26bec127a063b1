/**
 * nn.Embedding: a lookup table of `numEmbeddings` rows of `embeddingDim` (PyTorch `nn.Embedding`),
 * over ops.embeddingForward / embeddingBackward. Indices are integers, not floats: the forward takes
 * an {@link IndexTensor} (`{ data: Int32Array, shape }`) — a Float32Array of "indices" is a TypeError,
 * as PyTorch refuses a float index tensor — or `forwardIndices(indices, shape)`.
 */
import { invalidArg } from '../errors.js';
import { normal } from '../init/init.js';
import { embeddingBackward, embeddingForward, type EmbeddingOptions as EmbeddingOpOptions } from '../ops/index.js';
import { checkOptions, optionKeys } from '../validate/index.js';
import { checkSize, INIT_OPTION_KEYS, randomOptions, type InitOptions } from './init-options.js';
import { Module } from './module.js';
import type { Parameter } from './parameter.js';
import { checkGrad, formatShape, numel, type Tensor } from './tensor.js';

/** Integer indices with their shape (row-major), the input of {@link Embedding}. */
export interface IndexTensor {
  /** The indices, each in [0, numEmbeddings). */
  readonly data: Int32Array;
  /** The dimensions; their product is data.length. */
  readonly shape: readonly number[];
}

/** Options of {@link Embedding}: the padding row, and the seed or generator for the initial weights. */
export interface EmbeddingOptions extends InitOptions {
  /**
   * A row that gets no gradient and starts at zero (PyTorch `padding_idx`): an integer in
   * [-numEmbeddings, numEmbeddings), a negative one counting from the end as in PyTorch. Default none.
   */
  paddingIdx?: number | null;
}

const EMBEDDING_OPTION_KEYS = optionKeys<EmbeddingOptions>()([...INIT_OPTION_KEYS, 'paddingIdx']);

/**
 * A lookup table (PyTorch `nn.Embedding`): indices of any shape S → rows [...S, embeddingDim].
 * Parameter "weight" [numEmbeddings, embeddingDim], drawn from N(0, 1) with the padding row zeroed
 * (PyTorch's init). Backward adds each position's gradient into its row (duplicates add up, in a fixed
 * order); the padding row gets nothing. An index out of range is a RangeError naming its position,
 * thrown before anything is written.
 */
export class Embedding extends Module {
  /** Rows of the table. */
  readonly numEmbeddings: number;
  /** Features per row. */
  readonly embeddingDim: number;
  /** The row that gets no gradient (normalised to [0, numEmbeddings)), or null. */
  readonly paddingIdx: number | null;
  /** The table [numEmbeddings, embeddingDim]. */
  readonly weight: Parameter;
  private indices: IndexTensor | null = null;
  private y = new Float32Array(0);
  private readonly noGrad = { data: new Float32Array(0), shape: [0] } as const;

  /**
   * @param numEmbeddings rows, an integer >= 1.
   * @param embeddingDim features per row, an integer >= 1.
   * @param options `paddingIdx`, `seed` or `rng`.
   * @throws {TypeError|RangeError} a size that is not a positive integer; paddingIdx not an integer in
   *   [-numEmbeddings, numEmbeddings).
   */
  constructor(numEmbeddings: number, embeddingDim: number, options?: EmbeddingOptions) {
    checkOptions('new nn.Embedding: options', options, EMBEDDING_OPTION_KEYS, ['maxNorm', 'normType', 'scaleGradByFreq', 'sparse']);
    super();
    this.numEmbeddings = checkSize('Embedding numEmbeddings', numEmbeddings);
    this.embeddingDim = checkSize('Embedding embeddingDim', embeddingDim);
    const p = options?.paddingIdx ?? null;
    if (p !== null) {
      if (typeof p !== 'number') invalidArg('Embedding options.paddingIdx', `an integer in [${-numEmbeddings}, ${numEmbeddings}) or null`, p);
      if (!Number.isInteger(p) || p < -numEmbeddings || p >= numEmbeddings) invalidArg('Embedding options.paddingIdx', `an integer in [${-numEmbeddings}, ${numEmbeddings}) or null`, p, 'range');
    }
    this.paddingIdx = p === null ? null : p < 0 ? p + numEmbeddings : p;
    const r = randomOptions('Embedding', options);
    this.weight = this.addParameter('weight', [numEmbeddings, embeddingDim]);
    normal(this.weight.data, this.weight.shape, { ...r, mean: 0, std: 1 });
    if (this.paddingIdx !== null) this.weight.data.fill(0, this.paddingIdx * embeddingDim, (this.paddingIdx + 1) * embeddingDim);
  }

  override toString(): string {
    return `Embedding(${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx === null ? '' : `, paddingIdx=${this.paddingIdx}`})`;
  }

  private get opOptions(): EmbeddingOpOptions {
    return { numEmbeddings: this.numEmbeddings, embeddingDim: this.embeddingDim, paddingIdx: this.paddingIdx };
  }

  /**
   * Looks up each index's row.
   * @param indices `{ data: Int32Array, shape }` (an {@link IndexTensor}), each value in [0, numEmbeddings).
   *   Typed as `Tensor | IndexTensor` only so an Embedding fits where a Module goes: Float32Array data is refused.
   * @returns y `[...shape, embeddingDim]`, the module's buffer.
   * @throws {TypeError} indices is not `{ data: Int32Array, shape }`.
   * @throws {RangeError} the shape does not match data.length, or an index is out of range (naming its position).
   */
  forward(indices: IndexTensor | Tensor): Tensor {
    const where = this.where('forward', 'indices');
    if (indices === null || typeof indices !== 'object' || ArrayBuffer.isView(indices)) {
      invalidArg(where, 'an IndexTensor { data: Int32Array, shape: number[] } (or call forwardIndices(indices, shape))', indices);
    }
    const { data, shape } = indices;
    if (!(data instanceof Int32Array)) invalidArg(`${where}.data`, 'an Int32Array of indices (indices are integers, not floats)', data);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) invalidArg(`${where}.shape`, 'an array of non-negative integers', shape);
    if (numel(shape) !== data.length) invalidArg(where, `data of ${numel(shape)} elements for shape ${formatShape(shape)}`, data, 'range');
    const n = data.length * this.embeddingDim;
    // Not a reused Buffer on failure: the op checks every index before writing, so y stays intact.
    const y = this.y.length === n ? this.y : new Float32Array(n);
    embeddingForward(data, this.weight.data, y, this.opOptions);
    this.y = y;
    this.indices = { data, shape: [...shape] };
    return { data: y, shape: [...shape, this.embeddingDim] };
  }

  /**
   * `forward({ data: indices, shape })`; shape defaults to `[indices.length]`.
   * @param indices the indices, each in [0, numEmbeddings).
   * @param shape their dimensions (product = indices.length).
   * @returns y [...shape, embeddingDim].
   * @throws {TypeError|RangeError} as {@link Embedding.forward}.
   */
  forwardIndices(indices: Int32Array, shape?: readonly number[]): Tensor {
    return this.forward({ data: indices, shape: shape ?? [indices?.length ?? 0] } as IndexTensor);
  }

  /**
   * Adds gradOut's rows into weight.grad at the last forward's indices (not at paddingIdx).
   * @param gradOut ∂loss/∂y, [...indices.shape, embeddingDim].
   * @returns an empty Tensor (shape [0]): indices have no gradient (PyTorch gives None).
   * @throws {GradGuardError} `ERR_GRADGUARD_NO_FORWARD` before any forward.
   * @throws {TypeError|RangeError} gradOut's shape differs from the output's.
   */
  backward(gradOut: Tensor): Tensor {
    const ix = this.indices ?? this.noForward();
    checkGrad(this.where('backward', 'gradOut'), gradOut, [...ix.shape, this.embeddingDim]);
    embeddingBackward(ix.data, gradOut.data, this.weight.grad, { ...this.opOptions, accumulate: true });
    this.reportGradsPostHoc(); // fused gradient norm (only for tables up to 1 MiB)
    return this.noGrad;
  }
}

import { ops } from '../../../lib/index.js';
import { decodeTensor, FormatError } from '../format.js';
import { f32Input } from './batchnorm1d.js';
import type { OpHandler } from './types.js';
import { numParam } from './util.js';

/** F.embedding forward and its dense backward (padding_idx present only when set). */
export const embeddingOp: OpHandler = {
  params: ['num_embeddings', 'embedding_dim', 'padding_idx'],
  input: /^(indices|weight|grad_y)$/,
  output: /^(y|grad_weight)$/,
  run(c) {
    const numEmbeddings = numParam(c, 'num_embeddings');
    const embeddingDim = numParam(c, 'embedding_dim');
    const paddingIdx = 'padding_idx' in c.params ? numParam(c, 'padding_idx') : null;
    if (c.inputs.indices === undefined) throw new FormatError('input indices missing');
    const idx = decodeTensor('indices', c.inputs.indices);
    if (!(idx.data instanceof Int32Array)) throw new FormatError('indices must be int32');
    const weight = f32Input(c, 'weight');
    if (weight.shape.length !== 2 || weight.shape[0] !== numEmbeddings || weight.shape[1] !== embeddingDim) throw new FormatError('weight must be [num_embeddings, embedding_dim]');
    const gy = f32Input(c, 'grad_y');
    const options = { numEmbeddings, embeddingDim, paddingIdx };
    const y = new Float32Array(idx.data.length * embeddingDim).fill(NaN);
    ops.embeddingForward(idx.data, weight.data, y, options);
    // garbage in gradWeight: the op must overwrite it (accumulate is off)
    const gw = new Float32Array(numEmbeddings * embeddingDim).fill(NaN);
    ops.embeddingBackward(idx.data, gy.data, gw, options);
    return {
      outputs: {
        y: { shape: [...idx.shape, embeddingDim], data: y },
        grad_weight: { shape: weight.shape, data: gw },
      },
    };
  },
};

import { ops } from '../../../lib/index.js';
import { FormatError, type GoldenCase } from '../format.js';
import { f32Input } from './batchnorm1d.js';
import type { CaseRun, OpHandler } from './types.js';
import { boolParam, numParam } from './util.js';

type Out = CaseRun['outputs'];

/** Written-out scaled dot-product attention (kind "sdpa") on ops.attentionForward/Backward. */
function sdpa(c: GoldenCase): Out {
  const batch = numParam(c, 'batch');
  const heads = numParam(c, 'heads');
  const lq = numParam(c, 'lq');
  const lk = numParam(c, 'lk');
  const d = numParam(c, 'd');
  const dv = numParam(c, 'dv');
  const causal = boolParam(c, 'causal');
  const hasMask = boolParam(c, 'has_mask');
  const scale = 'scale' in c.params ? numParam(c, 'scale') : undefined;
  const q = f32Input(c, 'q');
  const k = f32Input(c, 'k');
  const v = f32Input(c, 'v');
  const go = f32Input(c, 'grad_out');
  const mask = hasMask ? f32Input(c, 'attn_mask').data : null;
  if (!hasMask && c.inputs.attn_mask !== undefined) throw new FormatError('attn_mask given without has_mask');
  const options = { batch, heads, lq, lk, d, dv, causal, mask, ...(scale === undefined ? {} : { scale }) };
  const out = new Float32Array(batch * heads * lq * dv).fill(NaN);
  const lse = new Float32Array(batch * heads * lq).fill(NaN);
  ops.attentionForward(q.data, k.data, v.data, out, lse, options);
  // garbage in the gradients: the op must overwrite them
  const gradQ = new Float32Array(q.data.length).fill(NaN);
  const gradK = new Float32Array(k.data.length).fill(NaN);
  const gradV = new Float32Array(v.data.length).fill(NaN);
  ops.attentionBackward(q.data, k.data, v.data, out, lse, go.data, { gradQ, gradK, gradV }, options);
  return {
    out: { shape: [batch, heads, lq, dv], data: out },
    grad_q: { shape: q.shape, data: gradQ },
    grad_k: { shape: k.shape, data: gradK },
    grad_v: { shape: v.shape, data: gradV },
  };
}

/**
 * nn.MultiheadAttention self-attention (kind "mha") composed at the ops level: one linear for the
 * packed in-projection, ops.selfAttentionForward reading the heads straight from its [L, B, 3E] rows
 * and writing [L, B, E] rows, the out-projection; the backward runs the same chain in reverse.
 */
function mha(c: GoldenCase): Out {
  const L = numParam(c, 'seq_len');
  const B = numParam(c, 'batch');
  const E = numParam(c, 'embed_dim');
  const h = numParam(c, 'num_heads');
  const causal = boolParam(c, 'causal');
  if (!boolParam(c, 'bias')) throw new FormatError('bias must be true');
  if (E % h !== 0) throw new FormatError('num_heads must divide embed_dim');
  const hd = E / h;
  const x = f32Input(c, 'x');
  const wIn = f32Input(c, 'in_proj_weight').data;
  const bIn = f32Input(c, 'in_proj_bias').data;
  const wOut = f32Input(c, 'out_proj_weight').data;
  const bOut = f32Input(c, 'out_proj_bias').data;
  const gy = f32Input(c, 'grad_y').data;
  const rows = L * B;
  const qkv = new Float32Array(rows * 3 * E);
  ops.linearForward(x.data, wIn, bIn, qkv, { batch: rows, inFeatures: E, outFeatures: 3 * E });
  const options = { seqLen: L, batch: B, heads: h, headDim: hd, causal };
  const oRows = new Float32Array(rows * E);
  const lse = new Float32Array(B * h * L);
  ops.selfAttentionForward(qkv, oRows, lse, options);
  const y = new Float32Array(rows * E);
  ops.linearForward(oRows, wOut, bOut, y, { batch: rows, inFeatures: E, outFeatures: E });

  const gOut = { gradX: new Float32Array(rows * E), gradWeight: new Float32Array(E * E), gradBias: new Float32Array(E) };
  ops.linearBackward(oRows, wOut, gy, gOut, { batch: rows, inFeatures: E, outFeatures: E });
  const gQkv = new Float32Array(rows * 3 * E).fill(NaN);
  ops.selfAttentionBackward(qkv, oRows, lse, gOut.gradX, gQkv, options);
  const gIn = { gradX: new Float32Array(rows * E).fill(NaN), gradWeight: new Float32Array(3 * E * E).fill(NaN), gradBias: new Float32Array(3 * E).fill(NaN) };
  ops.linearBackward(x.data, wIn, gQkv, gIn, { batch: rows, inFeatures: E, outFeatures: 3 * E });
  return {
    y: { shape: [L, B, E], data: y },
    grad_x: { shape: [L, B, E], data: gIn.gradX },
    grad_in_proj_weight: { shape: [3 * E, E], data: gIn.gradWeight },
    grad_in_proj_bias: { shape: [3 * E], data: gIn.gradBias },
    grad_out_proj_weight: { shape: [E, E], data: gOut.gradWeight },
    grad_out_proj_bias: { shape: [E], data: gOut.gradBias },
  };
}

/** attention.json: sdpa and mha cases (params.kind). */
export const attentionOp: OpHandler = {
  params: ['kind', 'batch', 'heads', 'lq', 'lk', 'd', 'dv', 'causal', 'has_mask', 'scale', 'seq_len', 'embed_dim', 'num_heads', 'bias'],
  input: /^(q|k|v|attn_mask|grad_out|x|in_proj_weight|in_proj_bias|out_proj_weight|out_proj_bias|grad_y)$/,
  output: /^(out|grad_q|grad_k|grad_v|y|grad_x|grad_in_proj_weight|grad_in_proj_bias|grad_out_proj_weight|grad_out_proj_bias)$/,
  run(c) {
    const kind = c.params.kind;
    if (kind === 'sdpa') return { outputs: sdpa(c) };
    if (kind === 'mha') return { outputs: mha(c) };
    throw new FormatError(`unknown attention kind ${String(kind)}`);
  },
};

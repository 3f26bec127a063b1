/**
 * The native backend's ops: each maps the backend's argument objects and named kinds onto the
 * addon's positional exports (native/addon/*_binding.cc), in one place per op for its sync and
 * async forms.
 */
import type { ConvGeometryArgs, NativeAddon, PoolGeometryArgs } from '../binding.js';
import { Act, RECURRENT_MODE_IDS } from './kinds.js';
import { nativeError, nativePair } from './native-call.js';
import type { AsyncForms } from './types.js';
import type {
  AvgPool2dBackwardArgs,
  AvgPool2dForwardArgs,
  BatchNorm2dBackwardArgs,
  BatchNorm2dForwardArgs,
  BatchNormBackwardArgs,
  ConvBackwardArgs,
  ConvForwardArgs,
  ConvGeometry,
  BatchNormForwardArgs,
  DropoutApplyArgs,
  MaxPool2dBackwardArgs,
  MaxPool2dForwardArgs,
  Pool2dGeometry,
  LayerNormBackwardArgs,
  LayerNormForwardArgs,
  LinearGrads,
  LinearShape,
  MatmulShape,
  OpsBackend,
  RecurrentBackwardArgs,
  RecurrentForwardArgs,
  EmbeddingForwardArgs,
  EmbeddingBackwardArgs,
  SoftmaxForwardArgs,
  SoftmaxBackwardArgs,
  AttentionForwardArgs,
  AttentionBackwardArgs,
  SelfAttentionForwardArgs,
  SelfAttentionBackwardArgs,
} from './ops-types.js';

type NativeOps = OpsBackend &
  AsyncForms<OpsBackend, 'matmul' | 'linearForward' | 'linearBackward' | 'batchNormForward' | 'batchNormBackward' | 'layerNormForward' | 'layerNormBackward' | 'recurrentForward' | 'recurrentBackward' | 'convForward' | 'convBackward'> &
  AsyncForms<OpsBackend, 'embeddingForward' | 'embeddingBackward' | 'softmaxForward' | 'softmaxBackward' | 'attentionForward' | 'attentionBackward' | 'selfAttentionForward' | 'selfAttentionBackward'> &
  AsyncForms<OpsBackend, 'maxPool2dForward' | 'maxPool2dBackward' | 'avgPool2dForward' | 'avgPool2dBackward' | 'batchNorm2dForward' | 'batchNorm2dBackward'>;

/** The CNN ops of issue 13: pooling, BatchNorm2d and the dropout multiply. */
function createCnnOps(addon: NativeAddon) {
  const geo = (g: Pool2dGeometry): PoolGeometryArgs => [g.batch, g.channels, g.height, g.width, g.outHeight, g.outWidth, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw];
  const [maxPool2dForward, maxPool2dForwardAsync] = nativePair(addon.maxPool2dForward, addon.maxPool2dForwardAsync)((_, a: MaxPool2dForwardArgs) => [a.x, a.y, a.indices, ...geo(a.g)]);
  const [maxPool2dBackward, maxPool2dBackwardAsync] = nativePair(addon.maxPool2dBackward, addon.maxPool2dBackwardAsync)((_, a: MaxPool2dBackwardArgs) => [a.gradY, a.indices, a.gradX, ...geo(a.g)]);
  const [avgPool2dForward, avgPool2dForwardAsync] = nativePair(addon.avgPool2dForward, addon.avgPool2dForwardAsync)((_, a: AvgPool2dForwardArgs) => [a.x, a.y, a.countIncludePad, a.adaptive, ...geo(a.g)]);
  const [avgPool2dBackward, avgPool2dBackwardAsync] = nativePair(addon.avgPool2dBackward, addon.avgPool2dBackwardAsync)((_, a: AvgPool2dBackwardArgs) => [a.gradY, a.gradX, a.countIncludePad, a.adaptive, ...geo(a.g)]);
  const [batchNorm2dForward, batchNorm2dForwardAsync] = nativePair(addon.batchNorm2dForward, addon.batchNorm2dForwardAsync)((_, a: BatchNorm2dForwardArgs) =>
    [a.x, a.n, a.c, a.plane, a.weight, a.bias, a.runningMean, a.runningVar, a.training, a.momentum, a.eps, a.y, a.saveMean, a.saveInvstd],
  );
  const [batchNorm2dBackward, batchNorm2dBackwardAsync] = nativePair(addon.batchNorm2dBackward, addon.batchNorm2dBackwardAsync)((_, a: BatchNorm2dBackwardArgs) =>
    [a.gradY, a.x, a.n, a.c, a.plane, a.weight, a.saveMean, a.saveInvstd, a.training, a.gradX, a.gradWeight, a.gradBias, a.accumulate],
  );
  return {
    maxPool2dForward,
    maxPool2dForwardAsync,
    maxPool2dBackward,
    maxPool2dBackwardAsync,
    avgPool2dForward,
    avgPool2dForwardAsync,
    avgPool2dBackward,
    avgPool2dBackwardAsync,
    batchNorm2dForward,
    batchNorm2dForwardAsync,
    batchNorm2dBackward,
    batchNorm2dBackwardAsync,
    // Elementwise and called per layer in a training loop: errors mapped inline, as the activations.
    dropoutApply(a: DropoutApplyArgs) {
      try {
        addon.dropoutApply(a.x, a.mask, a.groupSize, a.scale, a.out);
      } catch (err) {
        throw nativeError(err);
      }
    },
  };
}

export function createNativeOps(addon: NativeAddon): NativeOps {
  const [matmul, matmulAsync] = nativePair(addon.matmul, addon.matmulAsync)((_, a: Float32Array, b: Float32Array, c: Float32Array, s: MatmulShape) =>
    [a, b, c, s.m, s.n, s.k, s.transA, s.transB, s.alpha, s.beta],
  );
  const [linearForward, linearForwardAsync] = nativePair(addon.linearForward, addon.linearForwardAsync)((_, x: Float32Array, w: Float32Array, b: Float32Array | null, y: Float32Array, s: LinearShape) => [x, w, b, y, s.batch, s.inFeatures, s.outFeatures],
  );
  const [linearBackward, linearBackwardAsync] = nativePair(addon.linearBackward, addon.linearBackwardAsync)((_, x: Float32Array, w: Float32Array, gy: Float32Array, g: LinearGrads, s: LinearShape, acc: boolean, ss?: Float64Array | null) =>
      [x, w, gy, g.gradX, g.gradWeight, g.gradBias, s.batch, s.inFeatures, s.outFeatures, acc, ss ?? null],
  );
  const [batchNormForward, batchNormForwardAsync] = nativePair(addon.batchNormForward, addon.batchNormForwardAsync)((_, a: BatchNormForwardArgs) =>
    [a.x, a.n, a.c, a.weight, a.bias, a.runningMean, a.runningVar, a.training, a.momentum, a.eps, a.y, a.saveMean, a.saveInvstd],
  );
  const [batchNormBackward, batchNormBackwardAsync] = nativePair(addon.batchNormBackward, addon.batchNormBackwardAsync)((_, a: BatchNormBackwardArgs) =>
    [a.gradY, a.x, a.n, a.c, a.weight, a.saveMean, a.saveInvstd, a.training, a.gradX, a.gradWeight, a.gradBias, a.accumulate],
  );
  const [layerNormForward, layerNormForwardAsync] = nativePair(addon.layerNormForward, addon.layerNormForwardAsync)((_, a: LayerNormForwardArgs) =>
    [a.x, a.rows, a.size, a.weight, a.bias, a.eps, a.y, a.saveMean, a.saveInvstd],
  );
  const [layerNormBackward, layerNormBackwardAsync] = nativePair(addon.layerNormBackward, addon.layerNormBackwardAsync)((_, a: LayerNormBackwardArgs) =>
    [a.gradY, a.x, a.rows, a.size, a.weight, a.saveMean, a.saveInvstd, a.gradX, a.gradWeight, a.gradBias, a.accumulate],
  );
  const [recurrentForward, recurrentForwardAsync] = nativePair(addon.recurrentForward, addon.recurrentForwardAsync)((_, a: RecurrentForwardArgs) => {
    const d = a.dims;
    return [RECURRENT_MODE_IDS[a.mode], d.seqLen, d.batch, d.inputSize, d.hiddenSize, a.x, a.h0, a.c0, a.weightIh, a.weightHh, a.biasIh, a.biasHh, a.output, a.hN, a.cN, a.workspace];
  });
  const [recurrentBackward, recurrentBackwardAsync] = nativePair(addon.recurrentBackward, addon.recurrentBackwardAsync)((_, a: RecurrentBackwardArgs) => {
    const d = a.dims;
    return [
      RECURRENT_MODE_IDS[a.mode], d.seqLen, d.batch, d.inputSize, d.hiddenSize, a.x, a.h0, a.c0, a.weightIh, a.weightHh, a.workspace,
      a.gradOutput, a.gradHN, a.gradCN, a.gradInput, a.gradH0, a.gradC0, a.gradWeightIh, a.gradWeightHh, a.gradBiasIh, a.gradBiasHh,
      a.accumulate, a.clipHiddenGradNorm,
    ];
  });
  const [convForward, convForwardAsync] = nativePair(addon.convForward, addon.convForwardAsync)((_, a: ConvForwardArgs) =>
    [a.x, a.weight, a.bias, a.y, ...convGeometry(a.geometry)],
  );
  const [convBackward, convBackwardAsync] = nativePair(addon.convBackward, addon.convBackwardAsync)((_, a: ConvBackwardArgs) =>
    [a.x, a.weight, a.gradY, a.gradX, a.gradWeight, a.gradBias, ...convGeometry(a.geometry), a.accumulate],
  );
  const [embeddingForward, embeddingForwardAsync] = nativePair(addon.embeddingForward, addon.embeddingForwardAsync)((_, a: EmbeddingForwardArgs) =>
    [a.indices, a.weight, a.y, a.num, a.dim],
  );
  const [embeddingBackward, embeddingBackwardAsync] = nativePair(addon.embeddingBackward, addon.embeddingBackwardAsync)((_, a: EmbeddingBackwardArgs) =>
    [a.indices, a.gradY, a.gradWeight, a.num, a.dim, a.paddingIdx, a.accumulate],
  );
  const [softmaxForward, softmaxForwardAsync] = nativePair(addon.softmaxForward, addon.softmaxForwardAsync)((_, a: SoftmaxForwardArgs) =>
    [a.x, a.y, a.rows, a.cols, a.log],
  );
  const [softmaxBackward, softmaxBackwardAsync] = nativePair(addon.softmaxBackward, addon.softmaxBackwardAsync)((_, a: SoftmaxBackwardArgs) =>
    [a.y, a.gradY, a.gradX, a.rows, a.cols, a.log],
  );
  const [attentionForward, attentionForwardAsync] = nativePair(addon.attentionForward, addon.attentionForwardAsync)((_, a: AttentionForwardArgs) =>
    [a.q, a.k, a.v, a.out, a.lse, a.batch, a.heads, a.lq, a.lk, a.d, a.dv, a.causal, a.mask, a.scale],
  );
  const [attentionBackward, attentionBackwardAsync] = nativePair(addon.attentionBackward, addon.attentionBackwardAsync)((_, a: AttentionBackwardArgs) =>
    [a.q, a.k, a.v, a.out, a.lse, a.gradOut, a.gradQ, a.gradK, a.gradV, a.batch, a.heads, a.lq, a.lk, a.d, a.dv, a.causal, a.mask, a.scale],
  );
  const [selfAttentionForward, selfAttentionForwardAsync] = nativePair(addon.selfAttentionForward, addon.selfAttentionForwardAsync)((_, a: SelfAttentionForwardArgs) =>
    [a.qkv, a.out, a.lse, a.seqLen, a.batch, a.heads, a.headDim, a.causal, a.mask, a.scale],
  );
  const [selfAttentionBackward, selfAttentionBackwardAsync] = nativePair(addon.selfAttentionBackward, addon.selfAttentionBackwardAsync)((_, a: SelfAttentionBackwardArgs) =>
    [a.qkv, a.out, a.lse, a.gradOut, a.gradQkv, a.seqLen, a.batch, a.heads, a.headDim, a.causal, a.mask, a.scale],
  );
  return {
    matmul,
    matmulAsync,
    linearForward,
    linearForwardAsync,
    linearBackward,
    linearBackwardAsync,
    // The small elementwise calls map errors inline (no rest/spread): they run on tiny inputs too.
    activationForward(f, x, y) {
      try {
        addon.activationForward(Act[f.kind], x, y, f.p0, f.p1);
      } catch (err) {
        throw nativeError(err);
      }
    },
    activationBackward(f, x, gy, gx) {
      try {
        addon.activationBackward(Act[f.kind], x, gy, gx, f.p0, f.p1);
      } catch (err) {
        throw nativeError(err);
      }
    },
    mseLoss(x, t, g, mean) {
      try {
        return addon.mseLoss(x, t, g, mean);
      } catch (err) {
        throw nativeError(err);
      }
    },
    crossEntropyLoss(x, labels, g, batch, classes) {
      try {
        return addon.crossEntropyLoss(x, labels, g, batch, classes);
      } catch (err) {
        throw nativeError(err);
      }
    },
    bceWithLogitsLoss(x, t, g) {
      try {
        return addon.bceWithLogitsLoss(x, t, g);
      } catch (err) {
        throw nativeError(err);
      }
    },
    batchNormForward,
    batchNormForwardAsync,
    batchNormBackward,
    batchNormBackwardAsync,
    layerNormForward,
    layerNormForwardAsync,
    layerNormBackward,
    layerNormBackwardAsync,
    recurrentForward,
    recurrentForwardAsync,
    recurrentBackward,
    recurrentBackwardAsync,
    convForward,
    convForwardAsync,
    convBackward,
    convBackwardAsync,
    embeddingForward,
    embeddingForwardAsync,
    embeddingBackward,
    embeddingBackwardAsync,
    softmaxForward,
    softmaxForwardAsync,
    softmaxBackward,
    softmaxBackwardAsync,
    attentionForward,
    attentionForwardAsync,
    attentionBackward,
    attentionBackwardAsync,
    selfAttentionForward,
    selfAttentionForwardAsync,
    selfAttentionBackward,
    selfAttentionBackwardAsync,
    ...createCnnOps(addon),
  };
}

/** The addon's positional geometry of a convolution. */
function convGeometry(g: ConvGeometry): ConvGeometryArgs {
  return [g.batch, g.inChannels, g.outChannels, g.height, g.width, g.kernelH, g.kernelW, g.strideH, g.strideW, g.padH, g.padW, g.dilationH, g.dilationW, g.groups];
}

/**
 * Loads the native addon (a build from source, else a prebuild: lib/addon-loader.ts) and describes every export
 * in one TypeScript type, so nothing crosses the boundary untyped.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadNativeAddon, type LoadedAddon } from './addon-loader.js';

/** Raw statistics as the addon's gradStats returns them (and the pure-TS backend's stats). */
export interface RawGradStats {
  totalNorm: number;
  maxAbs: number;
  nonFiniteCount: number;
  firstNonFiniteIndex: number;
}

/** A tensor list at the boundary: an array of Float32Array (segments null), or a flat base + segments. */
/** An opaque handle from prepareTensorList: an Array of Float32Array unpacked once. */
export interface PreparedTensorList {
  readonly __preparedTensorList: unique symbol;
}
export type TensorList = readonly Float32Array[] | Float32Array | PreparedTensorList;
type Tensors = TensorList;
type Segments = Uint32Array | null;

export interface NativeAddon {
  activeIsa(): string;
  /** Why GRADGUARD_ISA cannot be honoured (an unknown name, or an ISA this CPU lacks), or null. */
  isaEnvError(): string | null;
  supportedIsas(): string[];
  setIsa(name: string): void;
  numThreads(): number;
  setNumThreads(n: number): void;
  allocateBuffer(bytes: number): ArrayBuffer | null;

  gradNorm(t: Tensors, s: Segments, normType: number, perTensorOut?: Float64Array): number;
  gradNormAsync(t: Tensors, s: Segments, normType: number, perTensorOut?: Float64Array): Promise<number>;
  clipGradNorm(t: Tensors, s: Segments, maxNorm: number, normType: number, errorIfNonfinite: boolean, perTensorOut?: Float64Array): number;
  clipGradNormAsync(t: Tensors, s: Segments, maxNorm: number, normType: number, errorIfNonfinite: boolean, perTensorOut?: Float64Array): Promise<number>;
  scaleGrads(t: Tensors, s: Segments, scale: number): void;
  scaleGradsAsync(t: Tensors, s: Segments, scale: number): Promise<void>;
  clampGrads(t: Tensors, s: Segments, lo: number, hi: number): void;
  clampGradsAsync(t: Tensors, s: Segments, lo: number, hi: number): Promise<void>;
  gradStats(t: Tensors, s: Segments, perTensorOut?: Float64Array): RawGradStats;
  gradStatsAsync(t: Tensors, s: Segments, perTensorOut?: Float64Array): Promise<RawGradStats>;
  prepareTensorList(tensors: readonly Float32Array[]): PreparedTensorList;

  agcClip(p: Tensors, ps: Segments, g: Tensors, gs: Segments, units: Uint32Array, clipping: number, eps: number): void;
  sgdStep(p: Tensors, ps: Segments, g: Tensors, gs: Segments, buf: Tensors | null, bs: Segments, lr: number, momentum: number, dampening: number, weightDecay: number, nesterov: boolean, maximize: boolean, firstStep: boolean, gradScale: number): void;
  batchNormForward(x: Float32Array, n: number, c: number, weight: Float32Array | null, bias: Float32Array | null, runningMean: Float32Array | null, runningVar: Float32Array | null, training: boolean, momentum: number, eps: number, y: Float32Array, saveMean: Float64Array, saveInvstd: Float64Array): void;
  batchNormBackward(dy: Float32Array, x: Float32Array, n: number, c: number, weight: Float32Array | null, saveMean: Float64Array, saveInvstd: Float64Array, training: boolean, dx: Float32Array | null, dw: Float32Array | null, db: Float32Array | null, accumulate: boolean): void;
  layerNormForward(x: Float32Array, m: number, d: number, weight: Float32Array | null, bias: Float32Array | null, eps: number, y: Float32Array, saveMean: Float64Array, saveInvstd: Float64Array): void;
  layerNormBackward(dy: Float32Array, x: Float32Array, m: number, d: number, weight: Float32Array | null, saveMean: Float64Array, saveInvstd: Float64Array, dx: Float32Array | null, dw: Float32Array | null, db: Float32Array | null, accumulate: boolean): void;
  /** mode: a RECURRENT_MODE_IDS number (lib/backend/kinds.ts); lib/backend/js/rnn.ts documents the layouts. */
  recurrentForward(mode: number, seqLen: number, batch: number, inputSize: number, hiddenSize: number, x: Float32Array, h0: Float32Array, c0: Float32Array | null, weightIh: Float32Array, weightHh: Float32Array, biasIh: Float32Array | null, biasHh: Float32Array | null, output: Float32Array, hN: Float32Array, cN: Float32Array | null, workspace: Float32Array): void;
  recurrentBackward(mode: number, seqLen: number, batch: number, inputSize: number, hiddenSize: number, x: Float32Array, h0: Float32Array, c0: Float32Array | null, weightIh: Float32Array, weightHh: Float32Array, workspace: Float32Array, gradOutput: Float32Array | null, gradHN: Float32Array | null, gradCN: Float32Array | null, gradInput: Float32Array, gradH0: Float32Array, gradC0: Float32Array | null, gradWeightIh: Float32Array, gradWeightHh: Float32Array, gradBiasIh: Float32Array | null, gradBiasHh: Float32Array | null, accumulate: boolean, clipHiddenGradNorm?: number): void;
  /** The same six on a libuv worker thread; every argument belongs to the call until it settles. */
  batchNormForwardAsync(...a: Parameters<NativeAddon['batchNormForward']>): Promise<void>;
  batchNormBackwardAsync(...a: Parameters<NativeAddon['batchNormBackward']>): Promise<void>;
  layerNormForwardAsync(...a: Parameters<NativeAddon['layerNormForward']>): Promise<void>;
  layerNormBackwardAsync(...a: Parameters<NativeAddon['layerNormBackward']>): Promise<void>;
  recurrentForwardAsync(...a: Parameters<NativeAddon['recurrentForward']>): Promise<void>;
  recurrentBackwardAsync(...a: Parameters<NativeAddon['recurrentBackward']>): Promise<void>;
  /** Convolution (native/addon/conv_binding.cc): conv2d, NCHW; geometry = batch, inChannels, outChannels, height, width, kernelH, kernelW, strideH, strideW, padH, padW, dilationH, dilationW, groups. */
  convForward(x: Float32Array, w: Float32Array, bias: Float32Array | null, y: Float32Array, ...geometry: ConvGeometryArgs): void;
  convForwardAsync(...a: Parameters<NativeAddon['convForward']>): Promise<void>;
  convBackward(x: Float32Array, w: Float32Array, gy: Float32Array, gx: Float32Array | null, gw: Float32Array | null, gb: Float32Array | null, ...rest: [...ConvGeometryArgs, accumulate: boolean]): void;
  convBackwardAsync(...a: Parameters<NativeAddon['convBackward']>): Promise<void>;
  adamStep(p: Tensors, ps: Segments, g: Tensors, gs: Segments, m: Tensors, ms: Segments, v: Tensors, vs: Segments, vmax: Tensors | null, vms: Segments, lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, decoupled: boolean, amsgrad: boolean, maximize: boolean, step: number, gradScale: number): void;
  /** The ops exports (native/addon/ops_binding.cc). */
  matmul(a: Float32Array, b: Float32Array, c: Float32Array, m: number, n: number, k: number, transA: boolean, transB: boolean, alpha: number, beta: number): void;
  matmulAsync(a: Float32Array, b: Float32Array, c: Float32Array, m: number, n: number, k: number, transA: boolean, transB: boolean, alpha: number, beta: number): Promise<void>;
  linearForward(x: Float32Array, w: Float32Array, bias: Float32Array | null, y: Float32Array, batch: number, inF: number, outF: number): void;
  linearForwardAsync(x: Float32Array, w: Float32Array, bias: Float32Array | null, y: Float32Array, batch: number, inF: number, outF: number): Promise<void>;
  linearBackward(x: Float32Array, w: Float32Array, gy: Float32Array, gx: Float32Array | null, gw: Float32Array | null, gb: Float32Array | null, batch: number, inF: number, outF: number, accumulate: boolean, sumSquares?: Float64Array | null): void;
  linearBackwardAsync(x: Float32Array, w: Float32Array, gy: Float32Array, gx: Float32Array | null, gw: Float32Array | null, gb: Float32Array | null, batch: number, inF: number, outF: number, accumulate: boolean, sumSquares?: Float64Array | null): Promise<void>;
  /** fn: an Act number (lib/backend/kinds.ts). */
  activationForward(fn: number, x: Float32Array, y: Float32Array, p0: number, p1: number): void;
  activationBackward(fn: number, x: Float32Array, gy: Float32Array, gx: Float32Array, p0: number, p1: number): void;
  mseLoss(input: Float32Array, target: Float32Array, grad: Float32Array | null, mean: boolean): number;
  crossEntropyLoss(logits: Float32Array, labels: Int32Array, grad: Float32Array | null, batch: number, classes: number): number;
  bceWithLogitsLoss(input: Float32Array, target: Float32Array, grad: Float32Array | null): number;
  /** Embedding (native/addon/embedding_binding.cc); paddingIdx -1 means none. */
  embeddingForward(indices: Int32Array, weight: Float32Array, y: Float32Array, num: number, dim: number): void;
  embeddingForwardAsync(...a: Parameters<NativeAddon['embeddingForward']>): Promise<void>;
  embeddingBackward(indices: Int32Array, gradY: Float32Array, gradWeight: Float32Array, num: number, dim: number, paddingIdx: number, accumulate: boolean): void;
  embeddingBackwardAsync(...a: Parameters<NativeAddon['embeddingBackward']>): Promise<void>;
  /** Softmax (log false) or log-softmax over the last dimension (native/addon/softmax_binding.cc). */
  softmaxForward(x: Float32Array, y: Float32Array, rows: number, cols: number, log: boolean): void;
  softmaxForwardAsync(...a: Parameters<NativeAddon['softmaxForward']>): Promise<void>;
  softmaxBackward(y: Float32Array, gradY: Float32Array, gradX: Float32Array, rows: number, cols: number, log: boolean): void;
  softmaxBackwardAsync(...a: Parameters<NativeAddon['softmaxBackward']>): Promise<void>;
  /** Fused scaled dot-product attention (native/addon/attention_binding.cc). */
  attentionForward(q: Float32Array, k: Float32Array, v: Float32Array, out: Float32Array, lse: Float32Array, batch: number, heads: number, lq: number, lk: number, d: number, dv: number, causal: boolean, mask: Float32Array | null, scale: number): void;
  attentionForwardAsync(...a: Parameters<NativeAddon['attentionForward']>): Promise<void>;
  attentionBackward(q: Float32Array, k: Float32Array, v: Float32Array, out: Float32Array, lse: Float32Array, gradOut: Float32Array, gradQ: Float32Array | null, gradK: Float32Array | null, gradV: Float32Array | null, batch: number, heads: number, lq: number, lk: number, d: number, dv: number, causal: boolean, mask: Float32Array | null, scale: number): void;
  attentionBackwardAsync(...a: Parameters<NativeAddon['attentionBackward']>): Promise<void>;
  /** Self-attention on packed projections [L, batch, 3·heads·headDim] (native/addon/attention_binding.cc). */
  selfAttentionForward(qkv: Float32Array, out: Float32Array, lse: Float32Array, seqLen: number, batch: number, heads: number, headDim: number, causal: boolean, mask: Float32Array | null, scale: number): void;
  selfAttentionForwardAsync(...a: Parameters<NativeAddon['selfAttentionForward']>): Promise<void>;
  selfAttentionBackward(qkv: Float32Array, out: Float32Array, lse: Float32Array, gradOut: Float32Array, gradQkv: Float32Array, seqLen: number, batch: number, heads: number, headDim: number, causal: boolean, mask: Float32Array | null, scale: number): void;
  selfAttentionBackwardAsync(...a: Parameters<NativeAddon['selfAttentionBackward']>): Promise<void>;
  /**
   * The pooling exports (native/addon/pool_binding.cc); `geometry` is batch, channels, height,
   * width, outHeight, outWidth, kh, kw, sh, sw, ph, pw, dh, dw (Pool2dGeometry of lib/backend/ops-types.ts).
   */
  maxPool2dForward(x: Float32Array, y: Float32Array, indices: Int32Array | null, ...geometry: PoolGeometryArgs): void;
  maxPool2dForwardAsync(...a: Parameters<NativeAddon['maxPool2dForward']>): Promise<void>;
  maxPool2dBackward(gradY: Float32Array, indices: Int32Array, gradX: Float32Array, ...geometry: PoolGeometryArgs): void;
  maxPool2dBackwardAsync(...a: Parameters<NativeAddon['maxPool2dBackward']>): Promise<void>;
  avgPool2dForward(x: Float32Array, y: Float32Array, countIncludePad: boolean, adaptive: boolean, ...geometry: PoolGeometryArgs): void;
  avgPool2dForwardAsync(...a: Parameters<NativeAddon['avgPool2dForward']>): Promise<void>;
  avgPool2dBackward(gradY: Float32Array, gradX: Float32Array, countIncludePad: boolean, adaptive: boolean, ...geometry: PoolGeometryArgs): void;
  avgPool2dBackwardAsync(...a: Parameters<NativeAddon['avgPool2dBackward']>): Promise<void>;
  /** BatchNorm2d over [n, c, plane = H·W] (native/addon/normalization_binding.cc). */
  batchNorm2dForward(x: Float32Array, n: number, c: number, plane: number, weight: Float32Array | null, bias: Float32Array | null, runningMean: Float32Array | null, runningVar: Float32Array | null, training: boolean, momentum: number, eps: number, y: Float32Array, saveMean: Float64Array, saveInvstd: Float64Array): void;
  batchNorm2dForwardAsync(...a: Parameters<NativeAddon['batchNorm2dForward']>): Promise<void>;
  batchNorm2dBackward(dy: Float32Array, x: Float32Array, n: number, c: number, plane: number, weight: Float32Array | null, saveMean: Float64Array, saveInvstd: Float64Array, training: boolean, dx: Float32Array | null, dw: Float32Array | null, db: Float32Array | null, accumulate: boolean): void;
  batchNorm2dBackwardAsync(...a: Parameters<NativeAddon['batchNorm2dBackward']>): Promise<void>;
  /** out = mask[i / groupSize] ? x·scale : 0 (native/addon/dropout_binding.cc); out may be x. */
  dropoutApply(x: Float32Array, mask: Uint8Array, groupSize: number, scale: number, out: Float32Array): void;
}

/** The package root: the nearest folder above this module with gradguard's package.json. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if (JSON.parse(readFileSync(pkg, 'utf8')).name === 'gradguard') return dir;
      } catch {
        // not ours; keep walking up
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error('gradguard: cannot find the package root');
    dir = up;
  }
}

/** The package version from package.json. */
export function packageVersion(): string {
  return JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')).version as string;
}

let loaded: LoadedAddon<NativeAddon> | undefined;

/** Loads the addon (lib/addon-loader.ts says from where) or throws why no binary loads. */
export function loadAddon(): NativeAddon {
  if (loaded === undefined) {
    loaded = loadNativeAddon<NativeAddon>(packageRoot());
    // A build from source that failed to load, with a prebuild running instead, must not go unseen.
    if (loaded.notice !== null) process.emitWarning(loaded.notice, { code: 'GRADGUARD_BUILD_NOT_LOADED' });
  }
  return loaded.addon;
}

/** The loaded addon's file, relative to the package root; null before a load succeeded. */
export function loadedAddonFile(): string | null {
  return loaded?.file ?? null;
}

/** The 14 geometry numbers of the convolution exports, in their order. */
export type ConvGeometryArgs = [batch: number, inChannels: number, outChannels: number, height: number, width: number, kernelH: number, kernelW: number, strideH: number, strideW: number, padH: number, padW: number, dilationH: number, dilationW: number, groups: number];
/** The 14 integers of a pooling geometry, in the order the pooling exports take them. */
export type PoolGeometryArgs = [batch: number, channels: number, height: number, width: number, outHeight: number, outWidth: number, kh: number, kw: number, sh: number, sw: number, ph: number, pw: number, dh: number, dw: number];

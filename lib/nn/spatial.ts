/**
 * Shared argument handling of the convolution and pooling modules: `Pair` sizes (an int for both
 * axes, or [h, w], as PyTorch's `_pair`), batched or unbatched channel-first inputs, and the
 * wrapping of the ops' output-size errors so that they name the module and the input's shape.
 */
import { invalidArg } from '../errors.js';
import { formatShape, shapeError, checkTensor, type Tensor } from './tensor.js';

/** A size for both spatial axes: one integer for both, or [height, width] (PyTorch `_pair`). */
export type Pair = number | readonly [number, number];

/** `v` as [h, w] of integers >= min; `name` is used in the error. */
export function checkPair(name: string, v: unknown, min: number): [number, number] {
  const ok = (d: unknown): d is number => typeof d === 'number' && Number.isSafeInteger(d) && d >= min;
  if (typeof v === 'number') {
    if (!ok(v)) invalidArg(name, `an integer >= ${min} or a pair of them`, v, 'range');
    return [v, v];
  }
  if (!Array.isArray(v) || v.length !== 2) invalidArg(name, `an integer >= ${min} or a pair [h, w] of them`, v);
  if (!ok(v[0]) || !ok(v[1])) invalidArg(name, `an integer >= ${min} or a pair [h, w] of them`, v, 'range');
  return [v[0], v[1]];
}

/** An integer >= min (one axis: Conv1d's sizes). */
export function checkInt(name: string, v: unknown, min: number): number {
  if (typeof v !== 'number') invalidArg(name, `an integer >= ${min}`, v);
  if (!Number.isSafeInteger(v) || v < min) invalidArg(name, `an integer >= ${min}`, v, 'range');
  return v;
}

/** A channel-first input with `spatial` trailing dimensions, batched or not, as the kernels see it. */
export interface ChannelsFirst {
  /** Batch N (1 for an unbatched input). */
  n: number;
  /** Channels C. */
  c: number;
  /** The spatial dimensions ([H, W] or [L]). */
  dims: number[];
  /** Whether the input had a batch dimension (the output keeps the same rank). */
  batched: boolean;
}

/**
 * Checks a module input of shape [N, C, ...spatial] or unbatched [C, ...spatial] (PyTorch accepts
 * both); `channels` (if not null) must match C. The error names the module and the shapes.
 */
export function channelsFirst(where: string, x: unknown, spatial: number, channels: number | null): ChannelsFirst {
  const t = checkTensor(where, x);
  const names = spatial === 2 ? ['H', 'W'] : ['L'];
  const c = channels === null ? 'C' : String(channels);
  const s = t.shape;
  if ((s.length !== spatial + 1 && s.length !== spatial + 2) || (channels !== null && s[s.length - spatial - 1] !== channels)) {
    shapeError(where, `[N, ${c}, ${names.join(', ')}] or [${c}, ${names.join(', ')}]`, s);
  }
  const batched = s.length === spatial + 2;
  return { n: batched ? s[0] : 1, c: s[s.length - spatial - 1], dims: s.slice(s.length - spatial), batched };
}

/** The output shape for `shape` with `c` channels and `dims` spatial sizes (batched as the input). */
export function outShape(f: ChannelsFirst, c: number, dims: readonly number[]): number[] {
  return f.batched ? [f.n, c, ...dims] : [c, ...dims];
}

/**
 * Runs an ops output-size computation, re-throwing its RangeError (kernel larger than the padded
 * input, padding over half the kernel, …) prefixed with the module and the input's shape.
 */
export function sizeOrThrow<T>(where: string, x: Tensor, compute: () => T): T {
  try {
    return compute();
  } catch (e) {
    if (e instanceof RangeError) {
      const r = new RangeError(`${where}: input of shape ${formatShape(x.shape)}: ${e.message}`) as RangeError & { code: string };
      r.code = 'ERR_OUT_OF_RANGE';
      throw r;
    }
    throw e;
  }
}

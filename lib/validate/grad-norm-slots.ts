/**
 * Fused gradient norms (issue 15 §1): one float64 Σ g² slot per gradient of a ParamStore, filled
 * as a by-product of the backward kernels that wrote the gradient, plus a generation counter that
 * says whether those sums still describe the gradients. It lives with the checks because every
 * library function that writes gradients in place passes them through `checkTensors(…, { inPlace:
 * true })` (clipping, AGC, AutoClip/ZClip, dist all-reduce and scaling) or `FlatTensors.zero()`,
 * and both invalidate here, so no such path can leave a stale norm behind.
 */

/**
 * The per-gradient sums of squares of one ParamStore and the generation they were written in.
 * A total is *current* only when every gradient was reported by a tracked write (`report`) in the
 * current generation: `newGeneration()` (zeroGrad) and `invalidate()` (any library function that
 * modifies gradients, or the user after writing gradients by hand) both start a new generation, in
 * which every slot is stale until reported again.
 */
export class GradNormSlots {
  /** Σ g² (float64) of each gradient as last reported, in store order. Read it only when current. */
  readonly sumSquares: Float64Array;
  /** @internal The generation each slot was last reported in (0: never). */
  private readonly written: Float64Array;
  /** @internal The current generation (starts at 1, so no slot is current before a report). */
  private gen = 1;
  /** @internal Slots reported in the current generation. */
  private reported = 0;

  /** @param count the number of gradients (tensors) in the store. */
  constructor(count: number) {
    this.sumSquares = new Float64Array(count);
    this.written = new Float64Array(count);
  }

  /** The current generation (it only grows). */
  get generation(): number {
    return this.gen;
  }

  /**
   * Records that gradient `index` was just written (by a tracked kernel) and its Σ g² is `sumSq`.
   * Later writes in the same generation overwrite it (accumulation reports the final value).
   * @param index the tensor index in the store.
   * @param sumSq the float64 sum of squares of the whole gradient after the write.
   */
  report(index: number, sumSq: number): void {
    if (this.written[index] !== this.gen) {
      this.written[index] = this.gen;
      this.reported++;
    }
    this.sumSquares[index] = sumSq;
  }

  /** Starts a new generation in which every slot is stale (zeroGrad, or before a backward). */
  newGeneration(): void {
    this.gen++;
    this.reported = 0;
  }

  /**
   * Marks every sum stale: call it after writing gradients by any means the library cannot see (a
   * hand-written backward that writes into gradients another layer already reported, adding noise,
   * editing `grad` arrays). Library functions that modify gradients call it themselves.
   */
  invalidate(): void {
    this.newGeneration();
  }

  /** Whether every gradient was reported in this generation and nothing modified one since. */
  isCurrent(): boolean {
    return this.reported === this.sumSquares.length && this.sumSquares.length > 0;
  }

  /**
   * The total L2 norm √(Σ slots), summed in store order in float64, or null when not current (the
   * caller then takes the read pass). Not bitwise equal to getTotalNorm (the kernels sum per tile,
   * the norm pass per chunk): equal within ~1e-12 relative; bit-identical for any thread count.
   */
  totalNorm(): number | null {
    if (!this.isCurrent()) return null;
    let s = 0;
    for (let i = 0; i < this.sumSquares.length; i++) s += this.sumSquares[i];
    return Math.sqrt(s);
  }
}

// Gradient buffers → their slots. Weak, so a dropped store is collected.
const byBuffer = new WeakMap<ArrayBufferLike, GradNormSlots>();

/** @internal Ties `slots` to the gradient buffer it describes (createParamStore). */
export function registerGradNormSlots(buffer: ArrayBufferLike, slots: GradNormSlots): void {
  byBuffer.set(buffer, slots);
}

/** @internal The slots of the store whose gradients live in `buffer`, if any. */
export function gradNormSlotsOf(buffer: ArrayBufferLike): GradNormSlots | undefined {
  return byBuffer.get(buffer);
}

/**
 * @internal Invalidates the fused norms of every store whose gradient memory one of `views` lies
 * in (called for each in-place tensor argument). One lookup per distinct buffer.
 */
export function invalidateGradNormsOf(views: readonly ArrayBufferView[]): void {
  let last: ArrayBufferLike | null = null;
  for (const v of views) {
    if (v.buffer === last) continue;
    last = v.buffer;
    byBuffer.get(v.buffer)?.invalidate();
  }
}

/**
 * A fixed-capacity float64 ring buffer: the monitor's bounded history. Pushing past the capacity
 * overwrites the oldest value, so a monitor attached to a million-step run holds a constant amount of
 * memory. Indices run from 0 (oldest kept) to length − 1 (newest).
 */
export class RingBuffer {
  private readonly data: Float64Array;
  private start = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    this.data = new Float64Array(capacity);
  }

  get length(): number {
    return this.count;
  }

  push(v: number): void {
    if (this.count < this.capacity) {
      this.data[(this.start + this.count) % this.capacity] = v;
      this.count++;
    } else {
      this.data[this.start] = v;
      this.start = (this.start + 1) % this.capacity;
    }
  }

  /** The i-th kept value, 0 = oldest. */
  at(i: number): number {
    return this.data[(this.start + i) % this.capacity];
  }

  /** The last `n` values (fewer if fewer are kept), oldest first, copied into `out` when given. */
  last(n: number, out?: Float64Array): Float64Array {
    const k = Math.min(n, this.count);
    const r = out && out.length >= k ? out.subarray(0, k) : new Float64Array(k);
    for (let i = 0; i < k; i++) r[i] = this.at(this.count - k + i);
    return r;
  }

  toArray(): number[] {
    const r = new Array<number>(this.count);
    for (let i = 0; i < this.count; i++) r[i] = this.at(i);
    return r;
  }

  clear(): void {
    this.start = 0;
    this.count = 0;
  }
}

/** Median of the finite values in `v` (sorted in place); NaN when none is finite. */
export function finiteMedian(v: Float64Array): number {
  let n = 0;
  for (let i = 0; i < v.length; i++) if (Number.isFinite(v[i])) v[n++] = v[i];
  if (n === 0) return NaN;
  const s = v.subarray(0, n).sort();
  return n % 2 ? s[(n - 1) >> 1] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
}

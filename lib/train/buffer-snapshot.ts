/**
 * A copy of a model's buffers (BatchNorm running statistics) taken before a step's forward pass and
 * put back when the step is skipped or throws: one NaN batch must not leave NaN running statistics
 * behind (every later eval output would be NaN). The copies are grow-only and reused.
 */
import type { Module } from '../nn/module.js';

export class BufferSnapshot {
  private live: Float32Array[] = [];
  private readonly saved: Float32Array[] = [];

  take(model: Module): void {
    this.live = model.namedBuffers().map(([, t]) => t.data);
    this.live.forEach((d, i) => {
      if (this.saved[i]?.length !== d.length) this.saved[i] = new Float32Array(d.length);
      this.saved[i].set(d);
    });
  }

  restore(): void {
    this.live.forEach((d, i) => d.set(this.saved[i]));
  }
}

// Buffers for the *Async buffer-rule tests: views over resizable and growable memory, a transfer
// that detaches a view's buffer (as postMessage/structuredClone with a transfer list do), and a
// promise settled to its outcome.
type GrowableCtor = new (bytes: number, options: { maxByteLength: number }) => ArrayBufferLike;

/** n floats over a resizable ArrayBuffer. */
export const resizableF32 = (n: number): Float32Array =>
  new Float32Array(new (ArrayBuffer as unknown as GrowableCtor)(n * 4, { maxByteLength: n * 8 }), 0, n);

/** n floats over a growable SharedArrayBuffer. */
export const growableF32 = (n: number): Float32Array =>
  new Float32Array(new (SharedArrayBuffer as unknown as GrowableCtor)(n * 4, { maxByteLength: n * 8 }), 0, n);

/** n doubles over a resizable ArrayBuffer. */
export const resizableF64 = (n: number): Float64Array =>
  new Float64Array(new (ArrayBuffer as unknown as GrowableCtor)(n * 8, { maxByteLength: n * 16 }), 0, n);

/** Detaches t's buffer; the memory moves to the returned buffer (keep it referenced until the call settles). */
export const transfer = (t: ArrayBufferView): ArrayBuffer => structuredClone(t.buffer as ArrayBuffer, { transfer: [t.buffer as ArrayBuffer] });

/** 'resolved', or the rejection's reason. */
export const settle = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => 'resolved',
    (e: unknown) => e,
  );

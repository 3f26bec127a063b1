// The argument checks every public function runs before any native call: re-exports only.
export * from './args.js';
export * from './arrays.js';
export * from './async.js';
export * from './overlap.js';
export * from './tensors.js';
export * from './grad-norm-slots.js';

/**
 * State dicts: a model's parameters and buffers by dotted name (PyTorch's `state_dict`), in a
 * JSON-safe form: `{ "0.weight": { shape: [3, 4], data: "<base64 of little-endian float32>" } }`.
 * Loading also accepts `data` as a number array or a Float32Array. Validated in full before anything
 * is written: a checkpoint of another architecture fails naming the first mismatching key.
 */
import { GradGuardError } from '../errors.js';
import { formatShape, numel } from './tensor.js';

/** One tensor of a state dict. */
export interface StateTensor {
  /** The tensor's shape; must equal the model's on load. */
  shape: number[];
  /** base64 of the float32 values in little-endian order (what stateDict() writes), or the numbers. */
  data: string | readonly number[] | Float32Array;
}

/** Parameters and buffers by dotted name, in module order. */
export type StateDict = Record<string, StateTensor>;

/** A state dict that does not fit the model; `key` names the first offending entry. */
export class StateDictError extends GradGuardError {
  /** The first missing, unexpected or mis-shaped key ('' when the state dict is not an object). */
  readonly key: string;
  /**
   * An error with code `ERR_GRADGUARD_STATE_DICT`.
   * @param key the offending key.
   * @param message what is wrong with it.
   */
  constructor(key: string, message: string) {
    super(message, 'ERR_GRADGUARD_STATE_DICT');
    this.name = 'StateDictError';
    this.key = key;
  }
}

/** base64 of the float32 bytes (little-endian, as on every platform Node supports). */
export function encodeFloat32(data: Float32Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
}

/** Decodes a StateTensor's data into a new Float32Array (or returns an error message). */
export function decodeData(data: unknown): Float32Array | string {
  if (data instanceof Float32Array) return data;
  if (typeof data === 'string') {
    const bytes = Buffer.from(data, 'base64');
    if (bytes.length % 4 !== 0) return `base64 data of a whole number of float32 values (${bytes.length} bytes)`;
    const out = new Float32Array(bytes.length / 4);
    new Uint8Array(out.buffer).set(bytes); // copy: the Buffer may not be 4-byte aligned
    return out;
  }
  if (Array.isArray(data) && data.every((v) => typeof v === 'number')) return Float32Array.from(data);
  return 'data as a base64 string, a number array or a Float32Array';
}

/** One slot a state dict loads into. */
export interface StateSlot {
  shape: readonly number[];
  target: Float32Array;
}

/**
 * Checks `sd` against the model's slots (in order) and copies it in. With `strict`, missing and
 * unexpected keys are errors; without, only present keys load (each still shape-checked).
 * @throws {StateDictError} naming the first key that is missing, unexpected or of another shape.
 */
export function loadIntoSlots(sd: unknown, slots: ReadonlyMap<string, StateSlot>, strict: boolean): void {
  if (sd === null || typeof sd !== 'object' || Array.isArray(sd)) {
    throw new StateDictError('', 'stateDict: expected an object of { shape, data } by parameter name');
  }
  const dict = sd as Record<string, unknown>;
  const decoded: [Float32Array, Float32Array][] = [];
  for (const [key, slot] of slots) {
    const entry = dict[key] as StateTensor | undefined;
    if (entry === undefined) {
      if (strict) throw new StateDictError(key, `stateDict: missing key "${key}" (the model has it with shape ${formatShape(slot.shape)}, the state dict does not)`);
      continue;
    }
    if (entry === null || typeof entry !== 'object' || !Array.isArray(entry.shape)) {
      throw new StateDictError(key, `stateDict["${key}"]: expected { shape: number[], data }`);
    }
    const same = entry.shape.length === slot.shape.length && entry.shape.every((d, i) => d === slot.shape[i]);
    if (!same) {
      throw new StateDictError(key, `stateDict["${key}"]: shape mismatch: the state dict has ${formatShape(entry.shape)}, the model ${formatShape(slot.shape)}`);
    }
    const data = decodeData(entry.data);
    if (typeof data === 'string') throw new StateDictError(key, `stateDict["${key}"].data: expected ${data}`);
    if (data.length !== numel(slot.shape)) {
      throw new StateDictError(key, `stateDict["${key}"].data: expected ${numel(slot.shape)} values for shape ${formatShape(slot.shape)}, got ${data.length}`);
    }
    decoded.push([slot.target, data]);
  }
  if (strict) {
    for (const key of Object.keys(dict)) {
      if (!slots.has(key)) throw new StateDictError(key, `stateDict: unexpected key "${key}" (the model has no such parameter or buffer)`);
    }
  }
  for (const [target, data] of decoded) target.set(data);
}

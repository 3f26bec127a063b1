/**
 * Binary checkpoints: a model's state dict (and optionally an optimiser's state) in one file.
 * Layout: 8-byte magic "GGCKPT02", uint32 LE header length, uint32 LE CRC-32 of the header, a UTF-8
 * JSON header (holding the data section's CRC-32 as `dataCrc32`), zero padding to a 64-byte
 * boundary, then every tensor's raw float32 values (little-endian) back to back. A flipped bit
 * anywhere fails the load instead of loading a wrong weight. Files of the first format
 * ("GGCKPT01": no CRCs, header at byte 12) still load. The file is
 * written to a temporary name in the same directory, fsynced and renamed (then the directory is
 * fsynced), so a crash, SIGKILL or Ctrl-C never leaves a half-written checkpoint under the real name;
 * the next save removes temporaries that dead processes left. Loading checks everything before changing the model
 * or optimiser (a checkpoint of another architecture fails naming the first mismatching key).
 */
import { closeSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { GradGuardError, invalidArg } from '../errors.js';
import { crc32 } from './crc32.js';
import { Module } from './module.js';
import { StateDictError, type StateDict } from './state-dict.js';
import { numel } from './tensor.js';
import { checkOptions, optionKeys } from '../validate/index.js';

const MAGIC = 'GGCKPT02';
const MAGIC_V1 = 'GGCKPT01';
const HEAD = 16; // magic, header length, header CRC
const ALIGN = 64;

/** What an optimiser must offer to be checkpointed (SGD, Adam and AdamW do). */
export interface StatefulOptimizer {
  /** The optimiser's state; Float32Arrays anywhere in it are stored as raw tensors. */
  state(): unknown;
  /**
   * Restores a value of `state()`; it should throw, without changing anything, on one that does not fit.
   * @param state what `state()` returned when the checkpoint was saved.
   */
  loadState(state: never): void;
}

/** Options of {@link saveCheckpoint}. */
export interface SaveCheckpointOptions {
  /** JSON-safe data stored alongside (e.g. `{ step, epoch }`), returned by loadCheckpoint. */
  meta?: unknown;
}

const SAVE_CHECKPOINT_OPTION_KEYS = optionKeys<SaveCheckpointOptions>()(['meta']);

/** What {@link loadCheckpoint} loaded. */
export interface LoadedCheckpoint {
  /** True when optimiser state was loaded. */
  optimizer: boolean;
  /** The `meta` given to saveCheckpoint (undefined if none). */
  meta: unknown;
}

interface TensorEntry {
  key?: string;
  shape: number[];
  offset: number;
}

interface Header {
  format: 'gradguard-checkpoint';
  version: 1 | 2;
  tensors: TensorEntry[];
  optimizer: { type: string; state: unknown } | null;
  meta?: unknown;
  /** CRC-32 of the data section (version 2). */
  dataCrc32?: number;
}

/** Replaces every Float32Array in an optimiser state by `{ $f32: index }`, collecting the arrays. */
function encodeState(v: unknown, arrays: Float32Array[]): unknown {
  if (v instanceof Float32Array) {
    arrays.push(v);
    return { $f32: arrays.length - 1 };
  }
  if (Array.isArray(v)) return v.map((x) => encodeState(x, arrays));
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encodeState(x, arrays)]));
  }
  return v;
}

/** Optimiser states are a few levels deep; a file nesting deeper is damaged (and would overflow the stack). */
const MAX_STATE_DEPTH = 256;

function decodeState(v: unknown, arrays: Float32Array[], bad: (why: string) => never, depth = 0): unknown {
  if (depth > MAX_STATE_DEPTH) bad(`optimiser state nested more than ${MAX_STATE_DEPTH} levels deep`);
  if (Array.isArray(v)) return v.map((x) => decodeState(x, arrays, bad, depth + 1));
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o.$f32 === 'number') {
      if (!Number.isInteger(o.$f32) || o.$f32 < 0 || o.$f32 >= arrays.length) bad(`optimiser state refers to array ${o.$f32} of ${arrays.length}`);
      return arrays[o.$f32];
    }
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, decodeState(x, arrays, bad, depth + 1)]));
  }
  return v;
}

const isStateful = (o: unknown): o is StatefulOptimizer =>
  o !== null && typeof o === 'object' && typeof (o as StatefulOptimizer).state === 'function' && typeof (o as StatefulOptimizer).loadState === 'function';

/**
 * Writes `model`'s parameters and buffers (and `optimizer`'s state) to `path` atomically
 * (temporary file, fsync, rename). The format: 8-byte magic "GGCKPT02", a CRC-32-checked JSON
 * header, then every tensor's raw little-endian float32 values, 64-byte aligned and CRC-32-checked
 * too. PyTorch's equivalent is `torch.save({ model: model.state_dict(), optim: opt.state_dict() })`.
 * @param path the file to write (replaced if it exists).
 * @param model the model.
 * @param optimizer an optimiser to save too (SGD, Adam, AdamW), or null/undefined.
 * @param options `meta`: JSON-safe data stored alongside.
 * @throws {TypeError} model not a Module, optimizer without state()/loadState(); I/O errors.
 */
export function saveCheckpoint(path: string, model: Module, optimizer?: StatefulOptimizer | null, options?: SaveCheckpointOptions): void {
  checkOptions('nn.saveCheckpoint: options', options, SAVE_CHECKPOINT_OPTION_KEYS);
  if (typeof path !== 'string' || path === '') invalidArg('path', 'a file path', path);
  if (!(model instanceof Module)) invalidArg('model', 'an nn.Module', model);
  if (optimizer !== undefined && optimizer !== null && !isStateful(optimizer)) invalidArg('optimizer', 'an optimiser with state() and loadState()', optimizer);
  const arrays: Float32Array[] = [];
  const tensors: TensorEntry[] = [];
  let offset = 0;
  for (const [key, t] of model.stateSlots()) {
    tensors.push({ key, shape: [...t.shape], offset });
    arrays.push(t.data);
    offset += t.data.length;
  }
  let opt: Header['optimizer'] = null;
  if (optimizer) {
    const optArrays: Float32Array[] = [];
    const state = encodeState(optimizer.state(), optArrays);
    for (const a of optArrays) {
      tensors.push({ shape: [a.length], offset });
      arrays.push(a);
      offset += a.length;
    }
    opt = { type: optimizer.constructor.name, state };
  }
  let dataCrc32 = 0;
  for (const a of arrays) dataCrc32 = crc32(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), dataCrc32);
  const header: Header = { format: 'gradguard-checkpoint', version: 2, tensors, optimizer: opt, dataCrc32, ...(options?.meta !== undefined ? { meta: options.meta } : {}) };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const dataStart = Math.ceil((HEAD + json.length) / ALIGN) * ALIGN;
  const head = Buffer.alloc(dataStart);
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(json.length, 8);
  head.writeUInt32LE(crc32(json), 12);
  json.copy(head, HEAD);
  removeStaleTemporaries(path);
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, head);
    for (const a of arrays) if (a.length) writeSync(fd, new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, path);
    syncDirectory(dirname(path));
  } catch (err) {
    try {
      closeSync(fd);
    } catch {
      /* already closed */
    }
    try {
      unlinkSync(tmp);
    } catch {
      /* never created */
    }
    throw err;
  }
}

/** Whether process `pid` still runs (EPERM: it runs under another user). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Deletes the temporary files that saves of `path` by processes no longer running left behind (a
 * job killed mid-save, SIGKILL or OOM, leaves its whole partial file): without this, a job restarted
 * many times would fill the disk with them. Another live process's save in progress is left alone.
 */
function removeStaleTemporaries(path: string): void {
  const prefix = `${basename(path)}.`;
  let names: string[];
  try {
    names = readdirSync(dirname(path));
  } catch {
    return; // the directory is missing: openSync below reports that
  }
  for (const name of names) {
    const m = name.startsWith(prefix) ? /^(\d+)\.\d+\.tmp$/.exec(name.slice(prefix.length)) : null;
    if (!m || Number(m[1]) === process.pid || processAlive(Number(m[1]))) continue;
    try {
      unlinkSync(join(dirname(path), name));
    } catch {
      /* removed meanwhile by another saver */
    }
  }
}

/**
 * fsyncs a directory so a rename in it survives a power loss, not only a process crash (POSIX leaves
 * the directory entry in the page cache until then). Platforms that cannot open a directory skip it.
 */
function syncDirectory(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch {
    return;
  }
  try {
    fsyncSync(fd);
  } catch {
    /* not supported for directories here (e.g. some network file systems) */
  } finally {
    closeSync(fd);
  }
}

function corrupt(path: string, why: string): never {
  throw new GradGuardError(`loadCheckpoint: ${path} is not a gradguard checkpoint (${why})`, 'ERR_GRADGUARD_CHECKPOINT');
}

/**
 * Reads and checks a checkpoint file: the header and every tensor's values (copied out of the file),
 * without a model. Files of the first format ("GGCKPT01", no CRCs) still load.
 * @param path the file to read.
 * @throws {TypeError} path not a non-empty string.
 * @throws {GradGuardError} `ERR_GRADGUARD_CHECKPOINT`: not a checkpoint, truncated, or a failed CRC-32 check.
 * @throws {Error} I/O errors from `fs.readFileSync` (e.g. ENOENT).
 */
export function readCheckpoint(path: string): {
  /** The model's parameters and buffers (data as Float32Arrays). */
  stateDict: StateDict;
  /** The optimiser's state, or null when saved without one. */
  optimizer: {
    /** The optimiser's class name, e.g. "Adam". */
    type: string;
    /** Its `state()`, Float32Arrays restored. */
    state: unknown;
  } | null;
  /** The `meta` given to saveCheckpoint (undefined if none). */
  meta: unknown;
} {
  if (typeof path !== 'string' || path === '') invalidArg('path', 'a file path', path);
  const buf = readFileSync(path);
  const magic = buf.length >= 12 ? buf.toString('latin1', 0, 8) : '';
  if (magic !== MAGIC && magic !== MAGIC_V1) corrupt(path, 'bad magic');
  const v2 = magic === MAGIC;
  const at = v2 ? HEAD : 12;
  const len = buf.readUInt32LE(8);
  if (at + len > buf.length) corrupt(path, 'truncated header');
  const json = buf.subarray(at, at + len);
  if (v2 && crc32(json) !== buf.readUInt32LE(12)) corrupt(path, 'the header fails its CRC-32 check: the file is damaged');
  let header: Header;
  try {
    header = JSON.parse(json.toString('utf8')) as Header;
  } catch {
    return corrupt(path, 'unreadable header');
  }
  if (header === null || typeof header !== 'object') corrupt(path, 'the header is not an object');
  if (header.format !== 'gradguard-checkpoint' || header.version !== (v2 ? 2 : 1) || !Array.isArray(header.tensors)) corrupt(path, 'unknown format or version');
  if (v2 && !Number.isInteger(header.dataCrc32)) corrupt(path, 'no data CRC-32 in the header');
  for (const t of header.tensors) {
    const okShape = t !== null && typeof t === 'object' && Array.isArray(t.shape) && t.shape.every((d) => Number.isSafeInteger(d) && d >= 0);
    if (!okShape || !Number.isSafeInteger(t.offset) || t.offset < 0) corrupt(path, 'malformed tensor entry');
  }
  const dataStart = Math.ceil((at + len) / ALIGN) * ALIGN;
  // One copy of the data section into an aligned buffer; tensors are views of it.
  const total = header.tensors.reduce((a, t) => Math.max(a, t.offset + numel(t.shape)), 0);
  if (dataStart + total * 4 > buf.length) corrupt(path, 'truncated data');
  const data = buf.subarray(dataStart, dataStart + total * 4);
  if (v2 && crc32(data) !== header.dataCrc32) corrupt(path, 'the data section fails its CRC-32 check: the file is damaged');
  const all = new Float32Array(total);
  new Uint8Array(all.buffer).set(data);
  const stateDict: StateDict = {};
  const optArrays: Float32Array[] = [];
  for (const t of header.tensors) {
    const data = all.subarray(t.offset, t.offset + numel(t.shape));
    if (t.key !== undefined) stateDict[t.key] = { shape: t.shape, data };
    else optArrays.push(data);
  }
  const o = header.optimizer;
  if (o !== null && o !== undefined && (typeof o !== 'object' || typeof o.type !== 'string')) corrupt(path, 'malformed optimiser entry');
  const optimizer = o ? { type: o.type, state: decodeState(o.state, optArrays, (why) => corrupt(path, why)) } : null;
  return { stateDict, optimizer, meta: header.meta };
}

/**
 * Loads a checkpoint into `model` (and `optimizer` when given). Nothing is changed unless everything
 * fits: the model's state is checked first, and restored if the optimiser's state is then rejected.
 * @throws {StateDictError} a key missing, unexpected or of another shape (named); optimiser state
 *   missing, of another optimiser type, or rejected by its loadState (key `optimizer`, loadState's
 *   error as `cause`; the model is then restored).
 * @throws {GradGuardError} `ERR_GRADGUARD_CHECKPOINT`: not a checkpoint file, or a damaged one.
 * @throws {TypeError|RangeError} model not a Module, or an optimiser without state()/loadState().
 * @param path the file to read.
 * @param model the model to load into (its architecture must match the saved one).
 * @param optimizer an optimiser of the saved type to restore too, or null/undefined.
 */
export function loadCheckpoint(path: string, model: Module, optimizer?: StatefulOptimizer | null): LoadedCheckpoint {
  if (!(model instanceof Module)) invalidArg('model', 'an nn.Module', model);
  if (optimizer !== undefined && optimizer !== null && !isStateful(optimizer)) invalidArg('optimizer', 'an optimiser with state() and loadState()', optimizer);
  return applyCheckpoint(readCheckpoint(path), path, model, optimizer);
}

/** @internal loadCheckpoint's second half, for a checkpoint already read (and its meta checked). */
export function applyCheckpoint(ck: ReturnType<typeof readCheckpoint>, path: string, model: Module, optimizer?: StatefulOptimizer | null): LoadedCheckpoint {
  if (optimizer) {
    if (!ck.optimizer) throw new StateDictError('optimizer', `loadCheckpoint: ${path} holds no optimiser state (saved without an optimiser)`);
    if (ck.optimizer.type !== optimizer.constructor.name) {
      throw new StateDictError('optimizer', `loadCheckpoint: ${path} holds ${ck.optimizer.type} state, the optimiser is ${optimizer.constructor.name}`);
    }
  }
  const before = optimizer ? model.stateDict({ encoding: 'float32' }) : null;
  model.loadStateDict(ck.stateDict);
  if (optimizer && ck.optimizer) {
    try {
      optimizer.loadState(ck.optimizer.state as never);
    } catch (err) {
      if (before) model.loadStateDict(before);
      // The file's optimiser state does not fit (a damaged or foreign checkpoint, parameters of other
      // sizes): a checkpoint error like a model mismatch, with loadState's own error as the cause.
      const e = new StateDictError('optimizer', `loadCheckpoint: ${path}: its ${ck.optimizer.type} state does not fit this optimiser: ${(err as Error)?.message ?? String(err)}`);
      (e as Error & { cause?: unknown }).cause = err;
      throw e;
    }
  }
  return { optimizer: Boolean(optimizer && ck.optimizer), meta: ck.meta };
}

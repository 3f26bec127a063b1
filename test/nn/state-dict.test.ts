// State dicts and checkpoints: JSON and binary round trips that survive a restart (a new model
// instance), optimiser state, and clear errors for a checkpoint of another architecture.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Adam, GradGuardError, nn, SGD } from '../../lib/index.js';
import { crc32, crc32Portable } from '../../lib/nn/crc32.js';
import { randomFloats, targets, useTarget } from '../helpers/targets.js';

const dir = mkdtempSync(join(tmpdir(), 'gradguard-ckpt-'));
const T = (data: Float32Array, shape: number[]): nn.Tensor => nn.tensor(data, shape);

/** The same architecture, with weights depending on `seed`. */
const build = (seed: number): nn.Sequential =>
  new nn.Sequential(new nn.LSTM(3, 5, { seed }), new nn.LastTimeStep(), new nn.Linear(5, 4, { seed: seed + 1 }), new nn.BatchNorm1d(4), new nn.Tanh(), new nn.Linear(4, 1, { seed: seed + 2 }));

const x = T(randomFloats(6 * 4 * 3, 1), [6, 4, 3]);
const y = T(randomFloats(4, 2), [4, 1]);

/** Trains `steps` Adam steps; returns the losses. */
function train(m: nn.Module, opt: Adam | SGD, steps: number): number[] {
  const loss = new nn.MSELoss();
  const out: number[] = [];
  for (let i = 0; i < steps; i++) {
    m.zeroGrad();
    out.push(loss.forward(m.forward(x), y));
    m.backward(loss.backward());
    opt.step();
  }
  return out;
}

const flat = (m: nn.Module): number[] => m.stateSlots().flatMap(([, t]) => Array.from(t.data));

describe.each(targets)('state dicts and checkpoints on $name', (t) => {
  useTarget(t);

  it('a JSON state dict survives JSON.stringify/parse into a new instance (base64 and number arrays)', () => {
    const a = build(1);
    train(a, new Adam(a.paramStore(), { lr: 1e-2 }), 3);
    for (const encoding of ['base64', 'array'] as const) {
      const json = JSON.stringify(a.stateDict({ encoding }));
      const b = build(99);
      expect(flat(b)).not.toEqual(flat(a));
      b.loadStateDict(JSON.parse(json));
      expect(flat(b)).toEqual(flat(a));
      a.eval();
      b.eval();
      expect(Array.from(b.forward(x).data)).toEqual(Array.from(a.forward(x).data));
      a.train();
    }
  });

  it('a binary checkpoint with optimiser state resumes training exactly (restart = new instances)', () => {
    const path = join(dir, `resume-${t.name.replace('/', '-')}.ckpt`);
    const a = build(1);
    const optA = new Adam(a.paramStore(), { lr: 1e-2 });
    train(a, optA, 4);
    nn.saveCheckpoint(path, a, optA, { meta: { step: 4, note: 'hello' } });
    const continued = train(a, optA, 3);

    const b = build(7);
    const optB = new Adam(b.paramStore(), { lr: 1e-2 });
    const r = nn.loadCheckpoint(path, b, optB);
    expect(r).toEqual({ optimizer: true, meta: { step: 4, note: 'hello' } });
    expect(optB.stepCount).toBe(4);
    expect(train(b, optB, 3)).toEqual(continued);
    expect(flat(b)).toEqual(flat(a));
  });

  it('a checkpoint without optimiser state loads the model only; SGD momentum state round-trips', () => {
    const path = join(dir, `plain-${t.name.replace('/', '-')}.ckpt`);
    const a = build(2);
    nn.saveCheckpoint(path, a);
    const b = build(3);
    expect(nn.loadCheckpoint(path, b)).toEqual({ optimizer: false, meta: undefined });
    expect(flat(b)).toEqual(flat(a));
    expect(() => nn.loadCheckpoint(path, b, new Adam(b.paramStore()))).toThrow(/holds no optimiser state/);

    const sgdPath = join(dir, `sgd-${t.name.replace('/', '-')}.ckpt`);
    const optA = new SGD(a.paramStore(), { lr: 0.01, momentum: 0.9 });
    train(a, optA, 2);
    nn.saveCheckpoint(sgdPath, a, optA);
    const optB = new SGD(b.paramStore(), { lr: 0.01, momentum: 0.9 });
    nn.loadCheckpoint(sgdPath, b, optB);
    expect(train(b, optB, 2)).toEqual(train(a, optA, 2));
    expect(() => nn.loadCheckpoint(sgdPath, b, new Adam(b.paramStore()))).toThrow(/holds SGD state, the optimiser is Adam/);
  });
});

describe('checkpoint errors', () => {
  it('another architecture: StateDictError naming the first mismatching key and both shapes, nothing written', () => {
    const path = join(dir, 'arch.ckpt');
    nn.saveCheckpoint(path, build(1));
    const wider = new nn.Sequential(new nn.LSTM(3, 6), new nn.LastTimeStep(), new nn.Linear(6, 4), new nn.BatchNorm1d(4), new nn.Tanh(), new nn.Linear(4, 1));
    const before = flat(wider);
    let err: unknown;
    try {
      nn.loadCheckpoint(path, wider);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(nn.StateDictError);
    expect((err as nn.StateDictError).key).toBe('0.weight_ih_l0');
    expect((err as Error).message).toMatch(/stateDict\["0\.weight_ih_l0"\]: shape mismatch: the state dict has \[20, 3\], the model \[24, 3\]/);
    expect((err as nn.StateDictError).code).toBe('ERR_GRADGUARD_STATE_DICT');
    expect(flat(wider)).toEqual(before);

    const shorter = new nn.Sequential(new nn.LSTM(3, 5), new nn.LastTimeStep(), new nn.Linear(5, 4));
    expect(() => nn.loadCheckpoint(path, shorter)).toThrow(/unexpected key "3\.weight"/);
    const longer = new nn.Sequential(...build(1).layers, new nn.Linear(1, 1));
    expect(() => nn.loadCheckpoint(path, longer)).toThrow(/missing key "6\.weight" \(the model has it with shape \[1, 1\]/);
    // strict: false loads what matches (the first six layers) and ignores the extra one.
    const loose = new nn.Sequential(...build(5).layers, new nn.Linear(1, 1));
    loose.loadStateDict(nn.readCheckpoint(path).stateDict, { strict: false });
    expect(flat(loose).slice(0, flat(build(1)).length)).toEqual(flat(build(1)));
  });

  it('an optimiser state that does not fit leaves the model unchanged', () => {
    const path = join(dir, 'opt.ckpt');
    const a = build(1);
    const opt = new Adam(a.paramStore());
    train(a, opt, 1);
    nn.saveCheckpoint(path, a, opt);
    const b = build(4);
    const before = flat(b);
    const amsgrad = new Adam(b.paramStore(), { amsgrad: true });
    expect(() => nn.loadCheckpoint(path, b, amsgrad)).toThrow(/Adam state does not fit this optimiser: .*maxExpAvgSq/);
    let err: unknown;
    try {
      nn.loadCheckpoint(path, b, amsgrad);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(nn.StateDictError);
    expect((err as nn.StateDictError).key).toBe('optimizer');
    expect((err as nn.StateDictError).code).toBe('ERR_GRADGUARD_STATE_DICT');
    expect((err as Error & { cause?: unknown }).cause).toBeInstanceOf(TypeError);
    expect(flat(b)).toEqual(before);
  });

  it('bad data in a state dict and files that are not checkpoints', () => {
    const m = new nn.Linear(2, 2);
    const sd = m.stateDict();
    expect(() => m.loadStateDict({ ...sd, weight: { shape: [2, 2], data: 'AAAAAA==' } })).toThrow(/stateDict\["weight"\]\.data: expected 4 values for shape \[2, 2\], got 1/);
    expect(() => m.loadStateDict({ ...sd, weight: { shape: [2, 2], data: 'AAAA' } })).toThrow(/whole number of float32 values/);
    expect(() => m.loadStateDict({ ...sd, weight: { shape: [2, 2], data: 7 as unknown as string } })).toThrow(/stateDict\["weight"\]\.data: expected data as a base64 string/);
    expect(() => m.loadStateDict(null as unknown as nn.StateDict)).toThrow(GradGuardError);
    const junk = join(dir, 'junk.ckpt');
    writeFileSync(junk, 'not a checkpoint at all');
    expect(() => nn.loadCheckpoint(junk, m)).toThrow(/is not a gradguard checkpoint \(bad magic\)/);
    const good = join(dir, 'trunc.ckpt');
    nn.saveCheckpoint(good, new nn.Linear(50, 50));
    writeFileSync(good, readFileSync(good).subarray(0, 400));
    expect(() => nn.loadCheckpoint(good, new nn.Linear(50, 50))).toThrow(/truncated/);
    const header = Buffer.from(JSON.stringify({ format: 'gradguard-checkpoint', version: 1, tensors: [{ key: 'weight', shape: 'x', offset: 0 }], optimizer: null }));
    const head = Buffer.alloc(12);
    head.write('GGCKPT01', 0, 'latin1');
    head.writeUInt32LE(header.length, 8);
    writeFileSync(junk, Buffer.concat([head, header]));
    expect(() => nn.loadCheckpoint(junk, m)).toThrow(/malformed tensor entry/);
    expect(() => nn.saveCheckpoint('', m)).toThrow(TypeError);
    expect(() => nn.saveCheckpoint(join(dir, 'x'), {} as nn.Module)).toThrow(/model: expected an nn.Module/);
  });

  it('writes through a temporary file beside the target: replaced whole on success, nothing left behind on failure', () => {
    const sub = mkdtempSync(join(dir, 'atomic-'));
    const tmps = () => readdirSync(sub).filter((f) => f.endsWith('.tmp'));
    const path = join(sub, 'atomic.ckpt');
    nn.saveCheckpoint(path, new nn.Linear(3, 3, { seed: 1 }));
    const first = readFileSync(path);
    nn.saveCheckpoint(path, new nn.Linear(3, 3, { seed: 2 }));
    expect(readFileSync(path)).not.toEqual(first);
    expect(readdirSync(sub)).toEqual(['atomic.ckpt']);
    // The rename onto a directory fails after the temporary was written: it is removed, the
    // directory is untouched.
    const blocker = join(sub, 'blocker');
    mkdirSync(blocker);
    writeFileSync(join(blocker, 'keep'), 'x');
    expect(() => nn.saveCheckpoint(blocker, new nn.Linear(3, 3))).toThrow(/EISDIR|ENOTEMPTY|EEXIST|EPERM/);
    expect(tmps()).toEqual([]);
    expect(readdirSync(blocker)).toEqual(['keep']);
    expect(() => nn.saveCheckpoint(join(sub, 'no-such-dir', 'x.ckpt'), new nn.Linear(3, 3))).toThrow(/ENOENT/);
    expect(tmps()).toEqual([]);
    expect(nn.readCheckpoint(path).stateDict.weight.data).toEqual(new nn.Linear(3, 3, { seed: 2 }).weight.data);
  });

  it('a damaged checkpoint fails its CRC-32 check instead of loading wrong values; malformed headers are named', () => {
    const path = join(dir, 'crc.ckpt');
    const m = new nn.Linear(8, 4, { seed: 3 });
    const opt = new Adam(m.paramStore());
    nn.saveCheckpoint(path, m, opt);
    const good = readFileSync(path);
    const flip = (at: number) => {
      const b = Buffer.from(good);
      b[at] ^= 0x10;
      writeFileSync(path, b);
    };
    flip(good.length - 3); // a byte of the data section
    expect(() => nn.loadCheckpoint(path, new nn.Linear(8, 4))).toThrow(/data section fails its CRC-32 check/);
    flip(20); // a byte of the JSON header
    expect(() => nn.readCheckpoint(path)).toThrow(/header fails its CRC-32 check/);
    // Well-formed CRCs over a malformed header: each is a checkpoint error, never a crash.
    const craft = (header: unknown, data = Buffer.alloc(0)) => {
      const json = Buffer.from(JSON.stringify(header));
      const head = Buffer.alloc(Math.ceil((16 + json.length) / 64) * 64);
      head.write('GGCKPT02', 0, 'latin1');
      head.writeUInt32LE(json.length, 8);
      head.writeUInt32LE(crc32(json), 12);
      json.copy(head, 16);
      writeFileSync(path, Buffer.concat([head, data]));
    };
    craft(null);
    expect(() => nn.readCheckpoint(path)).toThrow(/is not a gradguard checkpoint \(the header is not an object\)/);
    craft({ format: 'gradguard-checkpoint', version: 2, tensors: [], optimizer: { type: 'Adam', state: { expAvg: [{ $f32: 5 }] } }, dataCrc32: 0 });
    expect(() => nn.readCheckpoint(path)).toThrow(/optimiser state refers to array 5 of 0/);
    craft({ format: 'gradguard-checkpoint', version: 2, tensors: [], optimizer: null });
    expect(() => nn.readCheckpoint(path)).toThrow(/no data CRC-32/);
    try {
      nn.readCheckpoint(path);
    } catch (e) {
      expect((e as GradGuardError).code).toBe('ERR_GRADGUARD_CHECKPOINT');
    }
  });

  it('still loads checkpoints of the first format (GGCKPT01, no CRCs)', () => {
    const m = new nn.Linear(2, 3, { seed: 9 });
    const w = m.weight.data, b = m.bias!.data;
    const header = Buffer.from(JSON.stringify({ format: 'gradguard-checkpoint', version: 1, tensors: [{ key: 'weight', shape: [3, 2], offset: 0 }, { key: 'bias', shape: [3], offset: 6 }], optimizer: null, meta: { step: 7 } }));
    const head = Buffer.alloc(Math.ceil((12 + header.length) / 64) * 64);
    head.write('GGCKPT01', 0, 'latin1');
    head.writeUInt32LE(header.length, 8);
    header.copy(head, 12);
    const path = join(dir, 'v1.ckpt');
    writeFileSync(path, Buffer.concat([head, Buffer.from(w.buffer, w.byteOffset, w.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)]));
    const fresh = new nn.Linear(2, 3, { seed: 1 });
    expect(nn.loadCheckpoint(path, fresh).meta).toEqual({ step: 7 });
    expect(fresh.weight.data).toEqual(w);
    expect(fresh.bias!.data).toEqual(b);
  });

  it('computes the standard CRC-32 with and without zlib', () => {
    const check = Buffer.from('123456789');
    expect(crc32(check)).toBe(0xcbf43926);
    expect(crc32Portable(check)).toBe(0xcbf43926);
    const r = Buffer.from(randomFloats(10_001, 4).buffer);
    expect(crc32Portable(r)).toBe(crc32(r));
    expect(crc32Portable(r.subarray(5000), crc32Portable(r.subarray(0, 5000)))).toBe(crc32(r));
  });
});

describe('checkpoint temporaries', () => {
  it('a save removes the temporary files of dead processes and keeps live ones and other files', () => {
    const sub = mkdtempSync(join(dir, 'tmp-'));
    const path = join(sub, 'm.ckpt');
    const dead = `${path}.999999999.5.tmp`; // above Linux's pid_max (4194304): never a live process
    const own = `${path}.${process.pid}.7.tmp`;
    const other = `${path}.notes.tmp`;
    for (const f of [dead, own, other]) writeFileSync(f, 'partial');
    nn.saveCheckpoint(path, new nn.Linear(2, 2, { seed: 1 }));
    expect(readdirSync(sub).sort()).toEqual(['m.ckpt', 'm.ckpt.notes.tmp', `m.ckpt.${process.pid}.7.tmp`].sort());
  });
});

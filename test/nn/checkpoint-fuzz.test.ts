// Fuzz of the checkpoint parser (lib/nn/checkpoint.ts) with fast-check: whatever the bytes, reading
// a checkpoint returns or throws a GradGuardError (ERR_GRADGUARD_CHECKPOINT, or a StateDictError when
// loading into a model, also when the optimiser rejects the state, with the model restored), never
// another error, a crash or a hang (each call is timed). Four sources
// of bytes: arbitrary ones; a real checkpoint with random byte edits and truncations; headers of
// random JSON with correct CRCs (what a buggy writer could produce, which the CRCs cannot catch); a
// real header with random values put at random places, CRCs recomputed. Both formats (GGCKPT01 has
// no CRC at all). `npm test` gives it a few hundred runs per property; `npm run test:fuzz` thousands
// (GG_FUZZ_JS_RUNS).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Adam, GradGuardError, nn } from '../../lib/index.js';
import { crc32 } from '../../lib/nn/crc32.js';

const runs = Number(process.env.GG_FUZZ_JS_RUNS ?? 200);
const dir = mkdtempSync(join(tmpdir(), 'gradguard-ckpt-fuzz-'));
const file = join(dir, 'fuzz.ckpt');
const MAX_MS = 2000; // one parse of a few KiB: anything near this is a hang in the making

const build = (): nn.Sequential => new nn.Sequential(new nn.Linear(3, 4, { seed: 1 }), new nn.BatchNorm1d(4), new nn.Linear(4, 2, { seed: 2 }));

const flat = (m: nn.Module): number[] => m.stateSlots().flatMap(([, t]) => Array.from(t.data));
const pristine = flat(build());

// A real checkpoint (model + Adam state, meta) to mutate.
const model = build();
const opt = new Adam(model.paramStore(), { lr: 1e-2 });
model.zeroGrad();
const out = model.forward(nn.tensor(new Float32Array(6).fill(0.5), [2, 3]));
model.backward(nn.tensor(new Float32Array(out.data.length).fill(1), out.shape));
opt.step();
nn.saveCheckpoint(file, model, opt, { meta: { step: 1 } });
const real = new Uint8Array(readFileSync(file));
const realHeaderLen = Buffer.from(real).readUInt32LE(8);
const realHeader = JSON.parse(Buffer.from(real.subarray(16, 16 + realHeaderLen)).toString('utf8')) as Record<string, unknown>;
const realData = real.subarray(Math.ceil((16 + realHeaderLen) / 64) * 64);

/** A file of either format around `header` (any JSON value) and `data`, with correct CRCs. */
function encode(header: unknown, data: Uint8Array, v1: boolean, fixDataCrc: boolean): Uint8Array {
  if (fixDataCrc && header !== null && typeof header === 'object' && !Array.isArray(header) && !v1) {
    (header as Record<string, unknown>).dataCrc32 = crc32(data);
  }
  const json = Buffer.from(JSON.stringify(header) ?? 'null', 'utf8');
  const at = v1 ? 12 : 16;
  const start = Math.ceil((at + json.length) / 64) * 64;
  const b = Buffer.alloc(start + data.length);
  b.write(v1 ? 'GGCKPT01' : 'GGCKPT02', 0, 'latin1');
  b.writeUInt32LE(json.length, 8);
  if (!v1) b.writeUInt32LE(crc32(json), 12);
  json.copy(b, at);
  b.set(data, start);
  return b;
}

/** Reads `bytes` as a checkpoint, then loads it into a fresh model (+ Adam when `withOpt`). */
function attempt(bytes: Uint8Array, withOpt: boolean): void {
  writeFileSync(file, bytes);
  const t0 = performance.now();
  const m = build();
  let readOk = false;
  try {
    const ck = nn.readCheckpoint(file);
    expect(ck).toBeTypeOf('object');
    readOk = true;
    nn.loadCheckpoint(file, m, withOpt ? new Adam(m.paramStore(), { lr: 1e-2 }) : null);
  } catch (err) {
    // Optimiser state the optimiser rejects is a StateDictError on key 'optimizer', with the model restored.
    const fromLoadState = withOpt && readOk && err instanceof nn.StateDictError && err.key === 'optimizer';
    if (fromLoadState) {
      expect(flat(m)).toEqual(pristine);
    } else if (!(err instanceof GradGuardError)) {
      throw new Error(`not a GradGuardError: ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}`);
    }
  } finally {
    const ms = performance.now() - t0;
    if (ms > MAX_MS) throw new Error(`took ${ms.toFixed(0)} ms`);
  }
}

/** Random values for the header's fields: JSON of every kind, and the awkward ones. */
const awkward = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(-1, 0.5, 2 ** 53, 1e308, -0, '', '__proto__', 'constructor', [], {}, null, { $f32: 0 }, { $f32: -1 }, { $f32: 1e9 }, [2 ** 40], [1, -1], [1e6, 1e6]),
  fc.dictionary(fc.constantFrom('key', 'shape', 'offset', '$f32', 'type', 'state', '__proto__'), fc.jsonValue({ maxDepth: 2 })),
);

/** Sets `value` at a random path inside `root` (a deep copy of the real header). */
function mutate(root: unknown, choices: number[], value: unknown): unknown {
  const copy = structuredClone(root);
  let node = copy as Record<string, unknown> | unknown[];
  for (let i = 0; i < choices.length; i++) {
    const keys = Object.keys(node);
    if (keys.length === 0) break;
    const k = keys[choices[i] % keys.length];
    const child = (node as Record<string, unknown>)[k];
    if (i === choices.length - 1 || child === null || typeof child !== 'object') {
      (node as Record<string, unknown>)[k] = value;
      break;
    }
    node = child as Record<string, unknown>;
  }
  return copy;
}

describe('checkpoint parser fuzz (fast-check)', () => {
  it('arbitrary bytes, after either magic or none, are refused with a GradGuardError', () => {
    const magic = fc.constantFrom('', 'GGCKPT01', 'GGCKPT02');
    fc.assert(
      fc.property(magic, fc.uint8Array({ maxLength: 600 }), fc.boolean(), (m, rest, withOpt) => {
        attempt(new Uint8Array([...Buffer.from(m, 'latin1'), ...rest]), withOpt);
      }),
      { numRuns: runs },
    );
  });

  it('a real checkpoint with random byte edits, insertions and truncation', () => {
    const edit = fc.record({ at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }), insert: fc.boolean() });
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 8 }), fc.option(fc.nat()), fc.boolean(), (edits, cut, withOpt) => {
        let b = Array.from(real);
        for (const e of edits) {
          const at = e.at % (b.length + 1);
          if (e.insert) b.splice(at, 0, e.byte);
          else if (at < b.length) b[at] = e.byte;
        }
        if (cut !== null) b = b.slice(0, cut % (b.length + 1));
        attempt(new Uint8Array(b), withOpt);
      }),
      { numRuns: runs },
    );
  });

  it('headers of random JSON with correct CRCs (either format)', () => {
    const header = fc.oneof(
      fc.jsonValue({ maxDepth: 4 }),
      fc.record({
        format: fc.constantFrom('gradguard-checkpoint', 'x'),
        version: fc.constantFrom(1, 2, 3),
        tensors: fc.array(fc.oneof(awkward, fc.record({ key: fc.oneof(fc.string(), fc.constantFrom('0.weight', '1.bias', '__proto__')), shape: fc.array(fc.oneof(fc.nat(9), awkward), { maxLength: 3 }), offset: fc.oneof(fc.nat(40), awkward) })), { maxLength: 6 }),
        optimizer: fc.oneof(fc.constant(null), awkward, fc.record({ type: fc.constantFrom('Adam', 'SGD', 'x'), state: awkward })),
        meta: awkward,
      }, { requiredKeys: ['format', 'version', 'tensors'] }),
    );
    fc.assert(
      fc.property(header, fc.uint8Array({ maxLength: 256 }), fc.boolean(), fc.boolean(), (h, data, v1, withOpt) => {
        if (h !== null && typeof h === 'object' && !Array.isArray(h) && v1 && (h as Record<string, unknown>).version === 2) (h as Record<string, unknown>).version = 1;
        attempt(encode(h, data, v1, true), withOpt);
      }),
      { numRuns: runs },
    );
  });

  it('the real header with a random value at a random place, CRCs recomputed', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), awkward, fc.boolean(), fc.boolean(), (path, value, v1, withOpt) => {
        const h = mutate(realHeader, path, value) as Record<string, unknown>;
        if (v1 && h && typeof h === 'object') h.version = 1;
        attempt(encode(h, realData, v1, true), withOpt);
      }),
      { numRuns: runs },
    );
  });

  it('deeply nested JSON anywhere in the header (stack depth), either format', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300_000 }), fc.constantFrom('[', '{"a":'), fc.constantFrom('state', 'meta', 'tensors'), fc.boolean(), (depth, open, where, v1) => {
        const close = open === '[' ? ']' : '}';
        const deep = `${open.repeat(depth)}0${close.repeat(depth)}`;
        const fields = { state: '[]', meta: 'null', tensors: '[]', [where]: deep };
        const json = `{"format":"gradguard-checkpoint","version":${v1 ? 1 : 2},"dataCrc32":0,"tensors":${fields.tensors},"optimizer":{"type":"Adam","state":${fields.state}},"meta":${fields.meta}}`;
        const h = Buffer.from(json, 'utf8');
        const at = v1 ? 12 : 16;
        const b = Buffer.alloc(Math.ceil((at + h.length) / 64) * 64);
        b.write(v1 ? 'GGCKPT01' : 'GGCKPT02', 0, 'latin1');
        b.writeUInt32LE(h.length, 8);
        if (!v1) b.writeUInt32LE(crc32(h), 12);
        h.copy(b, at);
        attempt(b, false);
      }),
      { numRuns: Math.max(20, Math.ceil(runs / 20)) },
    );
  });

  it('the unmodified checkpoint still loads (the fuzz is not refusing everything)', () => {
    writeFileSync(file, real);
    const m = build();
    expect(nn.loadCheckpoint(file, m, new Adam(m.paramStore(), { lr: 1e-2 }))).toEqual({ optimizer: true, meta: { step: 1 } });
    writeFileSync(file, encode(structuredClone(realHeader), realData, false, true));
    expect(nn.readCheckpoint(file).meta).toEqual({ step: 1 });
  });
});

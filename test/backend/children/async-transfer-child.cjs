// Child of test/backend/async-transfer.test.ts, run as `node --expose-gc async-transfer-child.cjs
// ADDON SCENARIO ROUNDS`: drives the addon's raw *Async exports while real worker_threads take the
// buffers away (transfer), then drop them and force a GC, so freed memory would be written if an
// in-flight call still used it. Prints one JSON line of counts; the parent judges them.
'use strict';
const { Worker, isMainThread, parentPort, workerData } = require('node:worker_threads');

if (!isMainThread) {
  const addon = require(workerData.addon);
  if (workerData.role === 'holder') {
    // Receives transferred buffers, snapshots them, waits while the main thread's call would still
    // be running, and reports whether anything wrote into them meanwhile; then drops them and GCs.
    parentPort.on('message', (msg) => {
      if (msg === 'exit') return process.exit(0);
      const view = new Uint8Array(msg.buffer);
      const before = Buffer.from(view);
      setTimeout(() => {
        const changed = !before.equals(Buffer.from(view));
        view.fill(0xff); // reuse the memory as another owner would
        parentPort.postMessage({ id: msg.id, changed });
        globalThis.gc();
      }, msg.waitMs);
    });
  } else {
    // 'allocator': exported (addon) memory, long calls into it, then the parent terminates us.
    const f32 = (n) => new Float32Array(addon.allocateBuffer(n * 4) ?? new ArrayBuffer(n * 4));
    const { m, n, k } = workerData;
    const a = f32(m * k).fill(0.5);
    const b = f32(k * n).fill(0.25);
    const c = f32(m * n);
    for (let i = 0; i < 4; ++i) addon.matmulAsync(a, b, c, m, n, k, false, false, 1, 0).catch(() => {});
    parentPort.postMessage('started');
  }
  return;
}

const [addonPath, scenario, roundsArg] = process.argv.slice(2);
const addon = require(addonPath);
const rounds = Number(roundsArg);
const m = 384, n = 384, k = 4096;
const counts = { ok: 0, detached: 0, wrong: 0, otherError: 0, writtenAfterTransfer: 0, rounds };

function fill(t, seed) {
  let s = seed >>> 0;
  for (let i = 0; i < t.length; ++i) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    t[i] = (s / 4294967296) * 2 - 1;
  }
  return t;
}
const same = (x, y) => x.length === y.length && Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(y.buffer, y.byteOffset, y.byteLength));

async function outcome(p, check) {
  try {
    const r = await p;
    if (check(r)) counts.ok++;
    else counts.wrong++;
  } catch (e) {
    if (e && e.code === 'ERR_GRADGUARD_DETACHED') counts.detached++;
    else {
      counts.otherError++;
      console.error(String(e && e.stack));
    }
  }
}

async function userMemory() {
  const holder = new Worker(__filename, { workerData: { addon: addonPath, role: 'holder' } });
  const replies = new Map();
  holder.on('message', (r) => replies.get(r.id)(r));
  const reply = (id) => new Promise((res) => replies.set(id, res));
  const a = fill(new Float32Array(m * k), 1);
  const b = fill(new Float32Array(k * n), 2);
  const want = new Float32Array(m * n);
  addon.matmul(a, b, want, m, n, k, false, false, 1, 0);
  for (let r = 0; r < rounds; ++r) {
    // The output (written by the kernel throughout) or an input goes to the worker mid-call.
    const c = new Float32Array(m * n);
    const ai = Float32Array.from(a);
    const p = addon.matmulAsync(ai, b, c, m, n, k, false, false, 1, 0);
    const which = r % 3; // 0: C moves, 1: A moves, 2: nothing moves
    const moving = which === 0 ? c : which === 1 ? ai : null;
    let done = null;
    if (moving) {
      done = reply(r);
      holder.postMessage({ id: r, buffer: moving.buffer, waitMs: 15 }, [moving.buffer]);
    }
    await outcome(p, () => same(c, want));
    if (done) {
      const { changed } = await done;
      if (changed) counts.writtenAfterTransfer++;
    }
    // A tensor list: norm (reads) and clip (writes) with one element moved away mid-call.
    const grads = [fill(new Float32Array(300000), 3 + r), fill(new Float32Array(5), 4), fill(new Float32Array(200000), 5)];
    const copy = grads.map((g) => Float32Array.from(g));
    const wantNorm = addon.gradNorm(copy, undefined, 2);
    const q = addon.clipGradNormAsync(grads, undefined, 0.5, 2, false);
    let done2 = null;
    if (r % 2 === 0) {
      done2 = reply(rounds + r);
      holder.postMessage({ id: rounds + r, buffer: grads[2].buffer, waitMs: 5 }, [grads[2].buffer]);
    }
    await outcome(q, (norm) => norm === wantNorm);
    if (done2) {
      const { changed } = await done2;
      if (changed) counts.writtenAfterTransfer++;
    }
    globalThis.gc();
  }
  holder.postMessage('exit');
  await new Promise((res) => holder.once('exit', res));
}

async function exportedMemory() {
  // A buffer the addon allocated: Node 20 copies such a buffer when it is in a transfer list
  // (Node marks external buffers untransferable), so the call's memory stays attached; where
  // ArrayBuffer.prototype.transfer exists it detaches it, and the pin keeps the memory alive.
  const f32 = (len) => new Float32Array(addon.allocateBuffer(len * 4) ?? new ArrayBuffer(len * 4));
  const a = fill(f32(m * k), 1);
  const b = fill(f32(k * n), 2);
  const want = new Float32Array(m * n);
  addon.matmul(a, b, want, m, n, k, false, false, 1, 0);
  counts.copiedOnTransfer = 0;
  counts.detachedByTransfer = 0;
  for (let r = 0; r < rounds; ++r) {
    let c = f32(m * n);
    const out = c;
    const p = addon.matmulAsync(a, b, c, m, n, k, false, false, 1, 0);
    let check = () => same(out, want);
    if (r % 2 === 0) {
      const { port1, port2 } = new MessageChannel();
      port1.postMessage(c.buffer, [c.buffer]);
      port1.close();
      port2.close();
      if (c.length === m * n) counts.copiedOnTransfer++;
      else counts.detachedByTransfer++;
    } else if (typeof ArrayBuffer.prototype.transfer === 'function') {
      const moved = new Float32Array(c.buffer.transfer());
      check = () => same(moved, want);
    }
    c = null; // drop what can be dropped (the moved memory's only owner is `moved`), then collect
    globalThis.gc();
    await outcome(p, () => check());
  }
  // Workers that allocate, start long calls into that memory and are terminated mid-call: the
  // environment's teardown runs the buffers' finalizers, which must wait for the calls.
  for (let r = 0; r < Math.max(2, rounds >> 2); ++r) {
    const w = new Worker(__filename, { workerData: { addon: addonPath, role: 'allocator', m, n, k } });
    await new Promise((res) => w.once('message', res));
    await w.terminate();
    counts.terminated = (counts.terminated ?? 0) + 1;
  }
}

const { MessageChannel } = require('node:worker_threads');
(scenario === 'user' ? userMemory() : exportedMemory()).then(
  () => {
    process.stdout.write(`${JSON.stringify(counts)}\n`);
  },
  (e) => {
    console.error(e);
    process.exit(2);
  },
);

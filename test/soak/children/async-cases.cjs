// One case per public *Async function (gradguard.dist's allReduceAsync excepted: it needs mpirun):
// `run(gg, pick)` builds fresh, seeded arguments, calls `pick(gg, name)` (the sync form or the async
// one) and resolves to a snapshot of everything the call produced (return value and written
// arrays), so a soak can compare each async result with its sync form's bit for bit.
// test/soak/async-workers.soak.ts checks that this table names every *Async export.

/** Seeded values in [-1, 1): the same seed gives the same array. */
function rand(n, seed) {
  const a = new Float32Array(n);
  let s = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    a[i] = s / 2 ** 31 - 1;
  }
  return a;
}

/** Every number in v (typed arrays, arrays, plain objects, numbers), in a stable order. */
function snap(...values) {
  const out = [];
  const walk = (v) => {
    if (typeof v === 'number' || typeof v === 'boolean') out.push(Number(v));
    else if (ArrayBuffer.isView(v)) for (const x of v) out.push(Number(x));
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') for (const k of Object.keys(v).sort()) walk(v[k]);
  };
  values.forEach(walk);
  return out;
}

const grads = (seed) => [rand(1000, seed).map((x) => 10 * x), rand(4099, seed + 1), rand(7, seed + 2)];
const rnnShape = { seqLen: 6, batch: 3, inputSize: 5, hiddenSize: 8 };
const rnnWeights = (g, seed) => ({ weightIh: rand(g * 8 * 5, seed), weightHh: rand(g * 8 * 8, seed + 1), biasIh: rand(g * 8, seed + 2), biasHh: rand(g * 8, seed + 3) });

const cases = {
  async clipGradNormAsync(gg, pick) {
    const g = grads(1);
    return snap(await pick(gg, 'clipGradNorm')(g, 1, { normType: 2 }), g);
  },
  async clipGradValueAsync(gg, pick) {
    const g = grads(2);
    await pick(gg, 'clipGradValue')(g, 0.5);
    return snap(g);
  },
  async clipGradsWithNormAsync(gg, pick) {
    const g = grads(3);
    await pick(gg, 'clipGradsWithNorm')(g, 1, 30);
    return snap(g);
  },
  async getTotalNormAsync(gg, pick) {
    return snap(await pick(gg, 'getTotalNorm')(grads(4), 3));
  },
  async gradStatsAsync(gg, pick) {
    return snap(await pick(gg, 'gradStats')(grads(5)));
  },
  async 'ops.matmulAsync'(gg, pick) {
    const c = rand(37 * 45, 8);
    await pick(gg.ops, 'matmul')(rand(37 * 63, 6), rand(45 * 63, 7), c, { m: 37, n: 45, k: 63, transB: true, alpha: 0.5, beta: 1 });
    return snap(c);
  },
  async 'ops.linearForwardAsync'(gg, pick) {
    const y = new Float32Array(9 * 17);
    await pick(gg.ops, 'linearForward')(rand(9 * 33, 9), rand(17 * 33, 10), rand(17, 11), y, { batch: 9, inFeatures: 33, outFeatures: 17 });
    return snap(y);
  },
  async 'ops.linearBackwardAsync'(gg, pick) {
    const grads = { gradX: new Float32Array(9 * 33), gradWeight: rand(17 * 33, 12), gradBias: rand(17, 13) };
    await pick(gg.ops, 'linearBackward')(rand(9 * 33, 9), rand(17 * 33, 10), rand(9 * 17, 14), grads, { batch: 9, inFeatures: 33, outFeatures: 17, accumulate: true });
    return snap(grads);
  },
  async 'ops.batchNorm1dAsync'(gg, pick) {
    const rm = rand(13, 15), rv = rand(13, 16).map(Math.abs);
    const r = await pick(gg.ops, 'batchNorm1d')(rand(9 * 13, 17), [9, 13], { weight: rand(13, 18), bias: rand(13, 19), runningMean: rm, runningVar: rv });
    return snap(r, rm, rv);
  },
  async 'ops.batchNorm1dBackwardAsync'(gg, pick) {
    const x = rand(9 * 13, 17), weight = rand(13, 18);
    const saved = gg.ops.batchNorm1d(x, [9, 13], { weight });
    return snap(await pick(gg.ops, 'batchNorm1dBackward')(rand(9 * 13, 20), x, [9, 13], saved, { weight }));
  },
  async 'ops.layerNormAsync'(gg, pick) {
    return snap(await pick(gg.ops, 'layerNorm')(rand(6 * 19, 21), 19, { weight: rand(19, 22), bias: rand(19, 23) }));
  },
  async 'ops.layerNormBackwardAsync'(gg, pick) {
    const x = rand(6 * 19, 21), weight = rand(19, 22);
    const saved = gg.ops.layerNorm(x, 19, { weight });
    return snap(await pick(gg.ops, 'layerNormBackward')(rand(6 * 19, 24), x, 19, saved, { weight }));
  },
  async 'ops.rnnForwardAsync'(gg, pick) {
    return snap(await pick(gg.ops, 'rnnForward')(rand(6 * 3 * 5, 25), rnnWeights(1, 26), rnnShape, { h0: rand(24, 30) }));
  },
  async 'ops.rnnBackwardAsync'(gg, pick) {
    const x = rand(6 * 3 * 5, 25), w = rnnWeights(1, 26);
    const f = gg.ops.rnnForward(x, w, rnnShape);
    return snap(await pick(gg.ops, 'rnnBackward')(x, w, rnnShape, f.workspace, { gradOutput: rand(6 * 3 * 8, 31), gradHN: rand(24, 32) }));
  },
  async 'ops.lstmForwardAsync'(gg, pick) {
    return snap(await pick(gg.ops, 'lstmForward')(rand(6 * 3 * 5, 33), rnnWeights(4, 34), rnnShape, { h0: rand(24, 38), c0: rand(24, 39) }));
  },
  async 'ops.lstmBackwardAsync'(gg, pick) {
    const x = rand(6 * 3 * 5, 33), w = rnnWeights(4, 34);
    const f = gg.ops.lstmForward(x, w, rnnShape);
    return snap(await pick(gg.ops, 'lstmBackward')(x, w, rnnShape, f.workspace, { gradOutput: rand(6 * 3 * 8, 40), gradHN: rand(24, 41), gradCN: rand(24, 42) }));
  },
};

// Issue 13 and 14 ops: opCase snapshots the return value and every argument (the outputs among them).
const conv2 = { batch: 2, inChannels: 3, outChannels: 4, height: 7, width: 6, kernelSize: 3, stride: 2, padding: 1, dilation: 1, groups: 1 };
const conv1 = { batch: 2, inChannels: 4, outChannels: 4, length: 11, kernelSize: 3, stride: 1, padding: 2, dilation: 2, groups: 2 };
const pool = { batch: 2, channels: 3, height: 7, width: 6 };
const attn = { batch: 2, heads: 2, lq: 5, lk: 5, d: 8, dv: 4, causal: true };
const opCase = (name, makeArgs) => async (gg, pick) => {
  const args = makeArgs(gg);
  return snap(await pick(gg.ops, name)(...args), args);
};
Object.assign(cases, {
  'ops.conv2dForwardAsync': opCase('conv2dForward', () => [rand(2 * 3 * 42, 50), rand(4 * 27, 51), rand(4, 52), new Float32Array(2 * 4 * 4 * 3), { ...conv2 }]),
  'ops.conv2dBackwardAsync': opCase('conv2dBackward', () => [rand(2 * 3 * 42, 50), rand(4 * 27, 51), rand(2 * 4 * 12, 53), { gradX: new Float32Array(2 * 3 * 42), gradWeight: new Float32Array(4 * 27), gradBias: new Float32Array(4) }, { ...conv2 }]),
  'ops.conv1dForwardAsync': opCase('conv1dForward', () => [rand(2 * 4 * 11, 54), rand(4 * 2 * 3, 55), null, new Float32Array(2 * 4 * 11), { ...conv1 }]),
  'ops.conv1dBackwardAsync': opCase('conv1dBackward', () => [rand(2 * 4 * 11, 54), rand(4 * 2 * 3, 55), rand(2 * 4 * 11, 56), { gradX: new Float32Array(2 * 4 * 11), gradWeight: rand(24, 57) }, { ...conv1, accumulate: true }]),
  'ops.maxPool2dForwardAsync': opCase('maxPool2dForward', () => [rand(2 * 3 * 42, 58), new Float32Array(2 * 3 * 4 * 3), new Int32Array(2 * 3 * 4 * 3), { ...pool, kernelSize: 3, stride: 2, padding: 1 }]),
  'ops.maxPool2dBackwardAsync': opCase('maxPool2dBackward', (gg) => {
    const idx = new Int32Array(2 * 3 * 4 * 3);
    gg.ops.maxPool2dForward(rand(2 * 3 * 42, 58), new Float32Array(idx.length), idx, { ...pool, kernelSize: 3, stride: 2, padding: 1 });
    return [rand(idx.length, 59), idx, new Float32Array(2 * 3 * 42), { ...pool, kernelSize: 3, stride: 2, padding: 1 }];
  }),
  'ops.avgPool2dForwardAsync': opCase('avgPool2dForward', () => [rand(2 * 3 * 42, 60), new Float32Array(2 * 3 * 4 * 3), { ...pool, kernelSize: 3, stride: 2, padding: 1, countIncludePad: false }]),
  'ops.avgPool2dBackwardAsync': opCase('avgPool2dBackward', () => [rand(2 * 3 * 4 * 3, 61), new Float32Array(2 * 3 * 42), { ...pool, kernelSize: 3, stride: 2, padding: 1 }]),
  'ops.adaptiveAvgPool2dForwardAsync': opCase('adaptiveAvgPool2dForward', () => [rand(2 * 3 * 42, 62), new Float32Array(2 * 3 * 3 * 4), { ...pool, outputSize: [3, 4] }]),
  'ops.adaptiveAvgPool2dBackwardAsync': opCase('adaptiveAvgPool2dBackward', () => [rand(2 * 3 * 12, 63), new Float32Array(2 * 3 * 42), { ...pool, outputSize: [3, 4] }]),
  'ops.batchNorm2dAsync': opCase('batchNorm2d', () => [rand(2 * 3 * 20, 64), [2, 3, 4, 5], { weight: rand(3, 65), bias: rand(3, 66), runningMean: rand(3, 67), runningVar: rand(3, 68).map(Math.abs) }]),
  'ops.batchNorm2dBackwardAsync': opCase('batchNorm2dBackward', (gg) => {
    const x = rand(2 * 3 * 20, 64), weight = rand(3, 65);
    return [rand(2 * 3 * 20, 69), x, [2, 3, 4, 5], gg.ops.batchNorm2d(x, [2, 3, 4, 5], { weight }), { weight }];
  }),
  'ops.embeddingForwardAsync': opCase('embeddingForward', () => [new Int32Array([4, 0, 4, 2, 7, 1]), rand(8 * 5, 70), new Float32Array(6 * 5), { numEmbeddings: 8, embeddingDim: 5 }]),
  'ops.embeddingBackwardAsync': opCase('embeddingBackward', () => [new Int32Array([4, 0, 4, 2, 7, 1]), rand(6 * 5, 71), rand(8 * 5, 72), { numEmbeddings: 8, embeddingDim: 5, paddingIdx: 2, accumulate: true }]),
  'ops.softmaxAsync': opCase('softmax', () => [rand(5 * 9, 73).map((v) => 30 * v), new Float32Array(45), { rows: 5, cols: 9 }]),
  'ops.logSoftmaxAsync': opCase('logSoftmax', () => [rand(5 * 9, 73).map((v) => 30 * v), new Float32Array(45), { rows: 5, cols: 9 }]),
  'ops.softmaxBackwardAsync': opCase('softmaxBackward', (gg) => [gg.ops.softmax(rand(45, 74), new Float32Array(45), { rows: 5, cols: 9 }), rand(45, 75), new Float32Array(45), { rows: 5, cols: 9 }]),
  'ops.logSoftmaxBackwardAsync': opCase('logSoftmaxBackward', (gg) => [gg.ops.logSoftmax(rand(45, 74), new Float32Array(45), { rows: 5, cols: 9 }), rand(45, 75), new Float32Array(45), { rows: 5, cols: 9 }]),
  'ops.attentionForwardAsync': opCase('attentionForward', () => [rand(2 * 2 * 5 * 8, 76), rand(2 * 2 * 5 * 8, 77), rand(2 * 2 * 5 * 4, 78), new Float32Array(2 * 2 * 5 * 4), new Float32Array(2 * 2 * 5), { ...attn }]),
  'ops.attentionBackwardAsync': opCase('attentionBackward', (gg) => {
    const q = rand(2 * 2 * 5 * 8, 76), k = rand(2 * 2 * 5 * 8, 77), v = rand(2 * 2 * 5 * 4, 78), out = new Float32Array(2 * 2 * 5 * 4), lse = new Float32Array(2 * 2 * 5);
    gg.ops.attentionForward(q, k, v, out, lse, attn);
    return [q, k, v, out, lse, rand(out.length, 79), { gradQ: new Float32Array(q.length), gradK: new Float32Array(k.length), gradV: new Float32Array(v.length) }, { ...attn }];
  }),
  'ops.selfAttentionForwardAsync': opCase('selfAttentionForward', () => [rand(5 * 2 * 3 * 8, 76), new Float32Array(5 * 2 * 8), new Float32Array(2 * 2 * 5), { seqLen: 5, batch: 2, heads: 2, headDim: 4, causal: true }]),
  'ops.selfAttentionBackwardAsync': opCase('selfAttentionBackward', (gg) => {
    const qkv = rand(5 * 2 * 3 * 8, 76), out = new Float32Array(5 * 2 * 8), lse = new Float32Array(2 * 2 * 5), o = { seqLen: 5, batch: 2, heads: 2, headDim: 4, causal: true };
    gg.ops.selfAttentionForward(qkv, out, lse, o);
    return [qkv, out, lse, rand(out.length, 79), new Float32Array(qkv.length), o];
  }),
  'ops.gruForwardAsync': opCase('gruForward', () => [rand(6 * 3 * 5, 80), rnnWeights(3, 81), rnnShape, { h0: rand(24, 85) }]),
  'ops.gruBackwardAsync': opCase('gruBackward', (gg) => {
    const x = rand(6 * 3 * 5, 80), w = rnnWeights(3, 81);
    return [x, w, rnnShape, gg.ops.gruForward(x, w, rnnShape).workspace, { gradOutput: rand(6 * 3 * 8, 86), gradHN: rand(24, 87) }];
  }),
});

/** `name` of the sync form or its async twin, bound to its namespace. */
const syncForm = (ns, name) => ns[name].bind(ns);
const asyncForm = (ns, name) => ns[`${name}Async`].bind(ns);

module.exports = { cases, syncForm, asyncForm, rand };

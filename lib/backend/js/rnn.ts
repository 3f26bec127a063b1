/**
 * Pure-TS one-layer RNN ('rnn_tanh', 'rnn_relu'), LSTM ('lstm'; gates i, f, g, o) and GRU ('gru'; gates
 * r, z, n with b_hn inside the reset product, PyTorch's form), the algorithm of
 * native/kernels/rnn/rnn.cc with float64 dot products. Layouts (PyTorch): x [T, B, I],
 * weightIh [G·H, I], weightHh [G·H, H], biases [G·H], h0/c0/hN/cN [B, H], output [T, B, H].
 * Workspace (float32): RNN the hidden states [T, B, H]; LSTM activated gates [T, B, 4H], cells
 * [T, B, H], hidden states [T, B, H]; GRU activated gates [T, B, 3H], W_hn·h_{t−1} + b_hn [T, B, H], hidden
 * states [T, B, H]. Arguments are validated by lib/ops.
 * recurrentBackward's clipHiddenGradNorm (> 0) clips each sample's dh_t per step as lib/ops/rnn.ts
 * documents (the native kernel does the same with a float32 threshold).
 */
import type { RecurrentBackwardArgs, RecurrentForwardArgs } from '../ops-types.js';

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

export function recurrentForward(a: RecurrentForwardArgs): void {
  if (a.mode === 'gru') return gruForward(a);
  const { mode, x, h0, c0, weightIh: wIh, weightHh: wHh, biasIh: bIh, biasHh: bHh, output, hN, cN, workspace: ws } = a;
  const { seqLen: T, batch: B, inputSize: I, hiddenSize: H } = a.dims;
  const lstm = mode === 'lstm';
  const tanh = mode === 'rnn_tanh';
  const GH = (lstm ? 4 : 1) * H;
  const cellsAt = T * B * GH;
  const hiddenAt = lstm ? cellsAt + T * B * H : 0;
  let hPrev: Float32Array = h0;
  let hOff = 0;
  let cPrev: Float32Array | null = c0;
  let cOff = 0;
  const pre = new Float64Array(GH);
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const xo = (t * B + b) * I;
      const ho = hOff + b * H;
      for (let r = 0; r < GH; r++) {
        let acc = (bIh ? bIh[r] : 0) + (bHh ? bHh[r] : 0);
        for (let k = 0; k < I; k++) acc += x[xo + k] * wIh[r * I + k];
        for (let k = 0; k < H; k++) acc += hPrev[ho + k] * wHh[r * H + k];
        pre[r] = acc;
      }
      const go = (t * B + b) * GH;
      const so = (t * B + b) * H;
      if (!lstm) {
        for (let j = 0; j < H; j++) ws[go + j] = tanh ? Math.tanh(pre[j]) : pre[j] < 0 ? 0 : pre[j]; // NaN stays NaN
      } else {
        for (let j = 0; j < H; j++) {
          const ig = Math.fround(sigmoid(pre[j]));
          const fg = Math.fround(sigmoid(pre[H + j]));
          const gg = Math.fround(Math.tanh(pre[2 * H + j]));
          const og = Math.fround(sigmoid(pre[3 * H + j]));
          ws[go + j] = ig;
          ws[go + H + j] = fg;
          ws[go + 2 * H + j] = gg;
          ws[go + 3 * H + j] = og;
          const c = fg * cPrev![cOff + b * H + j] + ig * gg;
          ws[cellsAt + so + j] = c;
          ws[hiddenAt + so + j] = og * Math.tanh(Math.fround(c));
        }
      }
    }
    output.set(ws.subarray(hiddenAt + t * B * H, hiddenAt + (t + 1) * B * H), t * B * H);
    hPrev = ws;
    hOff = hiddenAt + t * B * H;
    if (lstm) {
      cPrev = ws;
      cOff = cellsAt + t * B * H;
    }
  }
  hN.set(hPrev.subarray(hOff, hOff + B * H));
  if (lstm) cN!.set(cPrev!.subarray(cOff, cOff + B * H));
}

export function recurrentBackward(a: RecurrentBackwardArgs): void {
  if (a.mode === 'gru') return gruBackward(a);
  const { mode, x, h0, c0, weightIh: wIh, weightHh: wHh, workspace: ws, gradOutput, gradHN, gradCN, gradInput, gradH0, gradC0 } = a;
  const { gradWeightIh: gWIh, gradWeightHh: gWHh, gradBiasIh: gBIh, gradBiasHh: gBHh, accumulate, clipHiddenGradNorm } = a;
  const { seqLen: T, batch: B, inputSize: I, hiddenSize: H } = a.dims;
  const lstm = mode === 'lstm';
  const tanh = mode === 'rnn_tanh';
  const GH = (lstm ? 4 : 1) * H;
  const cellsAt = T * B * GH;
  // The native kernels take the threshold as float32; round the same way so the backends agree.
  const clip = Math.fround(clipHiddenGradNorm);
  const hiddenAt = lstm ? cellsAt + T * B * H : 0;
  const dgates = new Float64Array(T * B * GH);
  let dh = new Float64Array(B * H);
  const dc = new Float64Array(lstm ? B * H : 0);
  if (gradHN) dh.set(gradHN);
  if (lstm && gradCN) dc.set(gradCN);
  const dhRow = new Float64Array(H);
  for (let t = T - 1; t >= 0; t--) {
    for (let b = 0; b < B; b++) {
      const go = (t * B + b) * GH;
      const so = (t * B + b) * H;
      // dh_t of this sample, clipped to clipHiddenGradNorm (per sample, clip_grad_norm's factor)
      let ss = 0;
      for (let j = 0; j < H; j++) {
        const v = dh[b * H + j] + (gradOutput ? gradOutput[so + j] : 0);
        dhRow[j] = v;
        ss += v * v;
      }
      if (clip > 0) {
        const coef = clip / (Math.sqrt(ss) + 1e-6);
        if (coef < 1) for (let j = 0; j < H; j++) dhRow[j] *= coef;
      }
      for (let j = 0; j < H; j++) {
        const k = b * H + j;
        const dht = dhRow[j];
        if (!lstm) {
          const h = ws[go + j];
          dgates[go + j] = tanh ? dht * (1 - h * h) : h <= 0 ? 0 : dht; // PyTorch threshold_backward
        } else {
          const ig = ws[go + j];
          const fg = ws[go + H + j];
          const gg = ws[go + 2 * H + j];
          const og = ws[go + 3 * H + j];
          const tc = Math.tanh(ws[cellsAt + so + j]);
          const cp = t > 0 ? ws[cellsAt + so - B * H + j] : c0![k];
          const dct = dc[k] + dht * og * (1 - tc * tc);
          dgates[go + j] = dct * gg * ig * (1 - ig);
          dgates[go + H + j] = dct * cp * fg * (1 - fg);
          dgates[go + 2 * H + j] = dct * ig * (1 - gg * gg);
          dgates[go + 3 * H + j] = dht * tc * og * (1 - og);
          dc[k] = dct * fg;
        }
      }
    }
    const next = new Float64Array(B * H);
    for (let b = 0; b < B; b++) {
      const go = (t * B + b) * GH;
      for (let r = 0; r < GH; r++) {
        const g = dgates[go + r];
        if (g === 0) continue;
        for (let j = 0; j < H; j++) next[b * H + j] += g * wHh[r * H + j];
      }
    }
    dh = next;
  }
  gradH0.set(dh);
  if (lstm) gradC0!.set(dc);
  const gx = new Float64Array(T * B * I);
  const gwi = new Float64Array(GH * I);
  const gwh = new Float64Array(GH * H);
  const gb = new Float64Array(GH);
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const row = t * B + b;
      const hp = t > 0 ? ws : h0;
      const hpo = t > 0 ? hiddenAt + (row - B) * H : b * H;
      for (let r = 0; r < GH; r++) {
        const g = dgates[row * GH + r];
        gb[r] += g;
        for (let k = 0; k < I; k++) {
          gx[row * I + k] += g * wIh[r * I + k];
          gwi[r * I + k] += g * x[row * I + k];
        }
        for (let k = 0; k < H; k++) gwh[r * H + k] += g * hp[hpo + k];
      }
    }
  }
  gradInput.set(gx);
  for (let i = 0; i < gwi.length; i++) gWIh[i] = (accumulate ? gWIh[i] : 0) + gwi[i];
  for (let i = 0; i < gwh.length; i++) gWHh[i] = (accumulate ? gWHh[i] : 0) + gwh[i];
  for (let i = 0; i < GH; i++) {
    if (gBIh) gBIh[i] = (accumulate ? gBIh[i] : 0) + gb[i];
    if (gBHh) gBHh[i] = (accumulate ? gBHh[i] : 0) + gb[i];
  }
}

// GRU: r = σ(gi_r + gh_r), z = σ(gi_z + gh_z), hn = gh_n (W_hn·h + b_hn), n = tanh(gi_n + r·hn),
// h = n + z·(h_prev − n), where gi = x·W_ihᵀ + b_ih and gh = h_prev·W_hhᵀ + b_hh (as rnn_gates_scalar.cc).
function gruForward(a: RecurrentForwardArgs): void {
  const { x, h0, weightIh: wIh, weightHh: wHh, biasIh: bIh, biasHh: bHh, output, hN, workspace: ws } = a;
  const { seqLen: T, batch: B, inputSize: I, hiddenSize: H } = a.dims;
  const GH = 3 * H;
  const hnAt = T * B * GH;
  const hiddenAt = hnAt + T * B * H;
  let hPrev: Float32Array = h0;
  let hOff = 0;
  const gi = new Float64Array(GH);
  const gh = new Float64Array(GH);
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const xo = (t * B + b) * I;
      const ho = hOff + b * H;
      for (let r = 0; r < GH; r++) {
        let ai = bIh ? bIh[r] : 0;
        let ah = bHh ? bHh[r] : 0;
        for (let k = 0; k < I; k++) ai += x[xo + k] * wIh[r * I + k];
        for (let k = 0; k < H; k++) ah += hPrev[ho + k] * wHh[r * H + k];
        gi[r] = ai;
        gh[r] = ah;
      }
      const go = (t * B + b) * GH;
      const so = (t * B + b) * H;
      for (let j = 0; j < H; j++) {
        const rg = Math.fround(sigmoid(gi[j] + gh[j]));
        const zg = Math.fround(sigmoid(gi[H + j] + gh[H + j]));
        const hv = Math.fround(gh[2 * H + j]);
        const ng = Math.fround(Math.tanh(gi[2 * H + j] + rg * hv));
        ws[go + j] = rg;
        ws[go + H + j] = zg;
        ws[go + 2 * H + j] = ng;
        ws[hnAt + so + j] = hv;
        ws[hiddenAt + so + j] = ng + zg * (hPrev[ho + j] - ng);
      }
    }
    output.set(ws.subarray(hiddenAt + t * B * H, hiddenAt + (t + 1) * B * H), t * B * H);
    hPrev = ws;
    hOff = hiddenAt + t * B * H;
  }
  hN.set(hPrev.subarray(hOff, hOff + B * H));
}

// GRU BPTT: with dh_t (clipped per sample as the other modes), dn = dh_t·(1 − z)·(1 − n²),
// dz = dh_t·(h_prev − n)·z(1 − z), dr = dn·hn·r(1 − r); the input side gets (dr, dz, dn), the
// recurrent side (dr, dz, r·dn), so the two bias gradients differ in the n block; dh_{t−1} =
// dh_t·z + (recurrent side)·W_hh.
function gruBackward(a: RecurrentBackwardArgs): void {
  const { x, h0, weightIh: wIh, weightHh: wHh, workspace: ws, gradOutput, gradHN, gradInput, gradH0 } = a;
  const { gradWeightIh: gWIh, gradWeightHh: gWHh, gradBiasIh: gBIh, gradBiasHh: gBHh, accumulate, clipHiddenGradNorm } = a;
  const { seqLen: T, batch: B, inputSize: I, hiddenSize: H } = a.dims;
  const GH = 3 * H;
  const hnAt = T * B * GH;
  const hiddenAt = hnAt + T * B * H;
  const clip = Math.fround(clipHiddenGradNorm);
  const dgi = new Float64Array(T * B * GH);
  const dgh = new Float64Array(T * B * GH);
  let dh = new Float64Array(B * H);
  if (gradHN) dh.set(gradHN);
  const dhRow = new Float64Array(H);
  for (let t = T - 1; t >= 0; t--) {
    const next = new Float64Array(B * H);
    for (let b = 0; b < B; b++) {
      const go = (t * B + b) * GH;
      const so = (t * B + b) * H;
      let ss = 0;
      for (let j = 0; j < H; j++) {
        const v = dh[b * H + j] + (gradOutput ? gradOutput[so + j] : 0);
        dhRow[j] = v;
        ss += v * v;
      }
      if (clip > 0) {
        const coef = clip / (Math.sqrt(ss) + 1e-6);
        if (coef < 1) for (let j = 0; j < H; j++) dhRow[j] *= coef;
      }
      for (let j = 0; j < H; j++) {
        const rg = ws[go + j];
        const zg = ws[go + H + j];
        const ng = ws[go + 2 * H + j];
        const hp = t > 0 ? ws[hiddenAt + so - B * H + j] : h0[b * H + j];
        const d = dhRow[j];
        const dn = d * (1 - zg) * (1 - ng * ng);
        const dz = d * (hp - ng) * zg * (1 - zg);
        const dr = dn * ws[hnAt + so + j] * rg * (1 - rg);
        dgi[go + j] = dgh[go + j] = dr;
        dgi[go + H + j] = dgh[go + H + j] = dz;
        dgi[go + 2 * H + j] = dn;
        dgh[go + 2 * H + j] = dn * rg;
        next[b * H + j] += d * zg;
      }
      for (let r = 0; r < GH; r++) {
        const g = dgh[go + r];
        if (g === 0) continue;
        for (let j = 0; j < H; j++) next[b * H + j] += g * wHh[r * H + j];
      }
    }
    dh = next;
  }
  gradH0.set(dh);
  const gx = new Float64Array(T * B * I);
  const gwi = new Float64Array(GH * I);
  const gwh = new Float64Array(GH * H);
  const gbi = new Float64Array(GH);
  const gbh = new Float64Array(GH);
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const row = t * B + b;
      const hp = t > 0 ? ws : h0;
      const hpo = t > 0 ? hiddenAt + (row - B) * H : b * H;
      for (let r = 0; r < GH; r++) {
        const g = dgi[row * GH + r];
        const e = dgh[row * GH + r];
        gbi[r] += g;
        gbh[r] += e;
        for (let k = 0; k < I; k++) {
          gx[row * I + k] += g * wIh[r * I + k];
          gwi[r * I + k] += g * x[row * I + k];
        }
        for (let k = 0; k < H; k++) gwh[r * H + k] += e * hp[hpo + k];
      }
    }
  }
  gradInput.set(gx);
  for (let i = 0; i < gwi.length; i++) gWIh[i] = (accumulate ? gWIh[i] : 0) + gwi[i];
  for (let i = 0; i < gwh.length; i++) gWHh[i] = (accumulate ? gWHh[i] : 0) + gwh[i];
  for (let i = 0; i < GH; i++) {
    if (gBIh) gBIh[i] = (accumulate ? gBIh[i] : 0) + gbi[i];
    if (gBHh) gBHh[i] = (accumulate ? gBHh[i] : 0) + gbh[i];
  }
}

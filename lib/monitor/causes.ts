/**
 * Cheap figures that name the likely cause of an event, computed only when a warning or error fires
 * (never per step): a recurrent matrix's spectral radius (a few dozen power iterations), the weights'
 * scale against 1/√fan-in, the relative size of an SGD update, and the layer's depth.
 */
import { fmt } from './events.js';
import type { ResolvedRunContext } from './run-context.js';

/** A parameter as the cause figures read it: its weights and shape when the monitor has them. */
export interface ParamView {
  /** The parameter's name. */
  readonly name: string;
  /** Its current values, or null when the monitor was given gradients only. */
  readonly data: Float32Array | null;
  /** Its shape (PyTorch layout, [out, in, …]), or null when unknown. */
  readonly shape: readonly number[] | null;
}

/** Recurrent-weight names: PyTorch's weight_hh_l0, the demo's rnn.weight_hh, nn's weightHh. */
export const isRecurrentWeight = (name: string): boolean => /weight_?hh/i.test(name);

/** Gates stacked in a recurrent matrix [G·H, H]: 4 for an LSTM, 3 for a GRU, else 1. */
function gatesOf(p: ParamView): { gates: number; hidden: number } | null {
  const n = p.data?.length ?? 0;
  if (p.shape && p.shape.length === 2 && p.shape[0] % p.shape[1] === 0) return { gates: p.shape[0] / p.shape[1], hidden: p.shape[1] };
  const g = /lstm/i.test(p.name) ? 4 : /gru/i.test(p.name) ? 3 : 1;
  const h = Math.round(Math.sqrt(n / g));
  return h > 0 && g * h * h === n ? { gates: g, hidden: h } : null;
}

/**
 * The spectral radius of an H×H block of `w` (rows `row0`…), estimated by power iteration: the
 * geometric mean growth ‖Wᵏv‖ over the last half of `iters` steps (exact for a scaled orthogonal
 * matrix; for complex eigenvalue pairs, where plain power iteration oscillates, the mean growth still
 * tends to |λ|max). A fixed start vector keeps it deterministic.
 */
export function spectralRadius(w: Float32Array, hidden: number, row0 = 0, iters = 40): number {
  let v = new Float64Array(hidden);
  let u = new Float64Array(hidden);
  for (let i = 0; i < hidden; i++) v[i] = Math.sin(1.7 * i + 0.3) + 0.5;
  let logSum = 0;
  let counted = 0;
  let norm = Math.hypot(...v);
  for (let i = 0; i < hidden; i++) v[i] /= norm;
  for (let it = 0; it < iters; it++) {
    for (let r = 0; r < hidden; r++) {
      let s = 0;
      const off = (row0 + r) * hidden;
      for (let c = 0; c < hidden; c++) s += w[off + c] * v[c];
      u[r] = s;
    }
    norm = 0;
    for (let i = 0; i < hidden; i++) norm += u[i] * u[i];
    norm = Math.sqrt(norm);
    if (!(norm > 0) || !Number.isFinite(norm)) return norm === 0 ? 0 : NaN;
    for (let i = 0; i < hidden; i++) u[i] /= norm;
    if (it >= iters / 2) {
      logSum += Math.log(norm);
      counted++;
    }
    [v, u] = [u, v];
  }
  return Math.exp(logSum / counted);
}

/** The largest spectral radius over a recurrent matrix's gate blocks, or null when its shape is unknown. */
export function recurrentRadius(p: ParamView): number | null {
  if (!p.data || !isRecurrentWeight(p.name)) return null;
  const g = gatesOf(p);
  if (!g) return null;
  let worst = 0;
  for (let k = 0; k < g.gates; k++) worst = Math.max(worst, spectralRadius(p.data, g.hidden, k * g.hidden));
  return worst;
}

const l2 = (a: Float32Array): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
};

/** The layer prefix of a parameter name ('0.weight' → '0', 'rnn.weight_hh' → 'rnn'). */
export const layerOf = (name: string): string => (name.includes('.') ? name.slice(0, name.lastIndexOf('.')) : name);

/**
 * A weight's scale against its fan-in: RMS × √fan-in (≈ 0.58 for PyTorch's default U(±1/√fan-in), 1 for
 * Xavier/LeCun, 1.41 for Kaiming), or null for a bias, an unknown shape or no weights.
 */
export function initScale(p: ParamView): number | null {
  if (!p.data || !p.shape || p.shape.length < 2 || p.data.length === 0) return null;
  const fanIn = p.shape.slice(1).reduce((a, b) => a * b, 1);
  return (l2(p.data) / Math.sqrt(p.data.length)) * Math.sqrt(fanIn);
}

/**
 * The likely cause of an event on parameter `i`, in the seed's terms (depth, initialisation scale,
 * learning rate, recurrent spectral radius; saturated activations are not visible from the
 * gradients and weights alone), with the figure behind it; '' when nothing stands out.
 */
export function likelyCause(params: readonly ParamView[], i: number, gradNorm: number, run: ResolvedRunContext, vanishing: boolean): string {
  const out: string[] = [];
  const layer = layerOf(params[i].name);
  // The recurrent matrix of this layer (the event may name its bias).
  const rec = params.find((p) => layerOf(p.name) === layer && isRecurrentWeight(p.name));
  const rho = rec ? recurrentRadius(rec) : null;
  if (rho !== null && Number.isFinite(rho)) {
    if (!vanishing && rho > 1) out.push(`recurrent spectral radius of ${rec!.name} ≈ ${fmt(rho)} > 1 (gradients through time grow ≈ ${fmt(rho)}× per step)`);
    else if (vanishing && rho < 0.9) out.push(`recurrent spectral radius of ${rec!.name} ≈ ${fmt(rho)} < 1 (gradients through time shrink ≈ ${fmt(rho)}× per step)`);
  }
  const p = params[i];
  const scale = initScale(p);
  if (scale !== null) {
    if (scale > 3) out.push(`initialisation scale: weights' RMS is ${fmt(scale)}/√fan-in (default ≈ 0.58, Kaiming ≈ 1.4): too large`);
    else if (scale < 0.1) out.push(`initialisation scale: weights' RMS is ${fmt(scale)}/√fan-in (default ≈ 0.58): too small`);
  }
  if (!vanishing && p.data && run.lr !== null && Number.isFinite(gradNorm)) {
    const w = l2(p.data);
    // An SGD step moves the weights by lr·‖g‖; Adam by up to lr per element (lr·√n).
    const adam = /adam/i.test(run.optimizer ?? '');
    const step = adam ? run.lr * Math.sqrt(p.data.length) : run.lr * gradNorm;
    if (w > 0 && step / w > 0.1) out.push(`learning rate: one update moves ${p.name} by ≈ ${fmt((100 * step) / w)} % of its norm (healthy: < 1 %)`);
  }
  if (vanishing && params.length > 2) out.push(`depth: ${p.name} is parameter ${i + 1} of ${params.length} from the input`);
  return out.length ? `Likely cause: ${out.join('; ')}.` : '';
}

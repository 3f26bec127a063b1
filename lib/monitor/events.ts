/**
 * What the monitor reports: one event per problem episode (a run of consecutive flagged steps gives
 * one event, not one per step), with a severity level, the figures behind it and a short diagnosis
 * that knows the run (clipping, optimiser, schedule, normalisation, initialisation).
 */
import type { ResolvedRunContext } from './run-context.js';

/** The three problems the monitor detects: exploding gradients, vanishing gradients, a diverging loss. */
export type MonitorEventKind = 'explode' | 'vanish' | 'diverge';

/**
 * How serious an event is. `info`: worth a look, no action needed (a spike clipping absorbed, a spike
 * while the loss falls: a phase change). `warning`: act before it becomes an error (sustained growth
 * of a layer's norm, norms pinned at the clip threshold, a layer drifting towards vanishing or going
 * dead). `error`: the run is broken (non-finite gradients or loss, divergence).
 */
export type MonitorEventLevel = 'info' | 'warning' | 'error';

/** The levels from least to most serious. */
export const LEVELS: readonly MonitorEventLevel[] = ['info', 'warning', 'error'];

/** The level's rank (info 0, warning 1, error 2), for filtering with a minimum level. */
export const levelRank = (l: MonitorEventLevel): number => LEVELS.indexOf(l);

/** Why an event was raised: which detector fired. */
export type MonitorEventReason =
  /** A gradient holds NaN or ±Infinity. */
  | 'nonfinite'
  /** A layer's gradient norm is far above its recent median. */
  | 'spike'
  /** A layer's gradient norm stayed well above its earlier median for several steps. */
  | 'growth'
  /** A clipped run's raw gradient norm was above the clip threshold on most recent steps. */
  | 'clip-pinned'
  /** A recurrent weight matrix's spectral radius is above 1 (checked on the first recorded step). */
  | 'spectral-radius'
  /** A layer's gradient norm stayed below the absolute floor. */
  | 'floor'
  /** A layer's gradient norm stayed orders of magnitude below the other layers'. */
  | 'ratio'
  /** From the first steps of the run, a layer's gradient norm is orders of magnitude below the layers after it (nearer the output): vanishing with depth. */
  | 'depth'
  /** A layer's gradient fell to (nearly) zero from its recent level within a few steps: dead units or a detached layer. */
  | 'collapse'
  /** The loss is NaN or ±Infinity. */
  | 'nonfinite-loss'
  /** The smoothed loss stayed far above its running minimum. */
  | 'loss-rise';

/**
 * One problem episode (a run of consecutive flagged steps gives one event, not one per step), with
 * its level, the figures behind it and a short diagnosis naming the likely cause and cures.
 */
export interface MonitorEvent {
  /** Which problem. */
  kind: MonitorEventKind;
  /** Which detector fired. */
  reason: MonitorEventReason;
  /** How serious: 'info', 'warning' or 'error' (an event from a custom detector without one is a 'warning'). */
  level: MonitorEventLevel;
  /** The step given to `record`. */
  step: number;
  /** The parameter concerned, or null for the loss. */
  layer: string | null;
  /** The observed figure: a gradient norm, a loss or a spectral radius (NaN/±Infinity possible). */
  value: number;
  /** What it was compared with: the recent median, the floor, the other layers' median, the loss minimum or the clip threshold. */
  reference: number;
  /** One line: what happened, with the figures. */
  message: string;
  /** The likely cause and the cures, in one to three sentences, for this run (a clipped run is never told to clip). */
  diagnosis: string;
}

/**
 * What a detector returns: a {@link MonitorEvent} whose `level` may be left out (the monitor then
 * makes it a 'warning'), so detectors written before levels existed keep working.
 */
export type DetectorEvent = Omit<MonitorEvent, 'level'> & {
  /** How serious; default 'warning'. */
  level?: MonitorEventLevel;
};

export const fmt = (v: number): string => (Number.isFinite(v) ? (Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(2) : String(+v.toPrecision(3))) : String(v));

const clipAdvice = (run: ResolvedRunContext | null, what = 'Clip them (clipGradNorm(grads, 1.0) before the optimiser step)'): string =>
  run?.clip != null ? `The run already clips at ${fmt(run.clip)}, so the update stays bounded` : what;

const lrText = (run: ResolvedRunContext | null): string => {
  if (!run || run.lr === null) return 'lower the learning rate';
  return `lower the learning rate (${run.optimizer ?? 'optimiser'} lr ${fmt(run.lr)}${run.schedule ? `, schedule ${run.schedule}` : ''})`;
};

const normText = (run: ResolvedRunContext | null): string =>
  run?.normalization ? `(the model already uses ${run.normalization})` : 'add normalisation (LayerNorm)';

/** The cures for a reason, in the terms of the run (clipping, optimiser, schedule, normalisation, initialisation). */
export function cures(reason: MonitorEventReason, run: ResolvedRunContext | null, recurrent = true): string {
  const init = run?.init ? ` (this run's: ${run.init})` : '';
  // Recurrent advice only where there are recurrent weights (unknown: given).
  const initExample = recurrent ? 'e.g. orthogonal recurrent weights with gain <= 1' : 'e.g. Kaiming for ReLU layers, Xavier for tanh';
  switch (reason) {
    case 'nonfinite':
      return `Gradients overflowed. ${clipAdvice(run)}${run?.clip != null ? ' but a non-finite gradient cannot be clipped: skip such steps (optimizer.step({ skipIfNonfinite: true }))' : ''}; ${lrText(run)}, check the initialisation${init}${recurrent ? ' (recurrent weights with spectral radius > 1 amplify gradients through time)' : ''}, ${normText(run)}${run?.clip != null ? '' : ', or skip such steps (optimizer.step({ skipIfNonfinite: true }))'}.`;
    case 'spike':
    case 'growth':
      return run?.clip != null
        ? `${clipAdvice(run)}: no action unless it repeats step after step — then ${lrText(run)} or add warm-up.`
        : `Gradients are exploding. ${clipAdvice(run, 'Clip them (clipGradNorm, or adaptive clipping: AutoClip, ZClip)')}, ${lrText(run)} or add warm-up, and check the initialisation${init} (${initExample}).`;
    case 'clip-pinned':
      return `Clipping is setting every step's size, not just trimming outliers: the threshold${run?.clip != null ? ` ${fmt(run.clip)}` : ''} is too low for this model's gradient scale, or the learning rate is too high. Raise maxNorm towards the median raw norm, or ${lrText(run)} and clip at a higher threshold.`;
    case 'spectral-radius':
      return run?.clip != null
        ? `Gradients through time grow by about this factor per step; clipping at ${fmt(run.clip)} keeps the updates bounded, so training can still work. For a safer start use orthogonal recurrent weights with gain <= 1, or gated units (LSTM).`
        : 'Gradients through time grow by about this factor per step and will explode on long sequences. Initialise the recurrent weights with spectral radius <= 1 (orthogonal, gain 1), clip the gradient norm (clipGradNorm), or use gated units (LSTM).';
    case 'floor':
      return `Gradients are vanishing: this layer barely learns. Check that it is connected to the loss, use an initialisation that keeps activations in range${init} (Kaiming/Xavier, orthogonal recurrent weights), gated units (LSTM) or residual connections, and ${normText(run)}.`;
    case 'ratio':
      return `Gradients are vanishing relative to the other layers. Use residual connections or gated units (LSTM), ${normText(run)}, non-saturating activations (ReLU/GELU) and an initialisation matched to them${init} (Kaiming).`;
    case 'depth':
      return `Gradients vanish with depth from the first step: the signal shrinks layer by layer, so the layers nearest the input do not learn. Initialise for the activations${init} (Kaiming for ReLU, Xavier for tanh), ${run?.normalization ? `check the normalisation (the model uses ${run.normalization})` : 'add normalisation (BatchNorm/LayerNorm)'}, add residual connections, or make the network shallower.`;
    case 'collapse':
      return `The gradient stopped reaching this layer: its units are dead or saturated (every ReLU inactive, or tanh/sigmoid pinned at ±1 where their slope is 0 — typically after too-large updates: ${lrText(run)}; LeakyReLU, a lower initial bias, normalisation), or a bug detaches or zeroes it (a missing backward, a zeroGrad after backward, a frozen parameter).`;
    case 'nonfinite-loss':
      return `The loss overflowed. Check the inputs for NaN/Inf and the loss for log(0) or division by zero; ${lrText(run)}${run?.clip != null ? '' : ', clip gradients (clipGradNorm)'}.`;
    case 'loss-rise':
      return `Training is diverging. ${lrText(run)[0].toUpperCase()}${lrText(run).slice(1)} (or add warm-up / a schedule)${run?.clip != null ? '' : ', clip gradients'}, and check the initialisation${init}.`;
  }
}

/** The event's level and diagnosis filled in; `extra` is appended to the message, `cause` to the diagnosis. */
export function makeEvent(
  kind: MonitorEventKind,
  reason: MonitorEventReason,
  level: MonitorEventLevel,
  step: number,
  layer: string | null,
  value: number,
  reference: number,
  opts: { extra?: string; run?: ResolvedRunContext | null; what?: string; note?: string; diagnosis?: string; recurrent?: boolean } = {},
): MonitorEvent {
  const where = layer === null ? '' : ` in ${layer}`;
  let what = opts.what ?? '';
  if (!opts.what) {
    switch (reason) {
      case 'nonfinite':
        what = `non-finite gradient${where} (norm ${fmt(value)})`;
        break;
      case 'spike':
        what = `gradient norm${where} ${fmt(value)} is ${fmt(value / reference)}× its recent median ${fmt(reference)}`;
        break;
      case 'growth':
        what = `gradient norm${where} has grown to ${fmt(value)}, ${fmt(value / reference)}× its earlier median ${fmt(reference)}`;
        break;
      case 'clip-pinned':
        what = `raw gradient norm above the clip threshold ${fmt(reference)}`;
        break;
      case 'spectral-radius':
        what = `recurrent weights${where} have spectral radius ≈ ${fmt(value)} (> ${fmt(reference)})`;
        break;
      case 'floor':
        what = `gradient norm${where} ${fmt(value)} below the floor ${fmt(reference)}`;
        break;
      case 'ratio':
        what = `gradient norm${where} ${fmt(value)} is ${fmt(reference / value)}× below the other layers' median ${fmt(reference)}`;
        break;
      case 'depth':
        what = `gradient norm${where} ${fmt(value)} is ${fmt(reference / value)}× below the largest of the layers after it, ${fmt(reference)}`;
        break;
      case 'collapse':
        what = `gradient norm${where} fell to ${fmt(value)} from its recent median ${fmt(reference)}`;
        break;
      case 'nonfinite-loss':
        what = `loss is ${fmt(value)}`;
        break;
      case 'loss-rise':
        what = reference > 0
          ? `smoothed loss ${fmt(value)} is ${fmt(value / reference)}× its running minimum ${fmt(reference)}`
          : `smoothed loss ${fmt(value)} is ${fmt(value - reference)} above its running minimum ${fmt(reference)}`;
        break;
    }
  }
  const diagnosis = opts.diagnosis !== undefined ? opts.diagnosis : opts.note ? `${opts.note} ${cures(reason, opts.run ?? null, opts.recurrent)}` : cures(reason, opts.run ?? null, opts.recurrent);
  return { kind, reason, level, step, layer, value, reference, message: `step ${step}: ${kind}: ${what}${opts.extra ?? ''}`, diagnosis };
}

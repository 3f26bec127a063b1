/**
 * What the monitor reports: one event per problem episode (a run of consecutive flagged steps gives
 * one event, not one per step), with the figures behind it and a short diagnosis naming the usual cures.
 */

/** The three problems the monitor detects: exploding gradients, vanishing gradients, a diverging loss. */
export type MonitorEventKind = 'explode' | 'vanish' | 'diverge';

/** Why an event was raised: which detector fired. */
export type MonitorEventReason =
  /** A gradient holds NaN or ±Infinity. */
  | 'nonfinite'
  /** A layer's gradient norm is far above its recent median. */
  | 'spike'
  /** A layer's gradient norm stayed below the absolute floor. */
  | 'floor'
  /** A layer's gradient norm stayed orders of magnitude below the other layers'. */
  | 'ratio'
  /** The loss is NaN or ±Infinity. */
  | 'nonfinite-loss'
  /** The smoothed loss stayed far above its running minimum. */
  | 'loss-rise';

/**
 * One problem episode (a run of consecutive flagged steps gives one event, not one per step), with
 * the figures behind it and a short diagnosis naming the usual cures.
 */
export interface MonitorEvent {
  /** Which problem. */
  kind: MonitorEventKind;
  /** Which detector fired. */
  reason: MonitorEventReason;
  /** The step given to `record`. */
  step: number;
  /** The parameter concerned, or null for the loss. */
  layer: string | null;
  /** The observed figure: a gradient norm or a loss (NaN/±Infinity possible). */
  value: number;
  /** What it was compared with: the recent median, the floor, the other layers' median or the loss minimum. */
  reference: number;
  /** One line: what happened, with the figures. */
  message: string;
  /** The usual cures, in one or two sentences. */
  diagnosis: string;
}

const fmt = (v: number): string => (Number.isFinite(v) ? (Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(2) : String(+v.toPrecision(3))) : String(v));

const CURES: Record<MonitorEventReason, string> = {
  nonfinite:
    'Exploding gradients overflowed. Clip them (clipGradNorm(grads, 1.0) before the optimiser step), lower the learning rate, ' +
    'check the initialisation (recurrent weights with spectral radius > 1 amplify gradients through time), add normalisation ' +
    '(LayerNorm), or skip such steps (optimizer.step({ skipIfNonfinite: true })).',
  spike:
    'Gradients are exploding. Clip them (clipGradNorm, or adaptive clipping: AutoClip, ZClip), lower the learning rate or add ' +
    'warm-up, and check the initialisation (e.g. orthogonal recurrent weights with gain <= 1).',
  floor:
    'Gradients are vanishing: this layer barely learns. Check that it is connected to the loss, use an initialisation that keeps ' +
    'activations in range (Kaiming/Xavier, orthogonal recurrent weights), gated units (LSTM) or residual connections, and normalisation.',
  ratio:
    'Gradients are vanishing relative to the other layers. Use residual connections or gated units (LSTM), normalisation ' +
    '(LayerNorm/BatchNorm), non-saturating activations (ReLU/GELU) and an initialisation matched to them (Kaiming).',
  'nonfinite-loss':
    'The loss overflowed. Lower the learning rate, clip gradients (clipGradNorm), check the inputs for NaN/Inf and the loss for ' +
    'log(0) or division by zero.',
  'loss-rise':
    'Training is diverging. Lower the learning rate (or add warm-up / a schedule), clip gradients, and check the initialisation.',
};

export function makeEvent(kind: MonitorEventKind, reason: MonitorEventReason, step: number, layer: string | null, value: number, reference: number, extra = ''): MonitorEvent {
  const where = layer === null ? '' : ` in ${layer}`;
  let what: string;
  switch (reason) {
    case 'nonfinite':
      what = `non-finite gradient${where} (norm ${fmt(value)})`;
      break;
    case 'spike':
      what = `gradient norm${where} ${fmt(value)} is ${fmt(value / reference)}× its recent median ${fmt(reference)}`;
      break;
    case 'floor':
      what = `gradient norm${where} ${fmt(value)} below the floor ${fmt(reference)}`;
      break;
    case 'ratio':
      what = `gradient norm${where} ${fmt(value)} is ${fmt(reference / value)}× below the other layers' median ${fmt(reference)}`;
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
  return { kind, reason, step, layer, value, reference, message: `step ${step}: ${kind}: ${what}${extra}`, diagnosis: CURES[reason] };
}

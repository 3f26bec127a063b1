/**
 * The detector contract: GradientMonitor runs a list of detectors on every recorded step, in
 * order, and emits what they return. The built-in three (explode, vanish, diverge) are detectors
 * like any other; `MonitorOptions.detectors` replaces them with a configured or custom list.
 */
import type { GradStats } from '../../grad/grad-stats.js';
import type { ParamView } from '../causes.js';
import type { DetectorEvent } from '../events.js';
import type { ResolvedRunContext } from '../run-context.js';

/** A parameter's gradient norms from earlier steps (the monitor's history; oldest first). */
export interface NormSeries {
  /** Steps held (at most the monitor's historySize). */
  readonly length: number;
  /**
   * The last `n` values (fewer when fewer are held), oldest first.
   * @param n how many.
   * @param out a Float64Array of at least `n` elements to fill and return a view of (saves an allocation).
   */
  last(n: number, out?: Float64Array): Float64Array;
}

/** What a detector sees at one step, before the step joins the history. */
export interface DetectorInput {
  /** The step given to `record`. */
  readonly step: number;
  /** The loss given to `record`, or undefined when none was given. */
  readonly loss: number | undefined;
  /** The step's one-pass gradient statistics (per-tensor norms in `names` order). */
  readonly stats: GradStats;
  /** Parameter names, in `stats.perTensorNorms` order. */
  readonly names: readonly string[];
  /** Each parameter's norms from earlier steps, in `names` order. */
  readonly history: readonly NormSeries[];
  /** The losses of earlier steps (NaN where none was given), oldest first. */
  readonly losses: NormSeries;
  /** The raw total norms of earlier steps, oldest first. */
  readonly totals: NormSeries;
  /** What the monitor knows of the run (clipping, optimiser, lr, schedule, normalisation, initialisation; null = unknown). */
  readonly run: Readonly<ResolvedRunContext>;
  /** Each parameter's weights and shape when the monitor has them (for cause figures: read them only when an event fires). */
  readonly params: readonly ParamView[];
}

/**
 * A detector: looks at each step and returns the events it raises (usually none). It keeps its own
 * state between steps (episodes, cooldowns, smoothed figures); one instance serves one monitor.
 * Events use the three kinds the monitor counts and reports: 'explode', 'vanish' and 'diverge'; an
 * event without a `level` is a 'warning'.
 */
export interface Detector {
  /**
   * Checks one step.
   * @param input the step's statistics, loss and the history before it.
   * @returns the events raised at this step (an empty array when quiet).
   */
  check(input: DetectorInput): readonly DetectorEvent[];
}

import type { HudInvocationKind } from '../../context/context-value.types.js';
import type { HudSuspect } from '../suspects/hud-suspect-report.interface.js';

/**
 * One side of a change: the name's invocations before the recent span, or during it.
 *
 * @publicApi
 */
export interface HudSpanFigures {
  invocations: number;
  /** Failing invocations (trigger `error`, `status` or `failure`). */
  failures: number;
  /** `failures / invocations`. */
  failureRate: number;
  /**
   * Median and 99th percentile (ms) of the successful invocations, from the latency sketches
   * (`slowBaseline`), which move in steps of a fifth of their window: the recent side is the
   * current step. Absent without samples, or with `slowBaseline: false`.
   */
  p50Ms?: number;
  p99Ms?: number;
}

/**
 * An invocation name whose failure rate or latency rose in the last `recentMs`, compared
 * with the rest of the window.
 *
 * @publicApi
 */
export interface HudChangeReport {
  name: string;
  kind: HudInvocationKind;
  /** ISO time the recent span starts. */
  since: string;
  before: HudSpanFigures;
  after: HudSpanFigures;
  /**
   * Present when failures rose: `after.failureRate >= minRatio × before.failureRate`, at
   * least `minFailures` recent failures, and a one-sided exact p-value (adjusted across
   * names) under 0.001. `ratio` is `Infinity` (`null` in JSON) when nothing failed before.
   */
  failureRate?: { ratio: number; pValue: number };
  /**
   * Present when the recent p50 or p99 is at least `minRatio` times the earlier one, with at
   * least 100 successful invocations on each side, and more recent calls above the earlier
   * p50 (or p99) than chance would put there (exact, adjusted across names, under 0.001).
   */
  latency?: { p50Ratio: number; p99Ratio: number };
  /** Who the change hits: the values over-represented among the recent failures (the suspects test, on the recent span only). */
  suspects: HudSuspect[];
}

/** What `HudForensics.changes()` may be narrowed to. */
export interface HudChangeFilter {
  /** One invocation name, exactly. */
  name?: string;
}

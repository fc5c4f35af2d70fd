import type { HudInvocationKind } from '../../context/context-value.types.js';

/** Which invocations `HudForensics.suspects()` compares with all of a name's traffic. */
export type HudSuspectTrigger = 'failure' | 'slow';

/**
 * A context value over-represented among the failures (or slow invocations) of a name.
 *
 * @publicApi
 */
export interface HudSuspect {
  key: string;
  /** One value of the key (one item, for an array value). `'(other)'` never appears here. */
  value: string | number | boolean;
  /** Failing (or slow) invocations with this value, since `since` when it is given. */
  failures: number;
  /** All invocations with this value, since `since` when it is given. */
  invocations: number;
  /** `failures` / the name's failures over the same span. */
  failureShare: number;
  /** `invocations` / the name's invocations over the same span. */
  baselineShare: number;
  /** Failure rate with this value / failure rate of the name over the same span ("7.5x the route's average"). */
  lift: number;
  /**
   * Failure rate with this value / failure rate of the name's other invocations over the same
   * span: the bar a suspect must clear (`minRelativeRisk`). `Infinity` when none of the
   * others failed.
   */
  relativeRisk: number;
  /**
   * One-sided exact p-value that the value's invocations fail more often than the name's
   * others of the same minutes (compared bucket by bucket), adjusted (Holm) for every value
   * tested: those of the name for `suspects({ name })`, those of every name otherwise.
   */
  pValue: number;
  /**
   * ISO time the value's counts start, when later than the start of the name's counts in the
   * window: the value got its row then (it was new, or came back after being counted under
   * `'(other)'`), and every figure above is over the name's invocations since then.
   */
  since?: string;
  /** Values of the same name with identical failures and invocations, bucket by bucket: one cause, seen through several keys. */
  sameAs?: Array<{ key: string; value: string | number | boolean }>;
}

/**
 * The suspects of one invocation name in the current window.
 *
 * @publicApi
 */
export interface HudSuspectReport {
  name: string;
  kind: HudInvocationKind;
  trigger: HudSuspectTrigger;
  windowMs: number;
  /** Invocations of the name in the window. */
  invocations: number;
  /** Failing (or, for `trigger: 'slow'`, slow) invocations of the name in the window. */
  failures: number;
  /** Most suspicious first; `[]` when nothing stands out. */
  suspects: HudSuspect[];
}

/** What `HudForensics.suspects()` may be narrowed to. */
export interface HudSuspectFilter {
  /** One invocation name, exactly (`'POST /orders'`). */
  name?: string;
  /** `'failure'` (default: errors, failure statuses, `setFailure`) or `'slow'`. */
  trigger?: HudSuspectTrigger;
}

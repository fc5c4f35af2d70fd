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
  /** Failing (or slow) invocations with this value. */
  failures: number;
  /** All invocations with this value. */
  invocations: number;
  /** `failures` / the name's failures. */
  failureShare: number;
  /** `invocations` / the name's invocations. */
  baselineShare: number;
  /** Failure rate with this value / failure rate of the name. */
  lift: number;
  /**
   * One-sided exact (hypergeometric) p-value that the value is over-represented among the
   * failures, adjusted (Holm) for the number of values of the name that were tested.
   */
  pValue: number;
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

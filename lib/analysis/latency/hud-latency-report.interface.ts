import type { HudInvocationKind } from '../../context/context-value.types.js';

/**
 * One invocation name's recent latency, from `HudForensics.latency()`: its successful
 * invocations in the last `windowMs` (quantiles in ms, within 2 % of the true value) and
 * how many failed in the same window.
 *
 * @publicApi
 */
export interface HudLatencyReport {
  name: string;
  kind: HudInvocationKind;
  /** Successful invocations in the window: what the quantiles describe. */
  samples: number;
  /** Median, 95th and 99th percentile in ms; `NaN` (JSON `null`) while `samples` is 0. */
  p50: number;
  p95: number;
  p99: number;
  /** Failing invocations (trigger `error`, `status` or `failure`) in the window. */
  failures: number;
  windowMs: number;
}

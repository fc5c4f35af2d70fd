/** What a `duration` record says about the rule that fired, as in `ForensicsRecord.latency`. */
export interface LatencyVerdict {
  /** The threshold in force for this invocation (ms). */
  thresholdMs: number;
  /** `fixed`: `slowThresholdMs`; `baseline`: the name's own recent latencies; `decorator`: `@HudSlowThreshold(ms)`. */
  basis: 'fixed' | 'baseline' | 'decorator';
  /** The name's median and 99th percentile (ms) and successful invocations in the window, when it has any. */
  p50?: number;
  p99?: number;
  samples?: number;
}

/**
 * Counters of the forensics pipeline. Every failing or slow invocation ends in exactly one
 * of `recorded`, `droppedByRateLimit`, `droppedByQueue` or `droppedByHook`.
 *
 * @publicApi
 */
export interface HudForensicsStats {
  /** Records built and handed to the exporters. */
  recorded: number;
  /** Failures over the `rateLimit` of their invocation name: counted, not built. */
  droppedByRateLimit: number;
  /** Failures that found the queue full (`maxQueueSize`): counted, not built. */
  droppedByQueue: number;
  /** Records the `beforeRecord` hook returned `null` for. */
  droppedByHook: number;
  /** Batches an exporter threw or rejected on. */
  exporterErrors: number;
  /** Batches an exporter did not finish within `exportTimeoutMs`. */
  exporterTimeouts: number;
  /** Records waiting for export now. */
  queued: number;
}
